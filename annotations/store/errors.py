"""What goes wrong with a database, in words a user can act on: the errors and their messages."""

from __future__ import annotations

import os
import sqlite3

from ..errors import StoreBusy, StoreDamaged, StoreError

__all__ = ["StoreBusy", "StoreDamaged", "StoreError", "describe_error", "file_size", "is_damage"]

BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up (Store(timeout=))."""
MIN_DB_BYTES = 512  # SQLite's smallest page: a non-empty file shorter than this is cut short


def describe_error(path: str, exc: sqlite3.Error, timeout: float | None = None) -> str:
    """A one-line message for an SQLite error on ``path``: the file, the problem, what to do."""
    msg = str(exc)
    if "file is not a database" in msg and path != ":memory:":
        size = file_size(path)
        if size is not None and size < MIN_DB_BYTES:
            return (f"{path}: not an SQLite database, or a truncated one ({size} bytes, less than "
                    "one page); restore it from a backup or choose another --db")
        return (f"{path}: not an SQLite database ({msg}: the file does not start with the SQLite "
                "header); it may be corrupt or another kind of file. Choose another --db.")
    if "malformed" in msg:
        return (f"{path}: the database is damaged ({msg}); restore it from a backup "
                "(or try: sqlite3 FILE .recover).")
    if "not a database" in msg or "file is encrypted" in msg:
        return (f"{path}: not a usable database ({msg}); it may be corrupt or not a "
                "Parallax file. Restore it from a backup or choose another --db.")
    if "locked" in msg or "busy" in msg:
        waited = BUSY_TIMEOUT_S if timeout is None else timeout
        return (f"{path}: the database stayed locked by another process for "
                f"{waited:g} s ({msg}). Try again when the other writer finishes.")
    if "readonly" in msg or "read-only" in msg:
        return (f"{path}: the database cannot be written ({msg}); check the permissions of the "
                "file and of its folder (SQLite writes -wal and -shm files next to it).")
    if "unable to open" in msg:
        return f"{path}: cannot open the database ({msg}); check that the folder exists and is writable."
    if "disk is full" in msg or "disk I/O" in msg:
        return f"{path}: the disk failed or is full ({msg}); free some space and try again."
    return f"{path}: database error: {msg}"


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error says the file is damaged (as opposed to busy, read-only, full)."""
    msg = str(exc)
    return "malformed" in msg or "file is not a database" in msg


def file_size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None
