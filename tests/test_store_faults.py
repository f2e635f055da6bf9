"""Files the store must refuse or handle with a clear StoreError naming the file, never damage:
corrupt and truncated files, other programs' SQLite files, newer schemas, a lock held too long,
read-only files and opens, missing folders."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from store_helpers import TEXT, LockHolder, fingerprint, make_db

from annotations.model import ArticleRecord
from annotations.store import Store, StoreError
from annotations.store.schema import SCHEMA_VERSION


def refused(path: Path, *words: str, **kw) -> str:
    with pytest.raises(StoreError) as info:
        Store(path, annotator="alice", **kw)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    for word in words:
        assert word in message
    return message


# -- corrupt and foreign files -------------------------------------------------------------------


def test_random_bytes_are_refused_unchanged(tmp_path):
    path = tmp_path / "noise.db"
    path.write_bytes(random.Random(1).randbytes(8192))
    before = fingerprint(path)
    refused(path, "not an SQLite database")
    refused(path, "not an SQLite database", readonly=True)
    assert fingerprint(path) == before


def test_a_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n" * 10)
    refused(path, "not an SQLite database")
    assert path.read_text() == "these are my notes\n" * 10


@pytest.mark.parametrize("keep", [0.5, 0.9, 60])
def test_a_truncated_database_is_refused_unchanged(tmp_path, keep):
    whole = tmp_path / "whole.db"
    make_db(whole, n_articles=30)
    raw = whole.read_bytes()
    path = tmp_path / "cut.db"
    path.write_bytes(raw[: int(len(raw) * keep)] if keep < 1 else raw[:keep])
    before = fingerprint(path)
    refused(path, "truncated")
    assert fingerprint(path) == before


def test_damaged_pages_are_refused_at_open_or_found_by_check(tmp_path):
    whole = tmp_path / "whole.db"
    make_db(whole, n_articles=60)
    raw = bytearray(whole.read_bytes())
    page = int.from_bytes(raw[16:18], "big")
    rng = random.Random(7)
    broken = tmp_path / "broken.db"  # every page but the header page is noise
    broken.write_bytes(raw[:page] + rng.randbytes(len(raw) - page))
    refused(broken, "damaged", "backup")
    # One damaged page deep inside: opening cannot see it, check() reads every page.
    last = bytearray(raw)
    last[-page:] = rng.randbytes(page)
    inner = tmp_path / "inner.db"
    inner.write_bytes(bytes(last))
    with Store(inner, annotator="alice") as s:
        assert s.check() != []
    with Store(whole, annotator="alice") as s:
        assert s.check() == []


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.execute("INSERT INTO bookmarks VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    refused(path, "not a Parallax database", "not changed")
    refused(path, "not a Parallax database", readonly=True)
    assert fingerprint(path) == before  # still in its own journal mode, no -wal beside it


def test_an_empty_sqlite_file_of_another_program_is_refused(tmp_path):
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.close()
    before = fingerprint(path)
    refused(path, "not a Parallax database")
    assert fingerprint(path) == before


def test_an_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "new.db"
    path.touch()
    with Store(path, annotator="alice") as s:
        assert s.articles.count() == 0 and s.labels.names()


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_database_from_a_newer_parallax_is_refused_unchanged(tmp_path, journal):
    path = tmp_path / "future.db"
    make_db(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    refused(path, "newer Parallax", f"schema {SCHEMA_VERSION + 1}", "Upgrade", "not changed")
    assert fingerprint(path) == before
    refused(path, "newer Parallax", readonly=True)  # (a read-only WAL reader may leave -shm behind)
    assert fingerprint(path)[0] == before[0]


# -- a lock held too long ------------------------------------------------------------------------

def test_a_lock_held_longer_than_the_timeout_gives_a_clear_error_and_no_partial_write(db_path):
    make_db(db_path)
    with Store(db_path, annotator="bob", timeout=0.3) as bob, LockHolder(db_path) as holder:
        events = bob.query("SELECT count(*) AS n FROM events")
        assert [s.label for s in bob.view.spans(1, "alice")] == ["PERSON"]  # reading is not blocked
        for decide in (lambda: bob.decisions.create_span(1, 17, 26, "PERSON"),
                       lambda: bob.tags.tag_article(1, "x"),
                       lambda: bob.history.undo(), lambda: bob.labels.add("NEW")):
            with pytest.raises(StoreError) as info:
                decide()
            message = str(info.value)
            assert message.startswith(f"{db_path}:")
            assert "locked by another process for 0.3 s" in message and "Try again" in message
            assert not bob.db.conn.in_transaction
        holder.release()
        assert bob.query("SELECT count(*) AS n FROM events") == events
        bob.decisions.create_span(1, 17, 26, "PERSON")  # the lock is gone: the same decision goes through
        assert [s.start for s in bob.view.spans(1)] == [17]


def test_creating_a_database_another_process_has_locked_fails_clearly(tmp_path):
    path = tmp_path / "fresh.db"
    path.touch()
    with LockHolder(path):
        refused(path, "locked", timeout=0.2)
    with Store(path, annotator="alice") as s:  # nothing half-made was left behind
        assert s.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert s.labels.names()


# -- read-only -------------------------------------------------------------------------------------


def test_a_read_only_open_reads_but_refuses_every_write(db_path):
    make_db(db_path)
    before = fingerprint(db_path)[0]
    with Store(db_path, annotator="alice", readonly=True) as s:
        assert s.articles.get(1).text.startswith(TEXT)
        assert [x.label for x in s.view.spans(1)] == ["PERSON"]
        assert s.labels.names() and s.view.status(1) == "in_progress"
        span = s.view.spans(1)[0]
        writes = [lambda: s.decisions.accept(span.key), lambda: s.decisions.reject(span.key),
                  lambda: s.decisions.relabel(span.key, "ORG"),
                  lambda: s.decisions.resize(span.key, 0, 5), lambda: s.decisions.create_span(1, 17, 26,
                                                                                              "PERSON"),
                  lambda: s.decisions.delete_span(span.key), lambda: s.tags.tag(span.key, "t"),
                  lambda: s.tags.tag_article(1, "t"),
                  lambda: s.decisions.link(span.key, "Alice"), lambda: s.decisions.set_article_status(1,
                                                                                                      "done"),
                  lambda: s.decisions.accept_all(1), lambda: s.history.undo(), lambda: s.history.redo(),
                      lambda: s.labels.add("X"),
                  lambda: s.loading.add_article(ArticleRecord(text="new")),
                      lambda: s.presence.save_session({})]
        for write in writes:
            with pytest.raises(StoreError) as info:
                write()
            assert str(info.value).startswith(f"{db_path}: opened read-only")
        # Even a raw statement on its connection cannot write.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s.db.conn.execute("DELETE FROM spans")
    assert fingerprint(db_path)[0] == before


def test_a_read_only_open_of_a_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "missing.db"
    refused(path, "no such database", readonly=True)
    refused(path, "no such database", create=False)
    assert os.listdir(tmp_path) == []


_AS_ANOTHER_USER = textwrap.dedent("""
    import json, os, sys
    import sqlite_utils
    from annotations.store import Store, StoreError
    sqlite_utils.Database(memory=True)  # loads its plugins now: /root is closed to other users
    path = sys.argv[1]
    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    result = {}
    for readonly in (False, True):
        try:
            with Store(path, annotator="alice", readonly=readonly) as s:
                spans = [x.label for x in s.view.spans(1)]
                try:
                    s.tags.tag_article(1, "x")
                    result[str(readonly)] = ["wrote", spans]
                except StoreError as exc:
                    result[str(readonly)] = ["read", spans, str(exc)]
        except StoreError as exc:
            result[str(readonly)] = ["refused", str(exc)]
    print(json.dumps(result))
""")


@pytest.mark.parametrize("folder_mode", [0o777, 0o555])
def test_a_read_only_file_as_a_user_who_cannot_write_it(folder_mode):
    """chmod 0444 as an ordinary user (root ignores permissions, so the check drops root)."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "data"
        folder.mkdir()
        path = folder / "p.db"
        make_db(path)
        before = fingerprint(path)
        path.chmod(0o444)
        Path(d).chmod(0o755)
        folder.chmod(folder_mode)
        try:
            out = subprocess.run([sys.executable, "-c", _AS_ANOTHER_USER, str(path)], capture_output=True,
                                 text=True, timeout=60)
        finally:
            folder.chmod(0o755)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        kind, message = result["False"]
        assert kind == "refused"
        assert message.startswith(f"{path}: the file is read-only") and "chmod u+w" in message
        kind, spans, message = result["True"]
        assert (kind, spans) == ("read", ["PERSON"])
        assert message.startswith(f"{path}: opened read-only")
        assert fingerprint(path)[0] == before[0]


# -- paths -------------------------------------------------------------------------------------------


def test_a_missing_folder_is_named_and_not_created(tmp_path):
    path = tmp_path / "no" / "such" / "folder" / "p.db"
    message = refused(path, "does not exist", "create it")
    assert str(tmp_path / "no" / "such" / "folder") in message
    assert not (tmp_path / "no").exists()


def test_a_folder_given_as_the_database_is_refused(tmp_path):
    refused(tmp_path, "is a folder")


def test_a_checkpoint_cut_short_is_recovered_not_refused(tmp_path):
    """Regression guard: a kill mid-checkpoint leaves a header bigger than the file, with the
    missing pages still in the -wal; SQLite recovers that, so the truncation check must not refuse it."""
    path = tmp_path / "p.db"
    make_db(path)
    writer = Store(path, annotator="alice")
    writer.db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    for i in range(50):
        writer.loading.add_article(ArticleRecord(text=f"article {i} " * 300))
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copy(path, crashed / "p.db")  # the state a SIGKILL would leave: file plus its -wal
    shutil.copy(f"{path}-wal", crashed / "p.db-wal")
    writer.close()
    wal = (crashed / "p.db-wal").read_bytes()
    page = int.from_bytes(wal[8:12], "big")
    frame = 24 + page
    ones = [32 + i * frame + 24 for i in range((len(wal) - 32) // frame)
            if int.from_bytes(wal[32 + i * frame: 36 + i * frame], "big") == 1]
    db = bytearray((crashed / "p.db").read_bytes())
    db[:page] = wal[ones[-1]: ones[-1] + page]  # the checkpoint wrote page 1, then died
    (crashed / "p.db").write_bytes(bytes(db))
    assert int.from_bytes(db[28:32], "big") * page > len(db)
    with Store(crashed / "p.db", annotator="alice") as s:
        assert s.articles.count() == 51 and s.check() == []


def test_the_database_file_is_read_by_hand_only_while_no_connection_of_this_process_has_it(
        tmp_path, monkeypatch):
    """The header is read by hand to name a file cut short before SQLite meets its missing pages;
    but never while this process holds a connection to it (closing a descriptor would drop that
    connection's locks: FACTS.md), as when a worker opens its own Store beside the app's."""
    import builtins

    path = tmp_path / "p.db"
    make_db(path)
    opened: list[str] = []
    real_open = builtins.open

    def spying(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(path):
            opened.append("by hand")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spying)
    with Store(path, annotator="alice"):
        assert opened == ["by hand"]  # no connection yet: the header was read
        with Store(path, annotator="bob"):  # the first one is open: not touched by hand
            pass
        assert opened == ["by hand"]
    with Store(path, annotator="alice"):  # all closed again: read again
        assert opened == ["by hand", "by hand"]
