"""Every identical mention at once (``*``): one decision on ~10,000 mentions of the big corpus.

Measured on a copy of the library database, so the figures sharing it are not changed.

The form is the one whose mentions come closest to 10,000 in the library database (100,000
articles, 1,000,000 suggestions in a full run). The store's bulk decision (set-wise SQL, its
undo log written with ``json_object`` in the same statements) is timed against the bare SQL
that makes the same span rows without a log (``INSERT ... SELECT`` and ``UPDATE`` in one
transaction, rolled back), and its undo. Then the real app, in a child process, does it from
the reader (relabel one mention, ``*``, ``c``) while a 10 ms timer measures how long its
event loop ever stalled.
"""

from __future__ import annotations

import shutil
import sqlite3
import time

from common import Figure, Row, Target, fmt, median, run_child

from annotations.store import Store
from annotations.store.bulk import BulkDecision, BulkTarget

WANTED = 10_000
LABEL = "MISC"
APP_RUNS = 3  # the app's figures are the median of these runs (the machine is shared)


def _form(path) -> tuple[str, int]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT folded, count(*) FROM suggestions GROUP BY folded").fetchall()
    conn.close()
    return min(rows, key=lambda r: abs(r[1] - WANTED))


def _bare(path, folded: str) -> float:
    """The same spans made by bare SQL (no log, no checks), in a transaction rolled back."""
    conn = sqlite3.connect(path, isolation_level=None)
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE spans SET label=?, status='corrected', updated_at='x' WHERE annotator='bench' "
                 "AND folded=?", (LABEL, folded))
    conn.execute("INSERT INTO spans(article_id, annotator, start, end, label, status, origin, source, "
                 "suggestion_id, folded, created_at, updated_at) SELECT g.article_id, 'bench', g.start, "
                 "g.end, ?, 'corrected', g.origin, g.source, g.id, g.folded, 'x', 'x' FROM suggestions g "
                 "WHERE g.folded=? AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.article_id=g.article_id "
                 "AND p.annotator='bench' AND (p.suggestion_id=g.id OR (p.start=g.start AND p.end=g.end)))",
                 (LABEL, folded))
    seconds = time.perf_counter() - t0
    conn.execute("ROLLBACK")
    conn.close()
    return seconds


def _labelled(store: Store, folded: str) -> int:
    return store.db.conn.execute("SELECT count(*) FROM spans WHERE annotator='bench' AND folded=? AND "
                                 "label=?", (folded, LABEL)).fetchone()[0]


def measure(ctx) -> Figure:
    db = ctx.library_db()
    path = ctx.workdir / "bulk.db"  # a copy: the library database other figures share stays as built
    for stale in ctx.workdir.glob("bulk.db*"):
        stale.unlink()
    shutil.copyfile(db.path, path)
    folded, count = _form(path)
    target, decision = BulkTarget(forms=(folded,)), BulkDecision("label", label=LABEL)
    bare = min(_bare(path, folded) for _ in range(2))
    with Store(path, annotator="bench") as store:
        store.ensure_sound()
        before = _labelled(store, folded)
        t0 = time.perf_counter()
        preview = store.bulk.preview(target, decision)
        preview_s = time.perf_counter() - t0
        progress: list[float] = []
        t0 = time.perf_counter()
        result = store.bulk.decide(target, decision,
                                   progress=lambda d, t: progress.append(time.perf_counter()))
        bulk_s = time.perf_counter() - t0
        assert result.changed == preview.changes, (result.changed, preview.changes)
        t0 = time.perf_counter()
        undone = store.history.undo()
        undo_s = time.perf_counter() - t0
        assert undone is not None and undone.action == "relabel every"
        assert _labelled(store, folded) == before, "the undo left spans relabelled"
        mention = store.db.conn.execute(
            "SELECT g.article_id, g.start FROM suggestions g WHERE g.folded=? AND NOT EXISTS (SELECT 1 FROM "
            "spans p WHERE p.article_id=g.article_id AND p.annotator='bench') ORDER BY g.id LIMIT 1",
            (folded,)).fetchone()
    runs = [run_child("bulk_child.propagate", db=str(path), article_id=mention[0], start=mention[1],
                      label=LABEL) for _ in range(APP_RUNS)]
    for run in runs:
        assert run["status"].startswith("saved:"), run["status"]
    app = {key: median([r[key] for r in runs]) for key in ("seconds", "max_gap_ms", "undo_seconds",
                                                         "undo_max_gap_ms")}
    app.update(ticks=runs[0]["ticks"], progress_messages=runs[0]["progress_messages"],
               status=runs[0]["status"])
    worst = max(max(r["max_gap_ms"], r["undo_max_gap_ms"]) for r in runs)
    rows = [
        Row(f"bulk decision on {result.changed:,} mentions ('{folded}')", bulk_s, bare, "s",
            [Target("value", "<=", 5, "s")], against="bare INSERT … SELECT + UPDATE, no log"),
        Row("its undo (one u)", undo_s, bare, "s", [Target("value", "<=", 5, "s")],
            against="bare INSERT … SELECT + UPDATE, no log"),
        Row("preview (how many, where)", preview_s, None, "s", show_ratio=False),
        Row("in the app: key c to saved", app["seconds"], None, "s", [Target("value", "<=", 10, "s")],
            show_ratio=False),
        Row("in the app: longest event-loop stall meanwhile", app["max_gap_ms"], None, "ms",
            [Target("value", "<=", 100, "ms")], show_ratio=False,
            note=f"{app['ticks']:,} ticks of a 10 ms timer, {app['progress_messages']} progress messages"),
        Row("in the app: its undo (u)", app["undo_seconds"], None, "s", [Target("value", "<=", 10, "s")],
            show_ratio=False),
        Row("in the app: longest event-loop stall during the undo", app["undo_max_gap_ms"], None, "ms",
            [Target("value", "<=", 100, "ms")], show_ratio=False),
    ]
    return Figure(
        "bulk", "Every identical mention at once",
        f"`store.bulk.decide` relabelling every mention of the form closest to {WANTED:,} mentions in the "
        f"library database ({db.articles:,} articles, {db.suggestions:,} suggestions): '{folded}' "
        f"({count:,} suggestions; {result.changed:,} mentions to change in "
        f"{len(result.article_ids):,} articles, "
        f"{len(progress)} progress reports). One transaction, one undo group; undone at once. Then the app "
        f"in a child process: relabel one mention, `*`, `c`, and `u` (status: {app['status'][:80]}…); a "
        "10 ms timer on its event loop measures the longest stall, from the key until 0.5 s after the save.",
        rows, notes=[f"preview: {fmt(preview.changes)} to change, {fmt(preview.already)} so already",
                     f"app rows: median of {APP_RUNS} runs; the longest stall in any run: {fmt(worst)} ms"])
