"""The Store's one SQLite connection and its write transactions: what every part of the Store is given.

A part (decisions, the event log, the library, ...) receives a :class:`Connection` and the other
parts it uses in its constructor; it never reaches for the Store itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .damage import ensure_sound
from .errors import StoreError
from .transaction import write_transaction

if TYPE_CHECKING:
    from .database import Database


class Connection:
    """One SQLite connection (belonging to the thread that opened it, unless opened with
    ``check_same_thread=False``: then writes from several threads are serialized here).

    ``lock_wait`` is how long a write waits for another process's write lock before raising
    StoreBusy (None: the connection's busy timeout). Before its first write the file is checked
    for damage once per process (:func:`ensure_sound`); with ``background_check`` a write raises
    StoreBusy until another thread has done that, instead of reading the whole file itself.
    """

    def __init__(self, db: Database, path: str, *, readonly: bool, lock_wait: float | None = None,
                 background_check: bool = False) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.path = path
        self.readonly = readonly
        self.lock_wait = lock_wait
        self.background_check = background_check
        self._sound = False  # checked for damage (once per process, before the first write)
        self._write_lock = threading.RLock()

    @contextmanager
    def write(self, wait: float | None = None) -> Iterator[sqlite3.Connection]:
        """One atomic write (BEGIN IMMEDIATE ... COMMIT); nested calls join the outer one.

        Waits up to ``wait`` (default ``lock_wait``) for another writer, then raises StoreBusy.
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only, so this change was not made; "
                             "open it without read-only to annotate")
        if not self._sound:
            self.ensure_sound(wait=not self.background_check)
        with self._write_lock, write_transaction(self.db, self.lock_wait if wait is None else wait):
            yield self.conn

    def ensure_sound(self, *, wait: bool = True) -> None:
        """Raise StoreError if the file is damaged (every page read once per process)."""
        ensure_sound(self.db, self.path, wait=wait)
        self._sound = True

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        """One statement (read its rows to the end: FACTS.md, half-read cursors)."""
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        """Run a read query and return every row as a dict (never a half-read cursor)."""
        cur = self.conn.execute(sql, params)
        names = [c[0] for c in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        self.conn.close()
