"""Merge: two 100,000-article databases into a new one, against bare sqlite3 ATTACH + INSERT ... SELECT.

The two sources are the shared library database (10 suggestions per article, every tenth
article decided) copied with SQLite's backup API, its decisions given to "alice" in one
and "bob" in the other, each decision with its undo-log entry. Both sides start from an
empty database whose schema Store() created (FTS5 triggers included) and end with the
same rows: the articles once (matched by content hash), the suggestions once, both
annotators' spans, statuses and log entries, the pre-annotation runs. The comparison is
the bare statements that copy those rows (article ids mapped through the hash, nothing
else checked); Parallax also maps every id, rewrites the ids inside the log's images,
compares layers and keeps entities, aliases, tags, labels and sessions.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from common import Figure, Row, Target, log, median

from annotations.store import Store
from annotations.store.merge import merge_source

TABLES = ("articles", "suggestions", "spans", "article_status", "events", "preannotated")


def make_source(ctx, name: str) -> Path:
    """A copy of the library database (backup API) whose decisions are ``name``'s, logged."""
    path = ctx.workdir / f"merge_{name}.db"
    if path.exists():
        return path
    library = ctx.library_db()
    src = sqlite3.connect(library.path)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.isolation_level = None
    dst.execute("BEGIN IMMEDIATE")
    dst.execute("UPDATE spans SET annotator = ?", (name,))
    dst.execute("UPDATE article_status SET annotator = ?", (name,))
    if name == "bob":  # bob disagrees with alice on one entity in ten
        dst.execute("UPDATE spans SET label = 'MISC', status = 'corrected' WHERE id % 10 = 0")
    dst.execute(
        "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after) "
        "SELECT created_at, annotator, 'accept', article_id, id, 'spans', id, NULL, json_object("
        "'id', id, 'article_id', article_id, 'annotator', annotator, 'start', start, 'end', end, 'label', "
        "label, 'status', status, 'origin', origin, 'source', source, 'suggestion_id', suggestion_id, "
        "'entity_id', entity_id, 'created_at', created_at, 'updated_at', updated_at) FROM spans")
    dst.execute("COMMIT")
    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    dst.close()
    return path


def fresh(path: Path) -> Path:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    Store(path, annotator="bench").close()
    return path


def bare_merge(out: Path, sources: list[Path]) -> None:
    """The same rows with bare ATTACH + INSERT ... SELECT, one transaction per source."""
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    for source in sources:
        conn.execute("ATTACH DATABASE ? AS src", (source.resolve().as_uri() + "?mode=ro",))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO main.articles(hash, title, text, lang, source, meta, length, "
                     "created_at) SELECT hash, title, text, lang, source, meta, length, created_at "
                     "FROM src.articles ORDER BY id")
        art = "JOIN src.articles sa ON sa.id = {t}.article_id JOIN main.articles ma ON ma.hash = sa.hash"
        conn.execute("INSERT OR IGNORE INTO main.suggestions(article_id, start, end, label, origin, source, "
                     "created_at) SELECT ma.id, g.start, g.end, g.label, g.origin, g.source, g.created_at "
                     f"FROM src.suggestions g {art.format(t='g')} ORDER BY g.id")
        conn.execute("INSERT INTO main.spans(article_id, annotator, start, end, label, status, origin, "
                     "source, suggestion_id, created_at, updated_at) SELECT ma.id, s.annotator, s.start, "
                     "s.end, s.label, s.status, s.origin, s.source, mg.id, s.created_at, s.updated_at "
                     f"FROM src.spans s {art.format(t='s')} LEFT JOIN src.suggestions sg ON sg.id = "
                     "s.suggestion_id LEFT JOIN main.suggestions mg ON mg.article_id = ma.id AND "
                     "mg.start = sg.start AND mg.end = sg.end AND mg.label = sg.label "
                     "AND mg.origin = sg.origin")
        conn.execute("INSERT INTO main.article_status(article_id, annotator, status, updated_at) "
                     f"SELECT ma.id, x.annotator, x.status, x.updated_at FROM src.article_status x "
                     f"{art.format(t='x')}")
        conn.execute("INSERT INTO main.events(ts, annotator, action, article_id, grp, tbl, row_id, before, "
                     "after, state) SELECT e.ts, e.annotator, e.action, ma.id, e.grp, e.tbl, e.row_id, "
                     f"e.before, e.after, e.state FROM src.events e {art.format(t='e')}")
        conn.execute("INSERT OR IGNORE INTO main.preannotated(article_id, pipeline, ts) "
                     f"SELECT ma.id, p.pipeline, p.ts FROM src.preannotated p {art.format(t='p')}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    conn.close()


def parallax_merge(out: Path, sources: list[Path]) -> None:
    with Store(out, annotator="merge") as store:
        for source in sources:
            counts = merge_source(store, str(source))
            assert not counts.conflicts


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def measure(ctx) -> Figure:
    n = ctx.sizes.big_articles
    sources = [make_source(ctx, "alice"), make_source(ctx, "bob")]
    runs = ctx.sizes.runs if ctx.quick else 1
    ours, base = [], []
    for run in range(runs):
        out = fresh(ctx.workdir / "merge_parallax.db")
        t0 = time.perf_counter()
        parallax_merge(out, sources)
        ours.append(2 * n / (time.perf_counter() - t0))
        mine = counts(out)
        bare = fresh(ctx.workdir / "merge_bare.db")
        t0 = time.perf_counter()
        bare_merge(bare, sources)
        base.append(2 * n / (time.perf_counter() - t0))
        theirs = counts(bare)
        assert mine == theirs, f"the merges wrote different rows: {mine} vs {theirs}"
        log(f"[bench] merge run {run + 1}: {ours[-1]:,.0f} vs {base[-1]:,.0f} articles/s; rows {mine}")
    again = time.perf_counter()
    parallax_merge(out, sources)  # idempotent: nothing to copy the second time
    assert counts(out) == mine
    again = 2 * n / (time.perf_counter() - again)
    for stale in ctx.workdir.glob("merge_*.db*"):
        if "parallax" in stale.name or "bare" in stale.name:
            stale.unlink()
    rows = [
        Row(f"two {n:,}-article databases into a new one ({mine['spans']:,} spans, {mine['events']:,} "
            "logged changes)", median(ours), median(base), "articles/s", [Target("ratio", ">=", 0.5)],
            against="bare sqlite3 ATTACH + INSERT ... SELECT"),
        Row("context: merging both again (nothing to copy)", again, median(base), "articles/s",
            against="the bare first merge"),
    ]
    return Figure("merge", "Merging two databases", __doc__.split("\n\n", 1)[1].strip(), rows)
