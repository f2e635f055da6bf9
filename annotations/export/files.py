"""Writing an export's files all or nothing: temp files beside the targets, renamed at the end.

A failed export (a full disk, an unwritable folder, Ctrl-C) leaves no partial
or empty file behind and keeps any earlier export of the same name; folders it
had to create are removed again. Errors name the user's path, never a temp file.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path


class Outputs:
    """The files of one export. A context manager: renamed into place on success, removed on failure."""

    def __init__(self, protected: Callable[[Path], bool] = lambda path: False) -> None:
        self._protected = protected  # files an export must never replace (the database's own)
        self._pending: list[tuple[Path, Path]] = []  # (temp file, final path)
        self._made: list[Path] = []  # folders this export created, outermost first

    def folder(self, path: str | os.PathLike) -> Path:
        """Make a folder (and its parents), remembering the ones this export created."""
        path = Path(path)
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        self._made += [p for p in reversed(missing) if p not in self._made]
        return path

    def file(self, final: str | os.PathLike) -> Path:
        """A new, empty temp file in ``final``'s folder; write ``final``'s content there."""
        final = Path(final)
        if self._protected(final):
            raise OSError(errno.EEXIST, "it is the Parallax database itself (or its -wal or -shm file); "
                          "choose another --output", os.fspath(final))
        self.folder(final.parent)
        tmp = final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
        try:  # 0o666 less the umask, like any new file (mkstemp would make it 0o600)
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except OSError as exc:
            exc.filename = os.fspath(final)
            raise
        self._pending.append((tmp, final))
        return tmp

    def user_path(self, path: str | os.PathLike | None, fallback: str) -> str:
        """The user's path for a path in an error: a temp file's target, else the path, else ``fallback``."""
        if path is None:
            return fallback
        for tmp, final in self._pending:
            if os.fspath(path) == os.fspath(tmp):
                return os.fspath(final)
        return os.fspath(path)

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self._abort()
            return
        try:
            for tmp, final in self._pending:
                os.replace(tmp, final)
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:  # not empty (a file someone else put there) or gone: leave it
                pass
