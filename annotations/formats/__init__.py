"""Reading articles (and their spans) from files: plain text, JSONL, CoNLL, spaCy DocBin.

Readers stream: :func:`read_path` yields one :class:`ArticleRecord` or
:class:`Problem` at a time, so a huge JSONL or CoNLL file never sits in
memory. Records carry the file's raw text and offsets; the importer
normalizes and checks them (:mod:`annotations.formats.checks`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from importlib.abc import Traversable
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

    file: Path | Traversable
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
        found, unreadable = _walk(root)
        yield from unreadable
        for rel in found:
            yield from _one_file(root / rel, os.path.join(shown, rel), Path(rel).as_posix(), fmt,
                                 named=False)
        if not found and not unreadable:
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


def _walk(root: Path) -> tuple[list[str], list[Problem]]:
    """Relative paths of the non-hidden files under ``root``, sorted, without following links;
    and a problem for each folder that could not be read (its files are skipped, not lost in
    silence: os.walk ignores such folders unless told)."""
    found: list[str] = []
    unreadable: list[Problem] = []

    def skipped(exc: OSError) -> None:
        unreadable.append(Problem(os.fspath(exc.filename or root), None, f"cannot read the folder "
                                  f"({exc.strerror or exc}); its files were skipped"))

    for folder, dirs, files in os.walk(root, followlinks=False, onerror=skipped):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        base = os.path.relpath(folder, root)
        found += [os.path.normpath(os.path.join(base, f)) for f in files if not f.startswith(".")]
    return sorted(found, key=lambda rel: Path(rel).parts), unreadable


def read_file(source: SourceFile, max_bytes: int = 0) -> Generator[ArticleRecord | Problem, None, None]:
    """Read one file in its format; a file that cannot be opened is one problem.

    Only regular files are read (a FIFO would block forever, /dev/zero never
    ends), and, when ``max_bytes`` is set, only files up to that size.
    """
    try:
        if isinstance(source.file, Path):
            opened = _open_regular(source, max_bytes)
            if isinstance(opened, Problem):
                yield opened
                return
            try:
                yield from READERS[source.fmt](opened, source.path, source.name)
            finally:
                opened.close()
        else:  # a bundled seed inside the package
            yield from READERS[source.fmt](source.file, source.path, source.name)
    except IsADirectoryError:
        yield Problem(source.path, None, "is a folder, not a file")
    except OSError as exc:
        yield Problem(source.path, None, f"cannot read the file ({exc.strerror or exc}); "
                                         "check that it exists and is readable")


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _not_regular(mode: int, path: str, file: Path) -> Problem | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "something else")
    what = f"is {kind}"
    if file.is_symlink():
        what = f"links to {os.path.realpath(file)}, which is {kind}"
    return Problem(path, None, f"{what}, not a regular file; import regular files only (skipped)")


class _OpenedFile:
    """A file already opened and checked, handed to a reader in place of its Path."""

    def __init__(self, stream, name: str):
        self._stream = stream
        self.name = name

    def open(self, mode: str = "rb"):
        return self._stream

    def read_bytes(self) -> bytes:
        with self._stream as stream:
            return stream.read()

    def close(self) -> None:
        self._stream.close()


def _open_regular(source: SourceFile, max_bytes: int) -> _OpenedFile | Problem:
    """Open a regular file without blocking or following it anywhere odd; else the problem.

    Checked before opening (a device is never opened) and again on the open
    descriptor (the path may have been swapped in between).
    """
    path = source.file
    assert isinstance(path, Path)  # the seeds (Traversable) are read through importlib
    problem = _not_regular(os.stat(path).st_mode, source.path, path)
    if problem:
        return problem
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        problem = _not_regular(info.st_mode, source.path, path)
        if problem is None and max_bytes and info.st_size > max_bytes:
            problem = Problem(source.path, None,
                              f"is {_size(info.st_size)}, more than the {_size(max_bytes)} an imported file "
                              "may hold (skipped); raise the limit with --max-file-size or max_file_size "
                              "under [import] in parallax.toml")
        if problem:
            os.close(fd)
            return problem
        os.set_blocking(fd, True)
        return _OpenedFile(os.fdopen(fd, "rb"), path.name)
    except BaseException:
        os.close(fd)
        raise


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def read_path(path, fmt: str = "auto") -> Iterator[ArticleRecord | Problem]:
    """Every record in a file or folder (or the problem that stopped one), streaming."""
    for item in iter_files(path, fmt):
        if isinstance(item, Problem):
            yield item
        else:
            yield from read_file(item)
