"""App start to a usable library screen, with the big database against 5 articles.

Each run is a fresh interpreter (see app_child.py) running the app headless
with ``run_test`` at 120x40, alternating big and small databases.
"""

from __future__ import annotations

import time

from common import Figure, Row, Target, median, run_child


def measure(ctx) -> Figure:
    import tui.app  # noqa: F401  (skip the figure until the app exists)

    big, small = ctx.library_db(), ctx.small_db()
    migrate(big.path, small.path)
    run_child("app_child.open_library", db=str(small.path), expected=small.articles)  # warm the disk cache
    big_runs, small_runs = [], []
    for _ in range(ctx.sizes.runs):
        big_runs += _runs_once(big)
        small_runs += _runs_once(small)
    started = [r for r in big_runs + small_runs if r.get("background")]
    query_big, query_small = _query_ms(big.path), _query_ms(small.path)
    first_big, first_small = _query_ms(big.path, first=True), _query_ms(small.path, first=True)

    def med(runs, key):
        return median([r[key] for r in runs])

    rows = [
        Row(f"`make_app()` → usable library, {big.articles:,} articles vs {small.articles}",
            med(big_runs, "start_s"), med(small_runs, "start_s"), "s",
            [Target("value", "<=", 1.0, "s"), Target("ratio", "<=", 1.5)]),
        Row("context: process start (interpreter and imports included) → usable",
            med(big_runs, "wall_s"), med(small_runs, "wall_s"), "s"),
        Row("context: `make_app()` → every id listed and counted (background, after usable)",
            med(big_runs, "all_ids_s"), med(small_runs, "all_ids_s"), "s"),
        Row("context: the first page of the unfiltered library query (`library.first_ids`, in-process, warm)",
            first_big, first_small, "ms", show_ratio=False),
        Row("context: the unfiltered library query alone (`library.matching_ids`, in-process, warm)",
            query_big, query_small, "ms", show_ratio=False),
        Row("context: importing `tui.app` alone", med(big_runs, "import_s"), med(small_runs, "import_s"),
            "s"),
    ]
    notes = []
    if started:
        notes.append(f"Background work was running at that moment in {len(started)} run(s): "
                     f"{started[0]['background']!r}.")
    return Figure(
        "app_start", "App start to a usable library",
        f"Library database: {big.describe()}. Comparison: the same builder with {small.articles} articles. "
        "A fresh interpreter per run imports `tui.app`, calls `make_app(db, annotator=...)` (pre-annotation "
        "left on, as a user starts it; every article is already marked pre-annotated) and runs it headless "
        "with `run_test(size=(120, 40))` until the library screen is on top, its list holds a screenful of "
        "article ids (its first page; every id and the match count follow in the background, timed "
        "separately below) and the first row has been rendered. Alternating big and small; median of "
        f"{ctx.sizes.runs} runs each.",
        rows, notes,
    )


def _runs_once(db) -> list[dict]:
    return [run_child("app_child.open_library", db=str(db.path), expected=db.articles,
                      wall_start=time.time())]


def migrate(*paths) -> None:
    """Open each database once, untimed, so a migration the code brings is not timed as a start."""
    from annotations.store import Store

    for path in paths:
        Store(path, annotator="bench").close()


def _query_ms(path, *, first: bool = False) -> float:
    from annotations.store import Store
    from annotations.store.library import LibraryFilter, first_ids, matching_ids

    query = first_ids if first else matching_ids
    with Store(path, annotator="bench", readonly=True) as store:
        query(store, LibraryFilter())
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            query(store, LibraryFilter())
            samples.append((time.perf_counter() - t0) * 1000)
    return median(samples)
