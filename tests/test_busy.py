"""A busy database: writes that wait only as long as they are allowed to, long writers that say
who they are and hold the lock in short slices."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from store_helpers import LockHolder, make_db

from annotations import importer
from annotations.store import Store, StoreBusy, StoreError, slices
from annotations.store.loading import Loading

LOCK_WAIT = 0.05
HELD_AT_MOST = 200 * LOCK_WAIT  # 10 s: far longer than the write may wait, a third of the 30 s default


def test_a_short_lock_wait_gives_up_quickly_with_nothing_written(db_path):
    """A write allowed to wait LOCK_WAIT gives up on its own while another process still holds
    the lock. The holder lets go by itself after HELD_AT_MOST: a write that waited for the
    connection's 30 s busy timeout instead would then go through and raise nothing, so the
    outcome shows how long it waited, with no clock in the test."""
    make_db(db_path)
    with Store(db_path, annotator="bob", lock_wait=LOCK_WAIT) as bob, \
            LockHolder(db_path, at_most=HELD_AT_MOST) as holder:
        before = bob.query("SELECT count(*) AS n FROM events")
        with pytest.raises(StoreBusy) as info:
            bob.tags.tag_article(1, "x")
        assert holder.holds_the_lock()  # it gave up while the lock was still taken
        assert info.value.waited == LOCK_WAIT
        assert str(info.value).startswith(f"{db_path}:") and "locked by another process" in str(info.value)
        assert not bob.db.conn.in_transaction
        assert bob.query("SELECT count(*) AS n FROM events") == before
        bob.view.spans(1)  # reads go on while another process writes
        holder.release()
        bob.tags.tag_article(1, "x")  # and the same write goes through once the lock is free
        assert bob.tags.of_article(1) == ["x"]


def test_a_write_waits_for_a_short_lock_and_then_goes_through(db_path):
    make_db(db_path)
    with Store(db_path, annotator="bob", lock_wait=30) as bob:
        holder = LockHolder(db_path)
        timer = threading.Timer(0.3, holder.release)
        timer.start()
        bob.tags.tag_article(1, "after")  # waits for the holder to let go
        timer.join()
        assert holder.proc.returncode == 0
        assert bob.tags.of_article(1) == ["after"]


def test_busy_is_a_store_error_so_old_handlers_still_catch_it():
    assert issubclass(StoreBusy, StoreError)


ANNOUNCER = textwrap.dedent("""
    import sys
    from annotations.store import Store
    store = Store(sys.argv[1], annotator="importer")
    with store.presence.announce("import"):
        print("announced", flush=True)
        sys.stdin.read()
""")


def test_a_long_writer_is_named_while_it_runs_and_forgotten_when_killed(db_path):
    make_db(db_path)
    proc = subprocess.Popen([sys.executable, "-c", ANNOUNCER, str(db_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "announced"
        with Store(db_path, annotator="alice") as alice:
            assert alice.presence.long_writers() == [f"import (pid {proc.pid})"]
            os.kill(proc.pid, signal.SIGKILL)  # no chance to say it stopped
            proc.wait(timeout=30)
            assert alice.presence.long_writers() == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_an_import_says_it_is_importing_and_stops_saying_so(db_path, tmp_path, monkeypatch):
    make_db(db_path)
    seen = []
    (tmp_path / "a.txt").write_text("An article about Rabat.\n", encoding="utf-8")
    with Store(db_path, annotator="alice") as store, Store(db_path, annotator="bob") as other:
        report = importer.import_paths(store, [tmp_path / "a.txt"],
                                       on_progress=lambda report: seen.append(other.presence.long_writers()))
        assert report.imported == 1
        assert seen and all(w == [f"import (pid {os.getpid()})"] for w in seen)
        assert other.presence.long_writers() == []


def test_import_batches_are_sized_to_hold_the_lock_for_a_short_slice(db_path, tmp_path, monkeypatch):
    """Each batch is one transaction; after the first, its size follows the measured speed so that
    a batch takes about SLICE_S. Checked on the batch sizes, with a clock of the test's own (every
    reading one second later): the first batch measures 100,000 characters a second, so a 1 ms
    slice is 100 characters, which the smallest batch (10,000) rounds up to one article."""
    ticks = iter(range(10_000))
    monkeypatch.setattr(slices, "CLOCK", lambda: float(next(ticks)))
    make_db(db_path)
    for i in range(60):
        (tmp_path / f"{i:03}.txt").write_text(f"Article {i}. " + "Rabat and Paris. " * 2000, encoding="utf-8")
    sizes = []
    real_add = Loading.add_articles

    def counting(self, records, **kw):
        records = list(records)
        sizes.append(sum(len(r.text) for r in records))
        return real_add(self, records, **kw)

    monkeypatch.setattr(Loading, "add_articles", counting)
    monkeypatch.setattr(importer, "FIRST_SLICE_CHARS", 100_000)
    monkeypatch.setattr(slices, "SLICE_S", 0.001)
    with Store(db_path, annotator="alice") as store:
        report = importer.import_paths(store, [tmp_path])
    assert report.imported == 60
    assert sizes[0] >= 100_000 > 34_000  # the first batch: several articles of ~34,000 characters
    assert max(sizes[1:]) < 2 * 34_020, sizes  # then one article a batch: a 1 ms slice is tiny
