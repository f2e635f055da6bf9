"""One decision in the reader: key press to committed and repainted, 1 MB article against 5 KB.

Both articles are English, stored by the Store, with a model suggestion on
every other entity the generator put in (about one per 80 characters). A
fresh interpreter per run opens the app headless, opens the article, selects
the suggestion half-way through (earlier in the short one, so that every
press meets an undecided suggestion) and presses ``a`` (accept, which also
moves to the next entity) again and again (see reader_child.py).
"""

from __future__ import annotations

import shutil

from common import Figure, Row, Target, percentile, run_child
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
            (aid, _), = store.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
            store.add_suggestions(aid, [SpanRecord(s, e, label, origin="model", source="bench")
                                        for s, e, label in art.entities[::2]], pipeline="bench")
            ids[key] = aid
    return str(path), ids


def measure(ctx) -> Figure:
    import tui.screens.reader  # noqa: F401  (skip the figure until the reader exists)

    pristine, ids = _database(ctx)
    presses, runs = ctx.sizes.reader_presses, 1 if ctx.quick else 3
    results: dict[str, list[dict]] = {"big": [], "small": []}
    work = ctx.workdir / "reader_run.db"
    for _ in range(runs):
        for key in ("big", "small"):
            for stale in ctx.workdir.glob("reader_run.db*"):
                stale.unlink()
            shutil.copyfile(pristine, work)  # every run starts with every suggestion undecided
            results[key].append(run_child("reader_child.decide", db=str(work), article_id=ids[key],
                                          presses=presses))
    for key, rs in results.items():
        for r in rs:
            assert r["accepted"] == presses, f"{key}: {r['accepted']} decisions stored for {presses} presses"

    def pooled(key: str, field: str) -> list[float]:
        return [x for r in results[key] for x in r[field]]

    big, small = pooled("big", "latency_ms"), pooled("small", "latency_ms")
    info = {k: results[k][0] for k in results}
    rows = [
        Row("key press → committed and repainted, p50", percentile(big, 50), percentile(small, 50), "ms",
            [Target("ratio", "<=", 2)]),
        Row("key press → committed and repainted, p95", percentile(big, 95), percentile(small, 95), "ms",
            [Target("value", "<=", 50, "ms"), Target("ratio", "<=", 2)]),
        Row("context: the store call alone (inside the above), p50",
            percentile(pooled("big", "commit_ms"), 50), percentile(pooled("small", "commit_ms"), 50), "ms"),
        Row("context: opening the article in the reader (first paint)",
            percentile([r["open_ms"] for r in results["big"]], 50),
            percentile([r["open_ms"] for r in results["small"]], 50), "ms"),
    ]
    return Figure(
        "reader", "One decision in the reader",
        f"An article of {info['big']['length']:,} characters with {info['big']['suggestions']:,} suggestions "
        f"against one of {info['small']['length']:,} characters with {info['small']['suggestions']}. "
        + __doc__.split("\n\n")[1].replace("\n", " ") + " A sample ends "
        "when the reader screen's compositor has finished the first refresh after `Store.accept` "
        f"returned (headless at 120x40: everything but the terminal write). {runs} run(s) × {presses} "
        "presses per article; percentiles over all presses.",
        rows,
    )
