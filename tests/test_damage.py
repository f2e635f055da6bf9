"""A database damaged inside a page is refused before anything is written to it.

The cheap checks at open (header, schema, length) cannot see 8 KB of noise in the middle
of the file; every writer reads every page once (quick_check) before its first write, and
the app does it in a worker, holding decisions until it is done.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from store_helpers import fingerprint, make_db
from tmux_helpers import PARALLAX

from annotations.store import Store, StoreError


def damaged_db(tmp_path: Path) -> Path:
    """A closed database of 60 articles with 8 KB of random bytes written over pages of article
    text (found with SQLite's dbstat table): pages that opening a database never reads, so the
    damage stays hidden until every page is read, wherever a schema change moves the tables."""
    whole = tmp_path / "whole.db"
    make_db(whole, n_articles=60)
    with closing(sqlite3.connect(whole)) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf' ORDER BY pageno")]
    assert len(pages) >= 3
    raw = bytearray(whole.read_bytes())
    middle = (pages[len(pages) // 2] - 1) * size + 1000  # not on a page boundary: parts of three pages
    raw[middle:middle + 8192] = random.Random(8).randbytes(8192)
    path = tmp_path / "damaged.db"  # a file of its own: this process checked whole.db already
    path.write_bytes(bytes(raw))
    with closing(sqlite3.connect(path)) as conn:  # the damage is real: SQLite's own check finds it
        try:  # (as a finding, or as an error: which depends on the pages the noise hits)
            found = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            found = str(exc)
        assert found != "ok"
    return path


def test_a_store_opens_a_damaged_file_but_refuses_to_write_into_it(tmp_path):
    path = damaged_db(tmp_path)
    before = fingerprint(path)
    with Store(path, annotator="alice") as store:
        assert store.labels.names()  # the cheap checks at open pass: reading undamaged pages works
        with pytest.raises(StoreError) as info:
            store.tags.tag_article(1, "x")
        message = str(info.value)
        assert message.startswith(f"{path}: the database is damaged") and "backup" in message
        with pytest.raises(StoreError):  # asked again, it is refused again (not remembered as sound)
            store.tags.tag_article(1, "x")
    assert fingerprint(path)[0] == before[0]


def test_a_sound_file_is_read_once_per_process(tmp_path, monkeypatch):
    from annotations.store import damage as db

    path = tmp_path / "sound.db"
    make_db(path)
    calls = []
    real = db._quick_check
    monkeypatch.setattr(db, "_quick_check", lambda d: calls.append(1) or real(d))
    with Store(path, annotator="alice") as a, Store(path, annotator="bob") as b:
        a.tags.tag_article(1, "one")
        b.tags.tag_article(1, "two")
        a.tags.tag_article(1, "three")
    assert len(calls) <= 1  # once for the file (or none: this test process may have checked it)


@pytest.mark.parametrize("command", [["import", "{txt}"], ["preannotate"]], ids=["import", "preannotate"])
def test_writing_commands_refuse_a_damaged_file_with_one_line(tmp_path, command):
    path = damaged_db(tmp_path)
    txt = tmp_path / "new.txt"
    txt.write_text("A new article about Rabat.\n", encoding="utf-8")
    before = fingerprint(path)
    args = [a.format(txt=txt) for a in command]
    result = subprocess.run([str(PARALLAX), *args, "--db", str(path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"parallax: error: {path}: the database is damaged")
    assert fingerprint(path)[0] == before[0]


def test_the_app_refuses_a_damaged_file_and_exits_non_zero(tmp_path, tmux):
    path = damaged_db(tmp_path)
    before = fingerprint(path)
    app = tmux("damaged")
    app.start(f"{PARALLAX} --db {path} --annotator alice 2> {tmp_path}/err", {"TERM": "xterm"})
    assert app.exit_status() == 1
    err = (tmp_path / "err").read_text()
    assert f"parallax: error: {path}: the database is damaged" in err
    assert "Traceback" not in err
    assert fingerprint(path)[0] == before[0]
