"""Search in the library: what the library waits for when the annotator types.

One search = ``library.first_ids`` (FTS5 plus filters, the first page of
matching ids in library order: what the app's query worker posts first) and
``library.rows`` for the first screenful (40 rows), on a read-only Store opened
per search like the worker's: what the annotator waits for before the results
show. Every matching id (``library.matching_ids``, which gives the match count
and lets the list scroll to its end) follows in the background; its time is
reported as context. The queries mix names, common words, French with and
without accents, Arabic, two-word searches, every prefix typed on the way to a
name, a search with no hits, and searches combined with the language, status
and label filters. For context, the bare FTS5 ``MATCH`` on the same query
strings (ids only, no order, no filters).
"""

from __future__ import annotations

import sqlite3
import time

from common import Figure, Row, Target, percentile

PAGE = 40
BARE = "bare FTS5 MATCH, ids only"  # context, not the same work: no ratio is shown
WORDS = ["Hammouchi", "Wray", "Mouatadid", "Dubois", "security", "the", "sécurité", "securite",
         "coopération", "الرباط", "الحموشي", "المغرب", "Christopher Wray", "Banque mondiale",
         "zzzzqx", *["Hammouchi"[:i] for i in range(1, 9)], *["Interpol"[:i] for i in range(1, 8)]]
FILTERED = [("Hammouchi", {"lang": "fr"}), ("Wray", {"status": "done"}), ("Rabat", {"label": "ORG"}),
            ("", {"status": "in_progress"}), ("", {"lang": "ar"}), ("", {"label": "PERSON"})]


def _cases():
    from annotations.store import LibraryFilter

    return [LibraryFilter(search=w) for w in WORDS] + [LibraryFilter(search=w, **f) for w, f in FILTERED]


def measure(ctx) -> Figure:
    from fig_app_start import migrate

    from annotations.store import FIRST_PAGE, Store, fts_query

    big = ctx.library_db()
    migrate(big.path)
    cases = _cases()
    n = max(ctx.sizes.search_queries, len(cases))
    samples, counted, bare, hits = [], [], [], {}
    with Store(big.path, annotator="bench", readonly=True) as store:
        for flt in cases:  # one untimed pass: the page cache holds the index like in a running app
            ids = store.library.first_ids(flt, FIRST_PAGE)
            store.library.rows(ids[:PAGE])
            every = store.library.matching_ids(flt)
            assert ids == every[:FIRST_PAGE], f"first page of {flt} differs from the full result"
            hits[flt] = len(every)
    for i in range(n):
        flt = cases[i % len(cases)]
        t0 = time.perf_counter()
        with Store(big.path, annotator="bench", readonly=True) as store:  # as the worker does, per query
            ids = store.library.first_ids(flt, FIRST_PAGE)
            page = store.library.rows(ids[:PAGE])
            samples.append((time.perf_counter() - t0) * 1000)
            assert len(page) == min(PAGE, hits[flt]), (flt, len(page))
            t0 = time.perf_counter()
            assert len(store.library.matching_ids(flt)) == hits[flt]
            counted.append((time.perf_counter() - t0) * 1000)
    conn = sqlite3.connect(f"file:{big.path}?mode=ro", uri=True)
    plain = [q for q in (fts_query(w) for w in WORDS) if q]
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (plain[i % len(plain)],)
                     ).fetchall()
        bare.append((time.perf_counter() - t0) * 1000)
    conn.close()
    worst = sorted(cases, key=lambda f: -max(s for j, s in enumerate(samples) if cases[j % len(cases)] == f))
    worst_text = ", ".join(f"{_describe(f)} ({hits[f]:,} hits)" for f in worst[:3])
    target = [Target("value", "<=", 100, "ms")]
    return Figure(
        "search", "Search in the library",
        f"Library database: {big.describe()}. {n:,} searches cycling over {len(cases)} cases "
        f"({', '.join(_describe(f) for f in cases)}). " + __doc__.split("\n\n")[1].replace("\n", " "),
        [Row("search + first page, p50", percentile(samples, 50), percentile(bare, 50), "ms",
             show_ratio=False, against=BARE),
         Row("search + first page, p95", percentile(samples, 95), percentile(bare, 95), "ms", target,
             show_ratio=False, against=BARE),
         Row("search + first page, max", max(samples), max(bare), "ms", show_ratio=False, against=BARE),
         Row("context: every matching id and the count (`matching_ids`, in the background), p50",
             percentile(counted, 50), percentile(bare, 50), "ms", show_ratio=False, against=BARE),
         Row("context: every matching id and the count (`matching_ids`, in the background), p95",
             percentile(counted, 95), percentile(bare, 95), "ms", show_ratio=False, against=BARE)],
        notes=[f"Slowest cases: {worst_text}."],
    )


def _describe(flt) -> str:
    parts = [repr(flt.search)] if flt.search else []
    parts += [f"{k}={v}" for k, v in (("lang", flt.lang), ("status", flt.status), ("label", flt.label)) if v]
    return " + ".join(parts)
