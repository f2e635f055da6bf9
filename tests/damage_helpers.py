"""Damaged databases made for real: noise inside a page, a -wal left by a writer killed with
kill -9 beside a file cut short, a file in rollback-journal mode; and a child process that
cannot read a file even as root."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from store_helpers import make_db


def sqlite_finds_damage(path: Path) -> bool:
    """SQLite's own check, on a read-only connection (as a finding or as an error)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"
        except sqlite3.DatabaseError:
            return True


def damaged_db(tmp_path: Path, name: str = "damaged.db", *, journal: str = "wal") -> Path:
    """A closed database of 60 articles with 8 KB of random bytes written over pages of article
    text (found with SQLite's dbstat table): pages that opening a database never reads, so the
    damage stays hidden until every page is read, wherever a schema change moves the tables."""
    whole = tmp_path / f"whole-{name}"
    make_db(whole, n_articles=60)
    with closing(sqlite3.connect(whole)) as conn:
        if journal != "wal":
            conn.execute(f"PRAGMA journal_mode = {journal}")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf' ORDER BY pageno")]
    assert len(pages) >= 3
    raw = bytearray(whole.read_bytes())
    middle = (pages[len(pages) // 2] - 1) * size + 1000  # not on a page boundary: parts of three pages
    raw[middle:middle + 8192] = random.Random(8).randbytes(8192)
    path = tmp_path / name  # a file of its own: this process checked the whole one already
    path.write_bytes(bytes(raw))
    assert sqlite_finds_damage(path)  # the damage is real
    return path


CRASHING_WRITER = textwrap.dedent("""
    import sys
    from annotations.model import ArticleRecord
    from annotations.store import Store
    store = Store(sys.argv[1], annotator="alice")
    store.db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # what it decides stays in the -wal
    for i in range(40):
        article_id = store.loading.add_article(ArticleRecord(text=f"Article {i} about Rabat. " * 200))[0]
        store.decisions.create_span(article_id, 0, 7, "PERSON")
    print("written", flush=True)
    sys.stdin.read()  # killed here, its connection still open
""")


def cut_short_with_wal(tmp_path: Path, name: str = "cut.db") -> Path:
    """A writer killed with kill -9 left its decisions in the -wal; then the file lost its second
    half (a copy cut short). SQLite reads it as damaged; the -wal is what a recovery tool needs."""
    path = tmp_path / name
    make_db(path, n_articles=60)
    writer = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 100_000  # the 40 articles and decisions are there, and only there
    os.truncate(path, path.stat().st_size // 2)  # nobody has the file open any more
    assert sqlite_finds_damage(path)
    return path


def one_line_error(result: subprocess.CompletedProcess, path) -> str:
    """The command failed with exactly one line, naming the damaged file; no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"parallax: error: {path}: the database is damaged"), lines[0]
    assert "backup" in lines[0]
    return lines[0]


def file_and_wal(path: Path) -> tuple[bytes, bytes | None]:
    """The bytes of a closed database and of its -wal (None when there is none)."""
    wal = Path(f"{path}-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else None


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def bound_by_permissions() -> None:
    """A ``preexec_fn``: the child obeys file permissions even as root (it drops the two
    capabilities that let root read any file). A no-op for an ordinary user."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
