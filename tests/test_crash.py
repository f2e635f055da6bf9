"""A writer killed with SIGKILL at random moments loses nothing it acknowledged.

The writer prints one line after each store call returns; whatever it printed must be in
the database afterwards, and the file must pass integrity_check.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from annotations.store import Store

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent("""
    import sys
    import sqlite_utils  # noqa: F401 (imported before "ready", so the kill lands in Store())
    from annotations.model import ArticleRecord
    from annotations.store import Store

    path, tag_prefix, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    store = Store(path, annotator="writer")
    aid = store.loading.add_article(ArticleRecord(text="x" * 50_000, title="crash"))[0]
    print("open", flush=True)
    i = 0
    while True:
        tag = f"{tag_prefix}-{i}"
        store.tags.tag_article(aid, tag)
        print("tag", tag, flush=True)
        # Offsets unique to this round, so every span is a new decision (and undo takes it back).
        span = store.decisions.create_span(aid, base + i % 5000, base + i % 5000 + 1 + i // 5000, "ORG")
        print("span", span.start, span.end, int(i % 5 == 4), flush=True)
        if i % 5 == 4:
            store.history.undo()  # takes the span back
            print("undo", span.start, span.end, flush=True)
        i += 1
""")


def _run_and_kill(path: Path, round_no: int, delay: float, *, wait_for: str) -> list[list[str]]:
    """Start the writer, wait for its ``wait_for`` line, then kill it ``delay`` seconds later."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"r{round_no}", str(round_no * 5000)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in ("ready", "open"):
            assert proc.stdout.readline().split() == [line], proc.stderr.read()
            if line == wait_for:
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    lines = out.split("\n")
    # The last line may be cut short by the kill; only whole lines count as acknowledged.
    acked = [line.split() for line in lines[:-1]]
    if acked and acked[-1][0] == "span" and acked[-1][3] == "1":
        # The undo that follows may have committed before the kill, unacknowledged: either is right.
        acked[-1][0] = "span-then-undo"
    return acked


def _check_acknowledged(path: Path, acked: list[list[str]]) -> int:
    tags = {a[1] for a in acked if a[0] == "tag"}
    spans: dict[tuple[int, int], bool] = {}
    for a in acked:
        if a[0] in ("span", "undo"):
            spans[(int(a[1]), int(a[2]))] = a[0] == "span"
    with Store(path, annotator="writer") as store:
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored_tags = set(store.tags.of_article(1))
        assert tags <= stored_tags
        stored_spans = {(s.start, s.end) for s in store.view.spans(1)}
        for offsets, present in spans.items():
            assert (offsets in stored_spans) == present, offsets
        return len(tags)


def test_acknowledged_decisions_survive_sigkill(tmp_path):
    path = tmp_path / "crash.db"
    rng = random.Random(20240613)
    acknowledged = 0
    everything: list[list[str]] = []
    for round_no in range(6):
        acked = _run_and_kill(path, round_no, rng.uniform(0.05, 0.5), wait_for="open")
        everything += acked
        acknowledged += _check_acknowledged(path, everything)
    assert acknowledged > 30  # the kills landed while decisions were being made


def test_a_kill_while_the_database_is_being_created_leaves_it_usable(tmp_path):
    rng = random.Random(7)
    for round_no in range(5):
        path = tmp_path / f"new{round_no}.db"
        acked = _run_and_kill(path, 0, rng.uniform(0.0, 0.15), wait_for="ready")
        if path.exists():
            conn = sqlite3.connect(path)
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
        _check_acknowledged(path, [a for a in acked if a[0] not in ("ready", "open")])
