"""Reading articles (and their spans) from files: plain text, JSONL, CoNLL, spaCy DocBin.

Readers stream: :func:`read_path` yields one :class:`ArticleRecord` or
:class:`Problem` at a time, so a huge JSONL or CoNLL file never sits in
memory. Records carry the file's raw text and offsets; the importer
normalizes and checks them (:mod:`annotations.formats.checks`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..model import ArticleRecord
from .conll import read_conll
from .docbin import read_docbin
from .jsonl import read_jsonl
from .problems import Problem
from .txt import read_txt

__all__ = ["FORMATS", "EXTENSIONS", "Problem", "SourceFile", "format_of", "iter_files",
           "read_file", "read_path"]

READERS: dict[str, Callable[..., Iterator[ArticleRecord | Problem]]] = {
    "txt": read_txt, "jsonl": read_jsonl, "conll": read_conll, "spacy": read_docbin,
}
FORMATS = tuple(READERS)
EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".conll": "conll", ".conll03": "conll", ".iob": "conll", ".iob2": "conll", ".bio": "conll",
    ".spacy": "spacy", ".docbin": "spacy",
}
KNOWN = ".txt, .jsonl, .conll or .spacy"


@dataclass(frozen=True)
class SourceFile:
    """One file to read: ``file`` is a Path or an importlib Traversable (the seeds)."""

    file: object
    fmt: str
    path: str  # as shown in messages
    name: str  # kept as the article's source


def format_of(name: str) -> str | None:
    """The format a file name implies under ``--format auto``, or None."""
    return EXTENSIONS.get(os.path.splitext(name)[1].lower())


def iter_files(path, fmt: str = "auto") -> Iterator[SourceFile | Problem]:
    """The files a path stands for: itself, or a folder's files, recursively, sorted.

    Hidden files and folders are skipped. Under ``auto`` an unknown extension is
    an error for a file named directly and a notice for a file inside a folder.
    """
    if fmt != "auto" and fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose auto or one of {', '.join(FORMATS)}")
    if not isinstance(path, (str, os.PathLike)):  # an importlib Traversable (bundled seeds)
        yield from _one_file(path, str(path), path.name, fmt, named=True)
        return
    root = Path(path)
    shown = os.fspath(path)
    if root.is_dir():
        found = False
        for rel in _walk(root):
            found = True
            yield from _one_file(root / rel, os.path.join(shown, rel), Path(rel).as_posix(), fmt,
                                 named=False)
        if not found:
            yield Problem(shown, None, f"no files in this folder ({KNOWN} expected)")
    elif root.exists():
        yield from _one_file(root, shown, root.name, fmt, named=True)
    else:
        yield Problem(shown, None, "no such file or folder")


def _one_file(file, shown: str, name: str, fmt: str, *, named: bool) -> Iterator[SourceFile | Problem]:
    chosen = fmt if fmt != "auto" else format_of(name)
    if chosen is None:
        ext = os.path.splitext(name)[1] or "(no extension)"
        yield Problem(shown, None, f"unknown file type {ext}; name it {KNOWN}, or pass --format"
                      + ("" if named else " (skipped)"), notice=not named)
    else:
        yield SourceFile(file, chosen, shown, name)


def _walk(root: Path) -> list[str]:
    """Relative paths of the non-hidden files under ``root``, sorted, without following links."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        base = os.path.relpath(folder, root)
        found += [os.path.normpath(os.path.join(base, f)) for f in files if not f.startswith(".")]
    return sorted(found, key=lambda rel: Path(rel).parts)


def read_file(source: SourceFile) -> Iterator[ArticleRecord | Problem]:
    """Read one file in its format; a file that cannot be opened is one problem."""
    try:
        yield from READERS[source.fmt](source.file, source.path, source.name)
    except IsADirectoryError:
        yield Problem(source.path, None, "is a folder, not a file")
    except OSError as exc:
        yield Problem(source.path, None, f"cannot read the file ({exc.strerror or exc}); "
                                         "check that it exists and is readable")


def read_path(path, fmt: str = "auto") -> Iterator[ArticleRecord | Problem]:
    """Every record in a file or folder (or the problem that stopped one), streaming."""
    for item in iter_files(path, fmt):
        if isinstance(item, Problem):
            yield item
        else:
            yield from read_file(item)
