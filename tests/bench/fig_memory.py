"""Peak memory with the library open: the big database against 5 articles, and against bare Textual.

Measured as the peak resident set (``VmHWM``) of a fresh interpreter that
opens the app headless (app_child.py), once when the library is usable and
again after a search and a jump to the last row. The difference between big
and small is what the corpus costs; the interpreter, Textual and the app cost
the same in both. A bare Textual app listing the same first page
(bare_list_child.py) gives what the app itself costs.
"""

from __future__ import annotations

from common import Figure, Row, Target, median, run_child
from fig_app_start import migrate

SEARCH = "Hammouchi"


def measure(ctx) -> Figure:
    import tui.app  # noqa: F401  (fail early, before building databases, if the app is broken)

    big, small = ctx.library_db(), ctx.small_db()
    migrate(big.path, small.path)
    runs = {"big": [], "small": [], "bare": []}
    n_runs = 2 if ctx.quick else ctx.sizes.runs
    for _ in range(n_runs):
        for key, db in (("big", big), ("small", small)):
            runs[key].append(run_child("app_child.open_library", db=str(db.path), expected=db.articles,
                                       search=SEARCH))
        runs["bare"].append(run_child("bare_list_child.open_list", db=str(big.path)))

    def med(key, field):
        return median([r[field] for r in runs[key]])

    usable_big, usable_small = med("big", "rss_usable_mb"), med("small", "rss_usable_mb")
    after_big, after_small = med("big", "rss_after_search_mb"), med("small", "rss_after_search_mb")
    hits = runs["big"][0]["search_hits"]
    limit = [Target("difference", "<=", 150, "MB")]
    n_small = f"{small.articles} articles"
    rows = [
        Row(f"peak RSS, library usable: {big.articles:,} articles vs {small.articles}", usable_big,
            usable_small, "MB", limit, note=f"difference {round(usable_big - usable_small):+d} MB",
            show_ratio=False, kind="scaling", against=n_small),
        Row(f"peak RSS after searching {SEARCH!r} ({hits:,} hits) and jumping to the last row",
            after_big, after_small, "MB", limit, note=f"difference {round(after_big - after_small):+d} MB",
            show_ratio=False, kind="scaling", against=n_small),
        Row(f"peak RSS, library usable, {big.articles:,} articles, against a bare Textual app listing the "
            "same first page", usable_big, med("bare", "rss_usable_mb"), "MB", against="bare Textual app"),
    ]
    return Figure(
        "memory", "Peak memory with the library open",
        f"Library database: {big.describe()}. Peak resident set size (`VmHWM` in /proc; `ru_maxrss` would "
        "carry the benchmark runner's own peak into the child through fork and exec) of a fresh interpreter "
        "running the app headless (120x40) until the library is usable, then after typing a search and "
        "jumping to the last row once every background worker (the app warms spaCy's tokenizers) has "
        f"finished. Two comparisons: the same app on the {small.articles}-article database (the target is "
        "on this scaling difference, big − small: what the corpus costs, since the interpreter, Textual "
        "and the app cost the same in both), and, for the usable library, the bare Textual app of the "
        "app-start figure on the big database (one bare `sqlite3` query for the first page, an "
        f"`OptionList`): an overhead ratio. Median of {n_runs} runs each.",
        rows,
    )
