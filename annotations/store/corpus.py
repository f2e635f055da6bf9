"""Reads over the whole corpus, for the export and ``parallax stats``.

Part of the store, which owns every SQL string: the export decides what goes in a
file and ``stats`` what the numbers mean; the rows come from here. Bulk reads
take a list of article ids (the export reads a chunk of a few hundred at a time)
and return plain tuples, read to the end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..model import GOLD_STATUSES, SUGGESTION_ORIGINS, Article, sql_value
from .sql_values import DONE, SET_ASIDE
from .undecided import ORDER_BY_ORIGIN, SUGGESTION_COLUMNS, Suggestion

if TYPE_CHECKING:
    from .connection import Connection

IS_REVIEW = "annotator GLOB 'review:*'"  # a reviewed layer (annotations.store.review)


class DecisionRow(NamedTuple):
    """A row of ``spans`` (one annotator's decision) as the export reads it."""

    id: int
    article_id: int
    start: int
    end: int
    label: str
    status: str
    origin: str
    annotator: str
    entity_id: int | None
    suggestion_id: int | None


class Corpus:
    """Bulk reads of the whole corpus (the rows exports and statistics are made of)."""

    def __init__(self, cx: Connection) -> None:
        self.cx = cx

    # -- whose layer is gold -----------------------------------------------------------

    def done_layers(self, annotator: str | None = None) -> dict[int, str]:
        """article id -> the annotator whose decisions are gold for it (the merge rule).

        An article is gold once someone marked it done. With ``annotator``, only their
        done articles. Otherwise a reviewed layer (``review:NAME``, marked done by a
        reviewer) wins over every annotator's; among several done layers of the same
        kind, the one marked done most recently wins; on a tie, the alphabetically first name.
        """
        conn = self.cx.conn
        if annotator is not None:
            return dict(conn.execute("SELECT article_id, annotator FROM article_status "
                                     f"WHERE status={DONE} AND annotator=?", (annotator,)).fetchall())
        layers: dict[int, str] = {}
        for article_id, who in conn.execute(
                f"SELECT article_id, annotator FROM article_status WHERE status={DONE} "
                f"ORDER BY article_id, {IS_REVIEW} DESC, updated_at DESC, annotator ASC").fetchall():
            layers.setdefault(article_id, who)
        return layers

    # -- rows for a chunk of articles ----------------------------------------------------

    def articles(self, ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in id order."""
        return [Article(id=r[0], title=r[1], text=r[2], lang=r[3], source=r[4], hash=r[5],
                        meta=json.loads(r[6] or "{}"))
                for r in self._rows("SELECT id, title, text, lang, source, hash, meta FROM articles "
                                      f"WHERE id {_among(ids)} ORDER BY id", ids)]

    def decision_rows(self, ids: Sequence[int], statuses: Sequence[str]) -> list[DecisionRow]:
        """Every annotator's decisions with one of ``statuses`` in these articles, in text order."""
        sql = (f"SELECT {', '.join(DecisionRow._fields)} FROM spans WHERE article_id {_among(ids)} "
               f"AND status {_among(statuses)} ORDER BY article_id, start, end DESC, label, annotator, id")
        return list(map(DecisionRow._make, self._rows(sql, (*ids, *statuses))))

    def suggestion_rows(self, ids: Sequence[int]) -> list[Suggestion]:
        """The suggestions of these articles, per article in the rule's order (memory, rules, model)."""
        sql = (f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE article_id {_among(ids)} "
               f"ORDER BY article_id, {ORDER_BY_ORIGIN}")
        return list(map(Suggestion._make, self._rows(sql, ids)))

    def last_touched(self, ids: Sequence[int]) -> dict[int, str]:
        """article id -> whoever changed its status or a span in it last (ties: the first name)."""
        among = _among(ids)
        out: dict[int, str] = {}
        for article_id, who, _ in self._rows((
                "SELECT article_id, annotator, max(ts) AS ts FROM ("
                " SELECT article_id, annotator, updated_at AS ts FROM article_status"
                f" WHERE article_id {among} UNION ALL SELECT article_id, annotator, updated_at AS ts"
                f" FROM spans WHERE article_id {among})"
                " GROUP BY article_id, annotator ORDER BY article_id, ts DESC, annotator ASC"), (*ids, *ids)):
            out.setdefault(article_id, who)
        return out

    def closing_statuses(self, ids: Sequence[int], annotator: str | None = None) -> dict[int, str]:
        """article id -> 'rejected' or 'ignored', the latest such status (of ``annotator`` if given)."""
        sql = (f"SELECT article_id, status FROM article_status WHERE article_id {_among(ids)} "
               f"AND status IN {SET_ASIDE}")
        params: tuple = tuple(ids)
        if annotator is not None:
            sql, params = sql + " AND annotator = ?", (*params, annotator)
        out: dict[int, str] = {}
        for article_id, status in self._rows(sql + " ORDER BY article_id, updated_at DESC", params):
            out.setdefault(article_id, status)
        return out

    # -- counts for stats ------------------------------------------------------------------

    def articles_by_lang(self) -> dict[str, int]:
        """Language -> number of articles, most first."""
        return dict(self.cx.conn.execute("SELECT lang, count(*) AS n FROM articles "
                                          "GROUP BY lang ORDER BY n DESC, lang").fetchall())

    def decision_counts(self) -> list[tuple[str, str, str, int]]:
        """(label, status, origin, count) of every annotator's decisions."""
        return self.cx.conn.execute("SELECT label, status, origin, count(*) FROM spans "
                                     "GROUP BY label, status, origin").fetchall()

    def suggestion_counts(self) -> tuple[dict[str, int], dict[str, int], int]:
        """Suggestions by origin and by label, and how many places and labels they make (several
        origins at one place with one label count once, as the rule shows them), from indexes."""
        conn = self.cx.conn
        by_label = dict(conn.execute("SELECT label, count(*) FROM suggestions GROUP BY label").fetchall())
        # one walk without a sort: the origins are a fixed set (the table's CHECK), each counted by a filter
        filters = ", ".join(f"count(*) FILTER (WHERE origin = {sql_value(o)})" for o in SUGGESTION_ORIGINS)
        *counts, personal = conn.execute(
            f"SELECT {filters}, count(*) FILTER (WHERE annotator <> '') FROM suggestions").fetchone()
        by_origin = {str(o): n for o, n in zip(SUGGESTION_ORIGINS, counts, strict=True) if n}
        if len(by_origin) <= 1 and not personal:
            # one origin, everyone's: the table's UNIQUE (place, label, origin, annotator) leaves
            # one row per place and label (a corpus one pipeline pre-annotated)
            return by_origin, by_label, sum(counts)
        places = conn.execute("SELECT count(*) FROM (SELECT 1 FROM suggestions "
                              "GROUP BY article_id, start, end, label)").fetchone()[0]
        return by_origin, by_label, places

    def decided_suggestion_places(self) -> int:
        """How many places and labels of suggestions someone decided (the rule of
        :mod:`.undecided` with no layer named: anyone's span at the offsets, or spans made from
        every suggestion there), found from the spans."""
        return self.cx.conn.execute(
            "WITH linked AS MATERIALIZED (SELECT DISTINCT suggestion_id AS id FROM spans "
            "WHERE suggestion_id IS NOT NULL), "
            "decided AS (SELECT g.article_id, g.start, g.end, g.label FROM spans p CROSS JOIN suggestions g "
            "ON g.article_id = p.article_id AND g.start = p.start AND g.end = p.end "
            # a place whose every suggestion a span was made from: only a span resized away from its
            # suggestion can add one (one still at the offsets is counted above)
            "UNION SELECT g.article_id, g.start, g.end, g.label FROM spans m CROSS JOIN suggestions g "
            "ON g.id = m.suggestion_id WHERE (m.start <> g.start OR m.end <> g.end) "
            "AND NOT EXISTS (SELECT 1 FROM suggestions h WHERE h.article_id = g.article_id "
            "AND h.start = g.start AND h.end = g.end AND h.label = g.label AND h.id NOT IN linked)) "
            "SELECT count(*) FROM decided").fetchone()[0]

    def suggestion_keys(self, ids: Sequence[int]) -> list[tuple[int, int, int, str, str, str, int]]:
        """(article id, start, end, label, origin, source, superseded 0/1) of the suggestions of
        these articles."""
        return self.cx.conn.execute(
            "SELECT article_id, start, end, label, origin, source, superseded_at IS NOT NULL "
            "FROM suggestions WHERE article_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),)).fetchall()

    def status_counts(self) -> list[tuple[str, str, int]]:
        """(annotator, article status, count)."""
        return self.cx.conn.execute("SELECT annotator, status, count(*) FROM article_status "
                                     "GROUP BY annotator, status").fetchall()

    def gold_decision_counts(self) -> dict[str, int]:
        """annotator -> how many accepted or corrected spans they have in the articles they
        marked done (their gold: what ``export --annotator`` writes)."""
        return dict(self.cx.conn.execute(
            "SELECT p.annotator, count(*) FROM spans p JOIN article_status s ON s.article_id = p.article_id "
            f"AND s.annotator = p.annotator AND s.status = {DONE} WHERE p.status {_among(GOLD_STATUSES)} "
            "GROUP BY p.annotator", GOLD_STATUSES).fetchall())

    def gold_decision_keys(self) -> list[tuple[int, str, int, int, str]]:
        """(article id, annotator, start, end, label) of every accepted or corrected span in an
        article its annotator marked done (the spans a gold layer can hold)."""
        return self.cx.conn.execute(
            "SELECT p.article_id, p.annotator, p.start, p.end, p.label FROM spans p "
            "JOIN article_status s ON s.article_id = p.article_id AND s.annotator = p.annotator "
            f"AND s.status = {DONE} WHERE p.status {_among(GOLD_STATUSES)}",
            GOLD_STATUSES).fetchall()

    # -- helpers -----------------------------------------------------------------------------

    def _rows(self, sql: str, params) -> list[tuple]:
        """Every row as a plain tuple (read to the end; cheaper than dicts for a whole corpus)."""
        return self.cx.conn.execute(sql, tuple(params)).fetchall()


def _among(values: Sequence) -> str:
    return f"IN ({', '.join('?' for _ in values)})"
