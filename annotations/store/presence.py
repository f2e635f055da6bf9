"""Who is here: the long writers working now, and each annotator's saved session."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from .db import now
from .errors import AlreadyRunning, StoreError

if TYPE_CHECKING:
    from .connection import Connection


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class Presence:
    """Long writers announcing themselves, and the session of ``annotator``."""

    def __init__(self, cx: Connection, annotator: str) -> None:
        self.cx = cx
        self.annotator = annotator

    # -- who is writing ----------------------------------------------------------

    @contextmanager
    def announce(self, what: str, *, alone: bool = False) -> Iterator[None]:
        """Say, for as long as the block runs, that this process is a long writer (``what``:
        "import", "pre-annotation", "training en"), so that a decision waiting for the lock can
        name it. With ``alone``, raise AlreadyRunning instead when a live process already says
        the same ``what`` (checked and claimed in one transaction: two cannot both get in)."""
        with self.cx.write():
            if alone:
                self._check_alone(what)
            rowid = self.cx.conn.execute(
                "INSERT INTO writers(pid, host, what, started_at) VALUES (?, ?, ?, ?)",
                (os.getpid(), socket.gethostname(), what, now())).lastrowid
        try:
            yield
        finally:
            with suppress(StoreError, sqlite3.Error), self.cx.write():
                self.cx.conn.execute("DELETE FROM writers WHERE id=?", (rowid,))

    def _check_alone(self, what: str) -> None:
        host = socket.gethostname()
        for rowid, pid, row_host in self.cx.conn.execute(
                "SELECT id, pid, host FROM writers WHERE what = ? ORDER BY id", (what,)).fetchall():
            if row_host == host and not _alive(pid):
                self.cx.conn.execute("DELETE FROM writers WHERE id=?", (rowid,))  # killed: its claim lapsed
                continue
            where = f"pid {pid}" + ("" if row_host == host else f" on {row_host}")
            raise AlreadyRunning(f"{self.cx.path}: {what} already runs ({where}); wait for it to "
                                 "finish, or stop it, then try again")

    def long_writers(self) -> list[str]:
        """The long writers working now, as "import (pid 4242)"; those whose process is gone
        (killed before they could say they stopped) are left out."""
        host = socket.gethostname()
        out = []
        for pid, row_host, what in self.cx.conn.execute(
                "SELECT pid, host, what FROM writers ORDER BY id").fetchall():
            if row_host == host and not _alive(pid):
                continue
            out.append(f"{what} (pid {pid})" if row_host == host else f"{what} (pid {pid} on {row_host})")
        return out

    # -- session -----------------------------------------------------------------

    def save_session(self, state: dict, *, wait: float | None = None) -> None:
        """Remember what the annotator had open (articles, panes, cursor).

        The reader saves this on every cursor move, so it is committed without waiting for
        the disk (synchronous=NORMAL for this one transaction): it survives the app being
        killed, and only a power cut can lose the last cursor position. Decisions keep FULL.
        ``wait`` is how long to wait for another writer (StoreBusy after that).
        """
        conn = self.cx.conn
        relaxed = not conn.in_transaction
        if relaxed:
            level = conn.execute("PRAGMA synchronous").fetchone()[0]
            conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with self.cx.write(wait):
                conn.execute(
                    "INSERT INTO sessions(annotator, state, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(annotator) DO UPDATE SET state=excluded.state, "
                    "updated_at=excluded.updated_at",
                    (self.annotator, json.dumps(state), now()))
        finally:
            if relaxed:
                conn.execute(f"PRAGMA synchronous={int(level)}")

    def load_session(self) -> dict | None:
        row = self.cx.conn.execute("SELECT state FROM sessions WHERE annotator=?",
                                   (self.annotator,)).fetchone()
        return json.loads(row[0]) if row else None
