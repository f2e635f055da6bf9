"""Shared fixtures: throwaway databases, the seed paths, a store per test."""

from __future__ import annotations

import os
import signal
import tempfile

import pytest
from serve_helpers import browser, served  # noqa: F401 (fixtures: parallax serve, headless Chromium)
from tmux_helpers import tmux  # noqa: F401 (a fixture: the real program in tmux)

from annotations.store import Store

# The tokenizers blank_nlp saves go to a folder of this run (the CLI run in subprocesses
# inherits it), never into the user's own cache.
os.environ.setdefault("PARALLAX_CACHE_DIR", tempfile.mkdtemp(prefix="parallax-test-cache-"))

# A run started in the background by a shell without job control (`nohup ... &`, some CI runners)
# ignores SIGINT, and so would every program the tests start: the Ctrl-C tests would then see the
# program finish. The programs get Ctrl-C as in a terminal (a handled signal is reset by exec).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "parallax.db"


@pytest.fixture
def store(db_path):
    s = Store(db_path, annotator="alice")
    yield s
    s.close()


def _dump_tables(conn) -> dict[str, list[tuple]]:
    """Every row of every table a decision can touch (the log itself and FTS shadows left out)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'articles_fts%' AND name != 'events' ORDER BY name").fetchall()]
    return {name: conn.execute(f"SELECT rowid, * FROM {name} ORDER BY rowid").fetchall() for name in names}


@pytest.fixture
def table_dump():
    """A function giving {table: rows} for a Store, to compare whole database states."""
    return lambda store: _dump_tables(store.db.conn)
