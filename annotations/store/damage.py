"""The damage check: read every page of a database once per process before its first write;
and closing a connection without copying an unchecked -wal into a file that may be damaged.

Split from :mod:`annotations.store.db` (which opens and migrates): damage inside a page
only shows when that page is read, which the cheap checks at open cannot do.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StoreBusy, StoreDamaged, file_size

if TYPE_CHECKING:
    from .database import Database

_checked: set[tuple[str, int, int]] = set()  # (path, device, inode) of files found sound
_checking = threading.Lock()
DAMAGE_CHECK = "the damage check"


def ensure_sound(db: Database, path: str, *, wait: bool = True) -> None:
    """Refuse to go on with a damaged file: read every page once per process (quick_check).

    Damage inside a page (a bad disk, a copy cut short while its -wal lived on) only shows
    when that page is read, so the cheap checks at open cannot see it. Writers call this
    before their first write, so that nothing is written into a damaged file; it costs
    about 1.5 s at 100,000 articles (BENCHMARKS.md), once per process and file. With
    ``wait`` False (the app's main thread) an unfinished check raises StoreBusy instead of
    blocking: the app runs the check in a worker.
    """
    if path == ":memory:":
        return
    key = _file_key(path)
    if key in _checked:
        return
    if not wait:
        raise StoreBusy(f"{path}: checking the database for damage before its first write", 0,
                        DAMAGE_CHECK)
    with _checking:
        if key in _checked:
            return
        found = _quick_check(db)
        if not found:
            _checked.add(key)  # only a sound result is kept: a damaged file is checked again
    if found:
        more = f"; {len(found) - 1} more problem(s)" if len(found) > 1 else ""
        raise StoreDamaged(f"{path}: the database is damaged ({found[0]}{more}); nothing was written "
                           "to it. Restore it from a backup (or try: sqlite3 FILE .recover).")


def found_sound(path: str) -> bool:
    """Whether this process has read every page of the file at ``path`` and found it sound."""
    try:
        return _file_key(path) in _checked
    except OSError:
        return False


def found_damaged(path: str) -> None:
    """Forget that the file was found sound: an SQLite error has just said it is damaged (changed
    since the check, by another program or a failing disk), so it is handled as never checked."""
    try:
        _checked.discard(_file_key(path))
    except OSError:
        pass


def close_connection(conn: sqlite3.Connection, path: str) -> None:
    """Close a read-write connection; if it is the last, never let it copy an unchecked -wal in.

    The last connection to close on a WAL database checkpoints the -wal into the file and
    deletes it. Into a damaged file that destroys what a recovery tool needs: measured here,
    an import refused a file cut to half (169,984 bytes) whose 4.7 MB -wal held decisions;
    closing its connection made the file 651,264 bytes and deleted the -wal. Python 3.11's
    sqlite3 cannot set SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, but a read-only connection never
    checkpoints, and while one that has read the file is open no other is the last (the
    same process's connections share their locks through SQLite): so a connection on a file
    this process has not found sound, with a non-empty -wal, closes beside such a guard,
    which closes after it. Both the file and the -wal were then byte-identical (and a
    -shm was left). A process that found the file sound (every writer, before its first
    write) closes as usual; so does any connection when the -wal is empty or missing
    (nothing to copy), which removes the -wal and -shm as before.
    """
    if path == ":memory:" or found_sound(path) or not (file_size(path + "-wal") or 0):
        conn.close()
        return
    try:
        guard = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:  # not expected while conn has the file open; close as usual then
        conn.close()
        return
    try:
        try:  # a read takes the shared lock the guard holds until it closes (WAL mode); without it
            guard.execute("PRAGMA user_version").fetchone()  # the guard protects nothing (checked)
        except sqlite3.Error:
            pass  # a read failing on a damaged page took the lock first (checked)
        conn.close()
    finally:
        guard.close()


def _file_key(path: str) -> tuple[str, int, int]:
    st = os.stat(path)
    return os.path.abspath(path), st.st_dev, st.st_ino


def _quick_check(db: Database) -> list[str]:
    """SQLite's findings, one line each ([] when the file is sound)."""
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    if rows == ["ok"]:
        return []
    lines = [" ".join(line.split()) for row in rows for line in str(row).splitlines()]
    return [line for line in lines if line and not line.startswith("***")]
