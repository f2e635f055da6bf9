"""A decision's commit alone: ``store.decisions.accept`` against a bare sqlite3 insert + commit.

Both write to a WAL database on the same disk with ``synchronous=FULL`` (what
the store uses, so an acknowledged decision survives a power cut); NORMAL is
reported for context. Rounds alternate between the two so that disk noise
hits both alike.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from common import Figure, Row, Target, percentile
from corpus import CorpusGenerator

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store

STAMP = "2024-06-13T09:00:00.000+00:00"


def _store_with_suggestions(path: Path, n: int) -> tuple[Store, list[int]]:
    """A store holding articles with ``n`` model suggestions in all, ready to be accepted."""
    store = Store(path, annotator="bench")
    gen = CorpusGenerator(11)
    ids: list[int] = []
    while len(ids) < n:
        art = gen.article(20_000, "en")
        (aid, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
        store.loading.add_suggestions(aid, [SpanRecord(s, e, lab, origin="model", source="bench")
                                    for s, e, lab in art.entities])
        ids += [r[0] for r in store.db.conn.execute(
            "SELECT id FROM suggestions WHERE article_id=? ORDER BY id", (aid,)).fetchall()]
    return store, ids[:n]


def _bare(path: Path, synchronous: str) -> sqlite3.Connection:
    Store(path, annotator="bench").close()  # the same table definitions
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("INSERT INTO articles(hash, title, text, lang, meta, length, created_at) "
                 "VALUES ('h', 't', 'x', 'en', '{}', 1, ?)", (STAMP,))
    return conn


def _bare_insert(conn: sqlite3.Connection, i: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO spans(article_id, annotator, start, end, label, status, origin, "
                 "created_at, updated_at) VALUES (1, 'bench', ?, ?, 'ORG', 'accepted', 'human', ?, ?)",
                 (i, i + 1, STAMP, STAMP))
    conn.execute("COMMIT")


def measure(ctx) -> Figure:
    workdir = ctx.workdir
    n = 1000 if ctx.quick else 3000  # quick: p99 is still the 10th slowest, not one hiccup
    rounds = ctx.sizes.runs
    for stale in workdir.glob("commit_*.db*"):  # a reused --workdir holds the last run's decisions
        stale.unlink()
    store, sugg_ids = _store_with_suggestions(workdir / "commit_store.db", n)
    normal_store, normal_ids = _store_with_suggestions(workdir / "commit_store_normal.db", n // 2)
    normal_store.db.conn.execute("PRAGMA synchronous = NORMAL")
    bare_full = _bare(workdir / "commit_bare_full.db", "FULL")
    bare_normal = _bare(workdir / "commit_bare_normal.db", "NORMAL")
    samples: dict[str, list[float]] = {"store": [], "store_normal": [], "full": [], "normal": []}
    per_round, per_round_normal = n // rounds, (n // 2) // rounds
    for r in range(rounds):
        for i in range(per_round):
            key = ("suggestion", sugg_ids[r * per_round + i])
            t0 = time.perf_counter_ns()
            store.decisions.accept(key)
            samples["store"].append((time.perf_counter_ns() - t0) / 1e6)
            t0 = time.perf_counter_ns()
            _bare_insert(bare_full, r * per_round + i)
            samples["full"].append((time.perf_counter_ns() - t0) / 1e6)
        for i in range(per_round_normal):
            t0 = time.perf_counter_ns()
            normal_store.decisions.accept(("suggestion", normal_ids[r * per_round_normal + i]))
            samples["store_normal"].append((time.perf_counter_ns() - t0) / 1e6)
            t0 = time.perf_counter_ns()
            _bare_insert(bare_normal, r * per_round_normal + i)
            samples["normal"].append((time.perf_counter_ns() - t0) / 1e6)
    committed = store.db.conn.execute("SELECT count(*) FROM spans WHERE annotator='bench'").fetchone()[0]
    for conn in (store.db.conn, normal_store.db.conn, bare_full, bare_normal):
        conn.close()
    assert committed == rounds * per_round, "every accept should have left a span row"
    ratio = [Target("ratio", "<=", 3)]
    rows = []
    for p in (50, 99):
        rows.append(Row(f"accept a suggestion, p{p} (synchronous=FULL)", percentile(samples["store"], p),
                        percentile(samples["full"], p), "ms", ratio, against="bare insert + commit"))
    for p in (50, 99):
        rows.append(Row(f"context: same with synchronous=NORMAL, p{p}",
                        percentile(samples["store_normal"], p), percentile(samples["normal"], p), "ms",
                        against="bare insert + commit"))
    return Figure(
        "commit", "A decision's commit alone",
        f"`store.decisions.accept((\"suggestion\", id))` on {len(samples['store']):,} distinct suggestions, "
        "each its "
        "own transaction (BEGIN IMMEDIATE … COMMIT: the span row, the article's status on the first "
        "decision, the undo log), against a bare sqlite3 `BEGIN IMMEDIATE; INSERT INTO spans …; COMMIT` "
        "into the same table definitions, WAL mode, same synchronous setting. "
        f"{rounds} alternating rounds; percentiles over all samples. The Store is forced back to NORMAL "
        "only for the context rows.",
        rows,
    )
