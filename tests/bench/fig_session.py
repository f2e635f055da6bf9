"""Memory over a long session: 1,000 decisions over 20 articles, resident set against the start.

A fresh interpreter opens the app headless on a database of 20 English
articles of about 6 KB, each with a model suggestion on every entity the
generator put in, and makes decisions with the keys over all of them (see
session_child.py). What the session keeps is the resident set after N
decisions against the resident set when the library was first usable; a bare
Textual app listing the same library (bare_list_child.py) gives the floor.
"""

from __future__ import annotations

import shutil

from common import Figure, Row, Target, median, run_child
from corpus import CorpusGenerator

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store

ARTICLES, SIZE_BYTES = 20, 6_000


def _database(ctx) -> tuple[str, list[int]]:
    path = ctx.workdir / "session.db"
    for stale in ctx.workdir.glob("session.db*"):
        stale.unlink()
    gen = CorpusGenerator(43)
    ids = []
    with Store(path, annotator="bench") as store:
        for _ in range(ARTICLES):
            art = gen.article(SIZE_BYTES, "en")
            (aid, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
            store.loading.add_suggestions(aid, [SpanRecord(s, e, label, origin="model", source="bench")
                                                for s, e, label in art.entities], pipeline="bench")
            ids.append(aid)
    return str(path), ids


def measure(ctx) -> Figure:
    import tui.screens.reader  # noqa: F401  (fail early, before building databases, if the reader is broken)

    pristine, ids = _database(ctx)
    decisions = 300 if ctx.quick else 1_000
    early, mid = 100, (300 if ctx.quick else 1_000) // 2
    runs = 1 if ctx.quick else 3
    work = ctx.workdir / "session_run.db"
    results, bare = [], []
    for _ in range(runs):
        for stale in ctx.workdir.glob("session_run.db*"):
            stale.unlink()
        shutil.copyfile(pristine, work)  # every run starts with every suggestion undecided
        results.append(run_child("session_child.session", db=str(work), article_ids=ids,
                                 decisions=decisions, checkpoints=[early, mid, decisions]))
        bare.append(run_child("bare_list_child.open_list", db=str(work)))
    for r in results:
        assert r["decisions"] == decisions and r["articles"] == ARTICLES, r
        logged = decisions - r["undos"]  # an undo marks an event undone, logging none
        assert r["events"] >= logged, f"{r['events']} events logged for {logged} decisions"

    def rss(point: str) -> float:
        return median([r["rss_mb"][point] for r in results])

    def widgets(point: str) -> float:
        return median([r["widgets"][point] for r in results])

    start, first = rss("start"), rss("first article")
    after_early, after_mid, after = rss(str(early)), rss(str(mid)), rss(str(decisions))
    bare_rss = median([b["rss_now_mb"] for b in bare])
    n_start = "the library usable, before any article"
    rows = [
        Row(f"RSS after {early} decisions vs at start", after_early, start, "MB", kind="scaling",
            against=n_start),
        Row(f"RSS after {decisions:,} decisions over {ARTICLES} articles vs at start", after, start, "MB",
            [Target("ratio", "<=", 1.3)], kind="scaling", against=n_start),
        Row(f"RSS after {decisions:,} decisions vs after {early}", after, after_early, "MB",
            show_ratio=False, note=f"difference {after - after_early:+.1f} MB", kind="scaling",
            against=f"after {early} decisions"),
        Row(f"RSS after {decisions:,} decisions vs after {mid}: still growing?", after, after_mid, "MB",
            [Target("difference", "<=", 3, "MB")], show_ratio=False,
            note=f"difference {after - after_mid:+.1f} MB", kind="scaling", against=f"after {mid} decisions"),
        Row(f"RSS after {decisions:,} decisions, against a bare Textual app listing the same library",
            after, bare_rss, "MB", against="bare Textual app"),
        Row("context: RSS with the first article open vs at start", first, start, "MB", kind="scaling",
            against=n_start),
        Row(f"context: widgets alive after {decisions:,} decisions vs after {early}",
            widgets(str(decisions)), widgets(str(early)), "widgets", show_ratio=False, kind="scaling",
            against=f"after {early} decisions"),
    ]
    return Figure(
        "session", "Memory over a long session",
        __doc__.split("\n\n")[1].replace("\n", " ").strip() + " "
        + " ".join(_child_doc()) + f" Read after {early}, {mid} and {decisions:,} decisions, {runs} run(s), "
        "median; headless at 120x40. The bare Textual app is the memory figure's (one bare `sqlite3` "
        "query, an `OptionList`), its resident set once painted.",
        rows,
    )


def _child_doc() -> list[str]:
    import session_child

    return [session_child.__doc__.split("\n\n")[1].replace("\n", " ").strip()]
