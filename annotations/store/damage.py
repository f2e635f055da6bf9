"""The damage check: read every page of a database once per process before its first write.

Split from :mod:`annotations.store.db` (which opens and migrates): damage inside a page
only shows when that page is read, which the cheap checks at open cannot do.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import TYPE_CHECKING

from .errors import StoreBusy, StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database

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
        raise StoreError(f"{path}: the database is damaged ({found[0]}{more}); nothing was written "
                         "to it. Restore it from a backup (or try: sqlite3 FILE .recover).")


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
