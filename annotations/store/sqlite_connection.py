"""The SQLite connection every Store opens, and which database files this process has open.

:class:`ParallaxConnection` turns an SQLite error that says the file is damaged into
StoreDamaged wherever a statement or a fetch meets it; it also counts itself in
:data:`_open_files`, so that :func:`check_header_length` knows when reading a file's header by
hand is safe (never while a connection of this process has the file: FACTS.md).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import Counter
from typing import NoReturn

from .damage import found_damaged
from .errors import StoreDamaged, StoreError, describe_error, file_size, is_damage


def check_header_length(path: str) -> None:
    """Refuse a file cut short (its header counts more pages than it holds) before SQLite reads it.

    SQLite's first statement reads the schema, and in a file cut short the schema's pages may be
    the missing ones: then it says "malformed" rather than "truncated", and in WAL mode it leaves a
    -wal and -shm beside the file it could not read (seen with a database cut to half). So the
    header's 100 bytes are read here, by hand, but only while this process has no SQLite
    connection to the file: closing a descriptor drops the process's locks on it (FACTS.md),
    and with no connection there are none to drop. Otherwise :func:`_check_length` checks it
    through SQLite, after the schema was read.
    """
    key = _file_id(path)
    if key is None or _open_files[key] or not (file_size(path) or 0):
        return
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return  # not SQLite's: said so, through SQLite, when it is opened
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96]:
        return  # the header's page count is not valid (written by an old SQLite): the file's size rules
    size = file_size(path) or 0
    if pages * page_size > size and not (file_size(path + "-wal") or 0):
        raise StoreError(f"{path}: truncated database (the header says {pages * page_size} bytes, the file "
                         f"has {size}); it was cut short while copying? Restore it from a backup.")


# (device, inode) -> connections this process has open to that file (ParallaxConnection keeps it)
_open_files: Counter[tuple[int, int]] = Counter()
_open_files_lock = threading.Lock()


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class _Cursor(sqlite3.Cursor):
    """A cursor of a :class:`ParallaxConnection`: a damaged page met by a statement or a fetch
    becomes StoreDamaged (iterate with ``fetchall``, not ``for row in cursor``, to have it too)."""

    def execute(self, sql: str, parameters=(), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            _reraise(self.connection, exc)

    def executemany(self, sql: str, parameters, /) -> _Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            _reraise(self.connection, exc)

    def fetchone(self):
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            _reraise(self.connection, exc)

    def fetchmany(self, size: int | None = 1):
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.DatabaseError as exc:
            _reraise(self.connection, exc)

    def fetchall(self):
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            _reraise(self.connection, exc)


class ParallaxConnection(sqlite3.Connection):
    """The connection every Store opens: an SQLite error saying the file is damaged, met by any
    statement, becomes :class:`~annotations.errors.StoreDamaged` naming the file, so that no
    SQLite error type leaves the store (the front end catches StoreError only). Other SQLite
    errors stay what they are; the store turns them into StoreError where it writes
    (:func:`write_transaction`). Costs one Python call per statement and per fetch.
    """

    path = ""  # the database file, for the message
    _file: tuple[int, int] | None = None  # counted in _open_files while open

    def track(self, path: str) -> None:
        """Name the file (for messages) and count this connection as open on it."""
        self.path = path
        self._file = _file_id(path) if path != ":memory:" else None
        if self._file is not None:
            with _open_files_lock:
                _open_files[self._file] += 1

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._file is not None:
                with _open_files_lock:
                    _open_files[self._file] -= 1
                    if _open_files[self._file] <= 0:
                        del _open_files[self._file]
                self._file = None

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    def execute(self, sql: str, parameters=(), /) -> _Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters, /) -> _Cursor:
        return self.cursor().executemany(sql, parameters)


def _reraise(conn: sqlite3.Connection, exc: sqlite3.DatabaseError) -> NoReturn:
    """Raise ``exc`` as StoreDamaged when it says the file is damaged (the file is no longer
    taken for sound: :func:`~.damage.found_damaged`), else as it is."""
    if is_damage(exc) and not isinstance(exc, StoreDamaged):
        path = getattr(conn, "path", "") or "the database"
        found_damaged(path)
        raise StoreDamaged(describe_error(path, exc)) from exc
    raise exc
