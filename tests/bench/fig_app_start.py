"""App start to a usable library screen: the big database against 5 articles, and against bare Textual.

Each run is a fresh interpreter (see app_child.py, bare_list_child.py) running
an app headless with ``run_test`` at 120x40, alternating big and small
databases and the bare Textual app.
"""

from __future__ import annotations

import sqlite3
import time

import bare_list_child
from common import Figure, Row, Target, median, run_child, warm_ms

# A start is ~0.15 s, so one busy moment of a shared machine moves a median of five (the
# scaling ratio read 1.96, 1.18 and 0.75 in three runs in a row): twice the usual runs here.
RUNS_PER_SIZE = 2


def measure(ctx) -> Figure:
    import tui.app  # noqa: F401  (fail early, before building databases, if the app is broken)

    big, small = ctx.library_db(), ctx.small_db()
    migrate(big.path, small.path)
    for db in (big, small):  # warm the disk cache: the first start of each is not timed
        run_child("app_child.open_library", db=str(db.path), expected=db.articles)
    page = check_same_first_page(big.path)
    big_runs, small_runs, bare_runs = [], [], []
    for _ in range(RUNS_PER_SIZE * ctx.sizes.runs):
        big_runs += _runs_once(big)
        small_runs += _runs_once(small)
        bare_runs.append(run_child("bare_list_child.open_list", db=str(big.path), wall_start=time.time()))
    assert all(r["rows"] == page for r in bare_runs), "the bare app did not list the first page"
    started = [r for r in big_runs + small_runs if r.get("background")]
    query_big, query_small = _query_ms(big.path), _query_ms(small.path)
    ours_page, bare_page = _first_page_ms(big.path)

    def med(runs, key):
        return median([r[key] for r in runs])

    n_big, n_small = f"{big.articles:,} articles", f"{small.articles} articles"
    bare = "bare Textual app"
    rows = [
        Row(f"`make_app()` → usable library, {n_big} vs {n_small}",
            med(big_runs, "start_s"), med(small_runs, "start_s"), "s",
            [Target("value", "<=", 1.0, "s"), Target("ratio", "<=", 1.5)], kind="scaling", against=n_small),
        Row(f"`make_app()` → usable library, {n_big}, against a bare Textual app listing the same first page",
            med(big_runs, "start_s"), med(bare_runs, "start_s"), "s", against=bare),
        Row("context: process start (interpreter and imports included) → usable",
            med(big_runs, "wall_s"), med(small_runs, "wall_s"), "s", kind="scaling", against=n_small),
        Row("context: process start → usable, against the bare Textual app",
            med(big_runs, "wall_s"), med(bare_runs, "wall_s"), "s", against=bare),
        Row("context: `make_app()` → every id listed and counted (background, after usable)",
            med(big_runs, "all_ids_s"), med(small_runs, "all_ids_s"), "s", kind="scaling", against=n_small),
        Row(f"context: the library's first page ({page} rows: `library.first_ids` + `library.rows`, "
            "in-process, warm)", ours_page, bare_page, "ms", against="bare sqlite3, one query"),
        Row("context: the unfiltered library query alone (`library.matching_ids`, in-process, warm)",
            query_big, query_small, "ms", show_ratio=False, kind="scaling", against=n_small),
        Row("context: importing `tui.app` alone, against importing `textual.app`", med(big_runs, "import_s"),
            med(bare_runs, "import_s"), "s", against="bare Textual"),
    ]
    notes = []
    if started:
        notes.append(f"Background work was running at that moment in {len(started)} run(s): "
                     f"{started[0]['background']!r}.")
    return Figure(
        "app_start", "App start to a usable library",
        f"Library database: {big.describe()}. A fresh interpreter per run imports `tui.app`, calls "
        "`make_app(db, annotator=...)` (pre-annotation left on, as a user starts it; every article is "
        "already marked pre-annotated) and runs it headless with `run_test(size=(120, 40))` until the "
        "library screen is on top, its list holds a screenful of article ids (its first page; every id "
        "and the match count follow in the background, timed separately below) and the first row has "
        f"been rendered. Two comparisons: the same app on a database of {small.articles} articles built "
        "the same way (a scaling ratio: how start-up grows with the corpus), and a bare Textual app on "
        "the big database (an overhead ratio: what Parallax costs over Textual and sqlite3) that reads "
        f"the same first {page} rows with one bare `sqlite3` query (ids, titles, languages, statuses and "
        "span counts; checked equal to the library's) and shows them in an `OptionList`, timed from "
        "`App()` to its first row painted. Each database is opened once untimed first (a warm disk "
        f"cache); then runs alternate big, small and bare; median of {RUNS_PER_SIZE * ctx.sizes.runs} "
        "runs each.",
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


def _query_ms(path) -> float:
    from annotations.store import LibraryFilter, Store

    with Store(path, annotator="bench", readonly=True) as store:
        return warm_ms(lambda: store.library.matching_ids(LibraryFilter()))


def _library_page(store) -> list[tuple]:
    from annotations.store import LibraryFilter

    return [(r.id, r.title, r.lang, r.status, r.accepted, r.rejected, r.suggested)
            for r in store.library.rows(store.library.first_ids(LibraryFilter()))]


def check_same_first_page(path) -> int:
    """The bare query reads exactly the rows the library shows first; how many."""
    from annotations.store import FIRST_PAGE, Store

    assert FIRST_PAGE == bare_list_child.FIRST_PAGE, "the library's first page changed size"
    with Store(path, annotator="bench", readonly=True) as store:
        ours = _library_page(store)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        bare = bare_list_child.first_page(conn, "bench")
    finally:
        conn.close()
    assert ours == bare, "the bare first-page query and the library disagree"
    return len(ours)


def _first_page_ms(path) -> tuple[float, float]:
    """The library's first page in-process (ids, then their rows) against the bare query, warm."""
    from annotations.store import Store

    with Store(path, annotator="bench", readonly=True) as store:
        ours = warm_ms(lambda: _library_page(store))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        bare = warm_ms(lambda: bare_list_child.first_page(conn, "bench"))
    finally:
        conn.close()
    return ours, bare
