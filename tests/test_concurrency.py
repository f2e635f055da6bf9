"""Four processes, each with its own Store, writing decisions to one file at the same time:
no lost write, no "database is locked" escaping, every event logged, a sound file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
import traceback

import pytest

from annotations.model import ArticleRecord
from annotations.store import Store

pytestmark = pytest.mark.slow

WORKERS = 4
DECISIONS = 40
TEXT = "Alice Martin met Bob Stone in Paris. " * 20


def _worker(path: str, n: int, barrier, results) -> None:
    """One annotator: spans, tags and undo/redo pairs, as fast as it can."""
    try:
        store = Store(path, annotator=f"w{n}")
        aid = store.loading.add_article(ArticleRecord(text=TEXT, title="shared"))[0]
        barrier.wait(timeout=60)
        for i in range(DECISIONS):
            store.decisions.create_span(aid, i, i + 1 + n, "ORG")
            store.tags.tag_article(aid, f"w{n}-{i}")
            if i % 10 == 9:
                store.history.undo()  # the tag
                store.history.redo()
        store.close()
        results.put((n, "ok"))
    except BaseException:
        results.put((n, traceback.format_exc()))


def _run(path, target=_worker) -> dict[int, str]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=target, args=(str(path), n, barrier, results)) for n in range(WORKERS)]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return outcome


def test_four_processes_writing_decisions_lose_nothing(db_path):
    with Store(db_path, annotator="setup") as s:
        s.loading.add_article(ArticleRecord(text=TEXT, title="shared"))
    outcome = _run(db_path)
    assert outcome == {n: "ok" for n in range(WORKERS)}  # no error escaped, "locked" included
    with Store(db_path, annotator="check") as s:
        conn = s.db.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for n in range(WORKERS):
            spans = s.view.spans(1, f"w{n}")
            assert [(x.start, x.end) for x in spans] == sorted((i, i + 1 + n) for i in range(DECISIONS))
            assert sorted(s.tags.of_article(1, f"w{n}")) == sorted(f"w{n}-{i}" for i in range(DECISIONS))
            events = s.query("SELECT action, state, count(*) AS n FROM events WHERE annotator=? "
                             "GROUP BY action, state ORDER BY action", (f"w{n}",))
            assert events == [{"action": "create", "state": "done", "n": DECISIONS},
                              {"action": "start", "state": "done", "n": 1},
                              {"action": "tag_article", "state": "done", "n": DECISIONS}]
        # Group numbers were handed out under the write lock: never one shared by two annotators.
        assert s.query("SELECT grp FROM events GROUP BY grp HAVING count(DISTINCT annotator) > 1") == []
        assert s.query("SELECT count(DISTINCT grp) AS n FROM events")[0]["n"] == WORKERS * (2 * DECISIONS)


def _creator(path: str, n: int, barrier, results) -> None:
    """Open a file that does not exist yet, all at the same moment, and make one decision."""
    try:
        barrier.wait(timeout=60)
        with Store(path, annotator=f"w{n}") as store:
            aid = store.loading.add_article(ArticleRecord(text=TEXT, title="shared"))[0]
            store.decisions.create_span(aid, n, n + 5, "PERSON")
        results.put((n, "ok"))
    except BaseException:
        results.put((n, traceback.format_exc()))


def test_four_processes_creating_one_new_file_at_once(tmp_path):
    path = tmp_path / "new.db"
    assert _run(path, _creator) == {n: "ok" for n in range(WORKERS)}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 8  # set once, not per process
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert conn.execute("SELECT count(DISTINCT annotator) FROM spans").fetchone()[0] == WORKERS
    conn.close()


def test_opening_waits_for_a_writer_holding_a_file_not_yet_in_wal_mode(tmp_path):
    """Switching a file to WAL mode needs an exclusive lock, and SQLite refuses it at once, without
    waiting the busy timeout, while another process writes in the old journal mode (what the four
    creators above met in 2 runs of 25). The open waits for that writer instead of failing."""
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # the write lock of an empty file, in rollback mode
    releaser = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    releaser.start()
    started = time.monotonic()
    try:
        with Store(path, annotator="alice", timeout=5) as store:
            waited = time.monotonic() - started
            assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        releaser.join()
        holder.close()
    assert 0.3 < waited < 5


def test_a_file_created_by_another_process_while_it_is_checked_is_opened(tmp_path, monkeypatch):
    """The open reads the file's version and whether it has tables before deciding it is a new file,
    one of ours, or another program's. Another process (here a thread with its own connection)
    creating the database in the middle of those reads made a new file look foreign: version 0
    read before its commit, tables after (CI's run of the four creators above). Here the other
    creation is run just as the open starts reading the tables."""
    from annotations.store import db as db_module

    path = tmp_path / "new.db"
    created: list[str] = []
    check = db_module._check

    def check_with_another_creator(db, *args):
        def trace(sql: str) -> None:
            if not created and "sqlite_master" in sql:
                created.append(sql)
                other = threading.Thread(target=lambda: Store(path, annotator="other").close())
                other.start()
                other.join()
        db.conn.set_trace_callback(trace)
        try:
            return check(db, *args)
        finally:
            db.conn.set_trace_callback(None)

    monkeypatch.setattr(db_module, "_check", check_with_another_creator)
    with Store(path, annotator="me") as store:
        assert store.db.conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 8
    assert created  # the other creation ran inside the open's check
