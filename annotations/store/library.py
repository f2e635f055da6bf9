"""The library query: which articles match a search and filters, and what to show for a page.

Part of the store (it owns every SQL string); the app, the CLI and tests share it.
A query returns only article ids (an ``array`` of 8-byte ints, in library order): first the first page
(:func:`first_ids`, a LIMIT that SQLite stops early on), then every id
(:func:`matching_ids`, for the count and the end of the list) in the
background. The columns for the rows on screen are read separately for just
those ids, so a corpus of 100,000 articles costs one id list and small reads.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import ArticleStatus
from .review import REVIEW_STATE_SQL, Review
from .sql_values import DONE, REJECTED, TODO
from .undecided import UNDECIDED_SQL

if TYPE_CHECKING:
    from .connection import Connection


@dataclass(frozen=True)
class LibraryFilter:
    """What the annotator asked for: free text plus optional language, status and label."""

    search: str = ""
    lang: str | None = None
    status: str | None = None  # an ArticleStatus, for the current annotator
    label: str | None = None  # articles with an accepted span or an open suggestion of this label
    review: str | None = None  # reviewed, disputed or awaiting (annotations.store.review)


@dataclass(frozen=True)
class LibraryRow:
    """One article as a library row; counts are the annotator's view of its spans."""

    id: int
    title: str
    lang: str
    status: str
    accepted: int  # accepted or corrected
    rejected: int
    suggested: int  # suggestions not decided yet
    review: str = ""  # reviewed, disputed, awaiting, or "" (annotations.store.review)

    @property
    def total(self) -> int:
        return self.accepted + self.rejected + self.suggested


@dataclass(frozen=True)
class Progress:
    """Overall progress of one annotator over the whole database."""

    total: int
    done: int
    in_progress: int


def fts_query(text: str) -> str | None:
    """Turn what the user typed into a safe FTS5 query: every word quoted, the last as a prefix.

    Words are ANDed. Quotes are doubled inside each phrase, so any input (an
    unbalanced ``"``, ``AND``, ``*``, ``-``) is searched as plain words; words
    with no letter or digit are dropped. None when nothing is left to search.
    """
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


_UNDECIDED = UNDECIDED_SQL  # the store's rule, as SQL on a suggestion row ``g``
# A label with fewer suggestions (and decided spans) than this is looked up from its own
# rows; a commoner one by walking the articles in order, where matches come early.
RARE_LABEL = 20_000
FIRST_PAGE = 200  # ids the library shows before it has counted every match


class Library:
    """The library's reads; ``annotator`` is whose statuses and counts a read means by default."""

    def __init__(self, cx: Connection, annotator: str, review: Review, *, useful_first: bool = True) -> None:
        self.cx = cx
        self.annotator = annotator
        self.review = review
        self.useful_first = useful_first  # parallax.toml [library] order = "useful" (the default)

    def _order(self, id_col: str) -> str:
        """ORDER BY: import order, or, once an adopted model has scored the articles to do, those
        first, the ones it is least sure about first (``usefulness``; issue 17 §6, measured in
        BENCHMARKS.md), then the rest in import order. Without scores it is import order, and the
        query stays the index walk the library is shaped for."""
        if not self.useful_first or not self.cx.conn.execute("SELECT 1 FROM usefulness LIMIT 1").fetchone():
            return id_col
        return (f"COALESCE((SELECT -u.score FROM usefulness u WHERE u.article_id = {id_col} AND NOT EXISTS "
                f"(SELECT 1 FROM article_status d WHERE d.article_id = u.article_id AND d.status = {DONE})), "
                f"1e308), {id_col}")

    def _select(self, flt: LibraryFilter, annotator: str | None) -> tuple[str, str, dict[str, object]]:
        """``SELECT id FROM ... WHERE ...`` for ``flt`` (no ORDER BY), the id column, and its parameters.

        Shaped so SQLite walks ids in library order and can stop early under a LIMIT: a
        search is driven by the FTS index (which yields rowids in order), other filters
        by the narrow ``articles_order`` index, never by the wide articles table.
        """
        params: dict[str, object] = {"annotator": annotator or self.annotator}
        where: list[str] = []
        query = fts_query(flt.search)
        if query is not None:
            sql, id_col = "SELECT articles_fts.rowid FROM articles_fts", "articles_fts.rowid"
            where.append("articles_fts MATCH :q")
            params["q"] = query
            if flt.lang:
                sql += " JOIN articles a INDEXED BY articles_order ON a.id = articles_fts.rowid"
        else:
            sql, id_col = "SELECT a.id FROM articles a", "a.id"
        # With a search, "id IN (list)" must stay a filter on the FTS scan: handed to FTS5 as a
        # rowid constraint, it re-runs the MATCH once per listed id (seconds). The unary +
        # keeps it out of the index; without a search SQLite may walk the list itself.
        in_col = f"+{id_col}" if query is not None else id_col
        if flt.lang:
            where.append("a.lang = :lang")
            params["lang"] = flt.lang
        if flt.status == ArticleStatus.TODO:
            where.append(f"NOT EXISTS (SELECT 1 FROM article_status s WHERE s.article_id = {id_col} "
                         "AND s.annotator = :annotator)")
        elif flt.status:
            where.append(f"{in_col} IN (SELECT s.article_id FROM article_status s "
                         "WHERE s.annotator = :annotator AND s.status = :status)")
            params["status"] = flt.status
        if flt.label:
            params["label"] = flt.label
            if self._label_is_rare(flt.label, params["annotator"]):
                where.append(
                    f"{in_col} IN (SELECT p.article_id FROM spans p WHERE p.annotator = :annotator "
                    f"AND p.label = :label AND p.status != {REJECTED} UNION SELECT g.article_id "
                    f"FROM suggestions g WHERE g.label = :label AND {_UNDECIDED})")
            else:
                where.append(
                    f"(EXISTS (SELECT 1 FROM spans p WHERE p.article_id = {id_col} "
                    f"AND p.annotator = :annotator AND p.label = :label AND p.status != {REJECTED}) "
                    f"OR EXISTS (SELECT 1 FROM suggestions g WHERE g.article_id = {id_col} "
                    f"AND g.label = :label AND {_UNDECIDED}))")
        if flt.review in REVIEW_STATE_SQL:
            where.append(f"{in_col} " + REVIEW_STATE_SQL[flt.review].format(col=in_col))
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, id_col, params

    def _label_is_rare(self, label: str, annotator: object) -> bool:
        """Whether few rows carry ``label`` (counted no further than RARE_LABEL, so it stays cheap)."""
        conn = self.cx.conn
        suggested = conn.execute("SELECT count(*) FROM (SELECT 1 FROM suggestions WHERE label = ? LIMIT ?)",
                                 (label, RARE_LABEL)).fetchone()[0]
        decided = conn.execute("SELECT count(*) FROM (SELECT 1 FROM spans WHERE annotator = ? AND label = ? "
                               "LIMIT ?)", (annotator, label, RARE_LABEL)).fetchone()[0]
        return suggested < RARE_LABEL and decided < RARE_LABEL

    def first_ids(self, flt: LibraryFilter, limit: int = FIRST_PAGE,
                  annotator: str | None = None) -> array:
        """The first ``limit`` ids matching ``flt``, in library order: what the screen shows at once,
        before :func:`matching_ids` has found every match (fewer than ``limit`` means that is all)."""
        sql, id_col, params = self._select(flt, annotator)
        params["limit"] = limit
        rows_ = self.cx.conn.execute(f"{sql} ORDER BY {self._order(id_col)} LIMIT :limit", params).fetchall()
        return array("q", (row[0] for row in rows_))

    def matching_ids(self, flt: LibraryFilter, annotator: str | None = None,
                     should_stop: Callable[[], bool] | None = None) -> array | None:
        """Ids of the articles matching ``flt``, in library order (:meth:`_order`).

        Reads in batches; returns None if ``should_stop`` says so between two batches
        (a newer query has replaced this one).
        """
        sql, id_col, params = self._select(flt, annotator)
        ids = array("q")
        cur = self.cx.conn.execute(f"{sql} ORDER BY {self._order(id_col)}", params)
        try:
            while batch := cur.fetchmany(10_000):
                if should_stop is not None and should_stop():
                    return None
                ids.extend(row[0] for row in batch)
        finally:
            cur.close()
        return ids

    def rows(self, ids: Sequence[int], annotator: str | None = None) -> list[LibraryRow]:
        """Title, language, status and span counts for the given articles, in the given order."""
        ids = list(ids)
        if not ids:
            return []
        annotator = annotator or self.annotator
        marks = ", ".join("?" for _ in ids)
        conn = self.cx.conn
        base = {r[0]: r[1:] for r in conn.execute(
            f"SELECT a.id, a.title, a.lang, COALESCE(s.status, {TODO}) FROM articles a "
            f"LEFT JOIN article_status s ON s.article_id = a.id AND s.annotator = ? WHERE a.id IN ({marks})",
            (annotator, *ids)).fetchall()}
        decided: dict[int, dict[str, int]] = {}
        for article_id, status, n in conn.execute(
                "SELECT article_id, status, count(*) FROM spans WHERE annotator = ? "
                f"AND article_id IN ({marks}) GROUP BY article_id, status", (annotator, *ids)).fetchall():
            decided.setdefault(article_id, {})[status] = n
        # One per offsets, whatever the labels suggested there: what accept-all takes
        # (Decisions.decide_undecided), as one decision at a place hides the others.
        open_ = dict(conn.execute(
            f"SELECT article_id, count(*) FROM (SELECT DISTINCT g.article_id, g.start, g.end "
            f"FROM suggestions g WHERE g.article_id IN (SELECT value FROM json_each(:ids)) AND "
            f"{_UNDECIDED}) GROUP BY article_id",
            {"ids": json.dumps(ids), "annotator": annotator}).fetchall())
        reviews = self.review.states(ids)
        out = []
        for article_id in ids:
            if article_id not in base:
                continue  # deleted meanwhile
            title, lang, status = base[article_id]
            counts = decided.get(article_id, {})
            out.append(LibraryRow(article_id, title, lang, status,
                                  counts.get("accepted", 0) + counts.get("corrected", 0),
                                  counts.get("rejected", 0), open_.get(article_id, 0),
                                  reviews.get(article_id, "")))
        return out

    def progress(self, annotator: str | None = None) -> Progress:
        """How many articles the annotator has done or started, out of all of them."""
        total = self.cx.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        by_status = dict(self.cx.conn.execute(
            "SELECT status, count(*) FROM article_status WHERE annotator = ? GROUP BY status",
            (annotator or self.annotator,)).fetchall())
        return Progress(total, by_status.get("done", 0), by_status.get("in_progress", 0))

    def adjacent_id(self, article_id: int, step: int) -> int | None:
        """The next (step=1) or previous (step=-1) article in import order, or None at either end."""
        if step > 0:
            row = self.cx.conn.execute("SELECT min(id) FROM articles WHERE id > ?", (article_id,)).fetchone()
        else:
            row = self.cx.conn.execute("SELECT max(id) FROM articles WHERE id < ?", (article_id,)).fetchone()
        return row[0]

    def unannotated_ids(self) -> list[int]:
        """Articles no pipeline has been run on yet: new imports, an interrupted run, or a
        language without a pipeline (those get memory suggestions only, each start)."""
        conn = self.cx.conn
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        seen = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT article_id FROM preannotated)").fetchone()[0]
        if seen >= total:  # preannotated rows go with their article (ON DELETE CASCADE)
            return []
        return [r[0] for r in conn.execute(
            "SELECT a.id FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM preannotated p WHERE p.article_id = a.id) ORDER BY a.id").fetchall()]

    def find_articles(self, text: str, limit: int) -> list[tuple[int, str]]:
        """(id, title) of up to ``limit`` articles whose title or text has every typed word (the
        command palette's article search; any input is safe, see :func:`fts_query`)."""
        query = fts_query(text)
        if query is None:
            return []
        return self.cx.conn.execute(
            "SELECT id, title FROM articles WHERE id IN "
            "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?) ORDER BY id",
            (query, limit)).fetchall()
