"""SLATE for the side-by-side figure: its own venv, and the same article and spans in its formats.

SLATE (Kummerfeld, ACL 2019; ``pip install slate-nlp``) reads a plain text file and an
annotation file beside it (``FILE.annotations``, one item a line: ``((line, token),
(line, token)) - label``; a single token as ``(line, token)``), where lines are the
file's lines and tokens its whitespace-separated words (slate/data.py: Document,
read_annotation_file, Item.__str__). Its default labels are a, s and d, each set by the
chord space + letter (slate/annotate.py main; slate/config.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from bisect import bisect_right
from pathlib import Path

VERSION = "1.1.3"
# Our labels as SLATE's default ones (its colours: green, blue, magenta).
LABELS = {"PERSON": "a", "ORG": "s", "GPE": "d"}


class SlateUnavailable(Exception):
    """SLATE could not be installed here (no network, no mirror): the figure is not measured."""


def install(workdir: Path) -> Path:
    """SLATE in a venv of its own under ``workdir`` (never in Parallax's); its ``slate`` command.

    Reused when it is there already (``--workdir``). Raises SlateUnavailable with pip's
    last words when it cannot be installed.
    """
    venv = workdir / "slate-venv"
    slate = venv / "bin" / "slate"
    python = venv / "bin" / "python"
    if slate.exists() and _installed_version(python) == VERSION:
        return slate
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                       capture_output=True, text=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                        f"slate-nlp=={VERSION}"], check=True, capture_output=True, text=True, timeout=600)
    except subprocess.CalledProcessError as exc:
        why = (exc.stderr or exc.stdout or "").strip().splitlines()
        raise SlateUnavailable(f"SLATE not installable (`pip install slate-nlp=={VERSION}`: "
                               f"{why[-1] if why else f'exit status {exc.returncode}'})") from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SlateUnavailable(f"SLATE not installable ({type(exc).__name__}: {exc})") from exc
    if not slate.exists():
        raise SlateUnavailable("SLATE not installable (pip installed no `slate` command)")
    return slate


def _installed_version(python: Path) -> str | None:
    out = subprocess.run([str(python), "-c", "from importlib.metadata import version; "
                          "print(version('slate-nlp'))"], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def annotation_file(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, int]:
    """SLATE's annotation file for character-offset ``spans`` of ``text``, and its item count.

    A span becomes the tokens it touches (SLATE annotates whole whitespace tokens:
    "Tunisia." is one); two spans on the same tokens with the same label are one item.
    """
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    tokens: list[list[tuple[int, int]]] = []  # per line: (start, end) of each token, in text offsets
    for number, start in enumerate(line_starts):
        end = line_starts[number + 1] - 1 if number + 1 < len(line_starts) else len(text)
        tokens.append([(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])])
    items: dict[tuple, str] = {}
    for start, end, label in spans:
        line = bisect_right(line_starts, start) - 1
        bounds = tokens[line]
        touched = [i for i, (s, e) in enumerate(bounds) if s < end and start < e]
        if not touched:
            raise ValueError(f"span {start}-{end} touches no token")
        first, last = touched[0], touched[-1]
        if line_starts[line] <= end - 1 and bisect_right(line_starts, end - 1) - 1 != line:
            raise ValueError(f"span {start}-{end} crosses a line")
        key = ((line, first), (line, last))
        items[key] = LABELS[label]
    lines = []
    for (a, b), label in items.items():
        where = str(a) if a == b else str((a, b))
        lines.append(f"{where} - {label}\n")
    return "".join(lines), len(lines)
