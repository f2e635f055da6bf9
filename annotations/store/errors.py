"""What goes wrong with a database, in words a user can act on: the errors and their messages."""

from __future__ import annotations

import os
import sqlite3

from ..errors import ParallaxError

BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up (Store(timeout=))."""
MIN_DB_BYTES = 512  # SQLite's smallest page: a non-empty file shorter than this is cut short


class StoreError(ParallaxError):
    """A database problem the user can act on; the message names the file."""


class StoreBusy(StoreError):
    """Another connection held the write lock for longer than this write would wait.

    Nothing of the write was done; trying again later (or on a connection that waits
    longer) is safe.
    """

    def __init__(self, message: str, waited: float, who: str | None = None) -> None:
        super().__init__(message)
        self.waited = waited
        self.who = who  # what holds the database up, where known ("the damage check")


class AlreadyRunning(StoreError):
    """Another live process is doing the same long job on this database (``writers``): training a
    language's model twice at once would race for the same version and the same suggestions."""


class StoreDamaged(StoreError, sqlite3.DatabaseError):
    """The file is damaged (a page SQLite cannot read, or findings of its quick_check).

    Nothing was written to it, and its -wal was left as it was (:mod:`.damage`), so that a
    recovery tool still has everything. Also an ``sqlite3.DatabaseError``, so that the store's
    own handling of SQLite errors still sees it; everything outside the store catches it as a
    StoreError (no SQLite error type leaves the store).
    """


class DecisionError(ParallaxError, ValueError):
    """A decision that cannot be made (bad offsets, unknown span, bad label)."""


class RecordError(StoreError, ValueError):
    """A record the database refused (it breaks a constraint); the rest of the batch is fine."""


def error_for(path: str, exc: sqlite3.Error, timeout: float | None = None) -> StoreError:
    """The StoreError for an SQLite error on ``path`` (a StoreDamaged when the file is damaged)."""
    if isinstance(exc, StoreError):
        return exc
    kind = StoreDamaged if is_damage(exc) else StoreError
    return kind(describe_error(path, exc, timeout))


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
        return (f"{path}: the database is damaged ({msg}); nothing was written to it. Restore it "
                "from a backup (or try: sqlite3 FILE .recover).")
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


def damage_message(path: str, error: BaseException) -> str | None:
    """The one-line message when ``error`` says the file at ``path`` is damaged (a StoreDamaged,
    or an SQLite error met on a damaged page), else None."""
    if isinstance(error, StoreDamaged):
        return str(error)
    if isinstance(error, sqlite3.DatabaseError) and is_damage(error):
        return describe_error(path, error)
    return None


def file_size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None
