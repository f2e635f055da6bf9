"""Helpers for store tests: a small closed database, a file's fingerprint, a process holding the lock."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from annotations.model import ArticleRecord
from annotations.store import Store

TEXT = "Alice Martin met Bob Stone in Paris."


def make_db(path: Path, n_articles: int = 1) -> int:
    """A closed Parallax database (checkpointed: the .db file holds everything)."""
    with Store(path, annotator="alice") as s:
        for i in range(n_articles):
            text = f"{TEXT} ({i})" + " Paris again." * 40 * (i % 3)
            aid = s.loading.add_article(ArticleRecord(text=text))[0]
            s.decisions.create_span(aid, 0, 12, "PERSON")
    assert not Path(f"{path}-wal").exists()
    return 1


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and what lies next to it (a refused open must leave both alone)."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(path.parent))


HOLDER = textwrap.dedent("""
    import select, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    if len(sys.argv) > 2:  # at most this long: stdin closing (release) ends the wait sooner
        select.select([sys.stdin], [], [], float(sys.argv[2]))
    else:
        sys.stdin.read()
    conn.execute("ROLLBACK")
""")


class LockHolder:
    """Another process holding the write lock (BEGIN IMMEDIATE) until released, or with
    ``at_most`` until that many seconds have passed, whichever comes first."""

    def __init__(self, path: Path, at_most: float | None = None):
        self.path = path
        extra = [] if at_most is None else [str(at_most)]
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), *extra], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def holds_the_lock(self) -> bool:
        """Whether the write lock is still taken (a write that does not wait is refused)."""
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            conn.close()

    def release(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0

    def __enter__(self) -> LockHolder:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.release()
