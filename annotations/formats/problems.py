"""Problems found while reading or importing a file, reported as ``FILE:LINE: message``."""

from __future__ import annotations

from dataclasses import dataclass

from ..text import display_safe


@dataclass(frozen=True)
class Problem:
    """One bad file, record or span (an error), or something worth knowing (a notice).

    ``line`` is the 1-based line of the record in its file where the format has
    lines (JSONL, CoNLL), else None. Errors mean something was not imported;
    notices mean it was imported, with a remark.
    """

    path: str
    line: int | None
    message: str
    notice: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = f"{where}: note: {self.message}" if self.notice else f"{where}: {self.message}"
        return one_line(text)


def one_line(text: str) -> str:
    """Terminal-safe and on one line: file names and excerpts come from untrusted input."""
    return display_safe(text).replace("\n", " ").replace("\t", " ")


def excerpt(text: str, limit: int = 40) -> str:
    """A short quoted form of untrusted text for messages (repr escapes control characters)."""
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return repr(text)


def describe_span(start: object, end: object, label: object) -> str:
    """``12-17 PERSON`` for messages; the label is quoted when it is not a plain name."""
    shown = label if isinstance(label, str) and label.isidentifier() else excerpt(str(label), 30)
    return f"{start}-{end} {shown}"
