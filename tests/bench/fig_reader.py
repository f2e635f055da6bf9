"""One decision in the reader: key press to committed and repainted, 1 MB against 5 KB and bare Textual.

Both articles are English, stored by the Store, with a model suggestion on
every other entity the generator put in (about one per 80 characters). A
fresh interpreter per run opens the app headless, opens the article, selects
the suggestion half-way through (earlier in the short one, so that every
press meets an undecided suggestion) and presses ``a`` (accept, which also
moves to the next entity) again and again (see reader_child.py).
"""

from __future__ import annotations

import shutil
import sqlite3

import bare_reader_child
from common import Figure, Row, Target, fmt, median, percentile, run_child, warm_ms
from corpus import CorpusGenerator

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store

SIZES = {"big": 1_000_000, "small": 5_000}


def _database(ctx) -> tuple[str, dict[str, int]]:
    path = ctx.workdir / "reader.db"
    for stale in ctx.workdir.glob("reader.db*"):
        stale.unlink()
    gen = CorpusGenerator(41)
    ids = {}
    with Store(path, annotator="bench") as store:
        for key, size in SIZES.items():
            art = gen.article(size, "en")
            (aid, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
            store.loading.add_suggestions(aid, [SpanRecord(s, e, label, origin="model", source="bench")
                                        for s, e, label in art.entities[::2]], pipeline="bench")
            ids[key] = aid
    return str(path), ids


def measure(ctx) -> Figure:
    import tui.screens.reader  # noqa: F401  (fail early, before building databases, if the reader is broken)

    pristine, ids = _database(ctx)
    spans_ms = check_and_time_span_reads(pristine, ids["big"])
    presses, runs = ctx.sizes.reader_presses, 1 if ctx.quick else 3
    results: dict[str, list[dict]] = {"big": [], "small": [], "bare": []}
    work = ctx.workdir / "reader_run.db"
    for _ in range(runs):
        for key, task in (("big", "reader_child.decide"), ("small", "reader_child.decide"),
                          ("bare", "bare_reader_child.decide")):
            for stale in ctx.workdir.glob("reader_run.db*"):
                stale.unlink()
            shutil.copyfile(pristine, work)  # every run starts with every suggestion undecided
            article = ids["small" if key == "small" else "big"]
            results[key].append(run_child(task, db=str(work), article_id=article, presses=presses))
    for key, rs in results.items():
        for r in rs:
            assert r["accepted"] == presses, f"{key}: {r['accepted']} decisions stored for {presses} presses"

    def pooled(key: str, field: str) -> list[float]:
        return [x for r in results[key] for x in r[field]]

    def opened(key: str) -> float:
        return percentile([r["open_ms"] for r in results[key]], 50)

    big, small, bare = (pooled(k, "latency_ms") for k in ("big", "small", "bare"))
    gc_big = [ms for ms, full in zip(big, pooled("big", "full_gc"), strict=True) if full]
    info = {k: results[k][0] for k in results}
    n_small = f"{info['small']['length']:,}-character article"
    n_big = "1 MB article"
    bare_app = "bare Textual Line-API app"
    rows = [
        Row("key press → committed and repainted, p50, 1 MB article vs 5 KB", percentile(big, 50),
            percentile(small, 50), "ms", [Target("ratio", "<=", 2)], kind="scaling", against=n_small),
        Row("key press → committed and repainted, p95, 1 MB article vs 5 KB", percentile(big, 95),
            percentile(small, 95), "ms", [Target("value", "<=", 50, "ms"), Target("ratio", "<=", 2)],
            kind="scaling", against=n_small),
        Row(f"key press → committed and repainted, p50, {n_big}, against a bare Textual app",
            percentile(big, 50), percentile(bare, 50), "ms", against=bare_app),
        Row(f"key press → committed and repainted, p95, {n_big}, against a bare Textual app",
            percentile(big, 95), percentile(bare, 95), "ms", against=bare_app),
        Row("context: the decision's write alone (`store.decisions.accept`, inside the above), p50, "
            "against a bare "
            "insert + commit", percentile(pooled("big", "commit_ms"), 50),
            percentile(pooled("bare", "commit_ms"), 50), "ms", against="bare sqlite3"),
        Row("context: opening the article in the reader (first paint), 1 MB vs 5 KB", opened("big"),
            opened("small"), "ms", kind="scaling", against=n_small),
        Row(f"context: opening the {n_big} (first paint), against a bare Textual app", opened("big"),
            opened("bare"), "ms", against=bare_app),
        Row(f"context: reading the {n_big}'s spans (`store.view.spans`, in-process, warm)", *spans_ms, "ms",
            against="bare sqlite3, one query"),
        Row(f"context: slowest press, {n_big}", max(big), max(bare), "ms", against=bare_app),
        Row(f"context: presses during which Python ran a full garbage collection, {n_big}", len(gc_big),
            None, f"of {len(big)}", show_ratio=False,
            note=f"median {fmt(median(gc_big))} ms" if gc_big else ""),
    ]
    notes = []
    slower = sum(1 for ms in big if ms > percentile(big, 95))
    if gc_big and len(gc_big) >= slower:
        notes.append(f"The p95 on the 1 MB article lies below the {len(gc_big)} presses (of {len(big)}) that "
                     f"waited for a full garbage collection (median {fmt(median(gc_big))} ms): "
                     f"{slower} press(es) are slower than it, so a little more garbage per press, and "
                     "one more such press, would move the p95 to about that figure.")
    return Figure(
        "reader", "One decision in the reader",
        f"An article of {info['big']['length']:,} characters with {info['big']['suggestions']:,} suggestions "
        f"against one of {info['small']['length']:,} characters with {info['small']['suggestions']}. "
        + __doc__.split("\n\n")[1].replace("\n", " ").strip() + " A sample ends "
        "when the reader screen's compositor has finished the first refresh after `store.decisions.accept` "
        f"returned (headless at 120x40: everything but the terminal write). {runs} run(s) × {presses} "
        "presses per article; percentiles over all presses. Two comparisons: the 5 KB article (a scaling "
        "ratio: how a decision's cost grows with the article; the targets are on it) and, on the 1 MB "
        "article, a bare Textual app (an overhead ratio) that reads the article and its spans with one "
        "bare `sqlite3` query each, wraps the text at its width, paints it from a Line-API `ScrollView` "
        "(`render_line` → `Strip`, spans styled, the selected one reversed) and on `a` writes the "
        "decision with a bare `BEGIN IMMEDIATE; INSERT; COMMIT` (WAL, synchronous=FULL), selects the "
        "next suggestion and refreshes those two lines, timed the same way. The span read compares "
        "`store.view.spans(article)` with the bare query of the same rows (checked equal), median of 5 warm "
        "reads each. With the 1 MB article loaded, Python's full (generation 2) garbage collections walk "
        "a large heap; a press during which one runs is counted below, as the slowest presses are "
        "those.",
        rows, notes,
    )


def check_and_time_span_reads(path: str, article_id: int) -> tuple[float, float]:
    """``store.view.spans`` and the bare query read the same rows; their warm median times in ms."""
    with Store(path, annotator="bench", readonly=True) as store:
        ours = sorted((s.start, s.end, s.label, s.status) for s in store.view.spans(article_id))
        ours_ms = warm_ms(lambda: store.view.spans(article_id))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        bare = sorted(r[:4] for r in bare_reader_child.read_spans(conn, article_id, "bench"))
        bare_ms = warm_ms(lambda: bare_reader_child.read_spans(conn, article_id, "bench"))
    finally:
        conn.close()
    assert ours == bare, "store.view.spans and the bare span query disagree"
    return ours_ms, bare_ms
