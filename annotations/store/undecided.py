"""What an undecided suggestion is: the one rule, and the reads built on it.

A suggestion is *shown* to a layer (an annotator, or a reviewer's layer) when it is everyone's
(``suggestions.annotator`` is '': pipelines, rules, shared memory) or that layer's own (its
annotation memory), and, where the layer has marked the article done, when it was left undecided
at that moment (``undecided_at_done``): a suggestion added to a done article afterwards (by
pre-annotation, memory or a merge) is not shown to that layer, so its gold changes only by its
own decisions. Where the layer has not marked the article done, a *superseded* suggestion
(``suggestions.superseded_at``: an adopted model re-suggested the article) is not shown; the row
stays, for the spans, tags and undo steps that refer to it. A shown suggestion is *undecided* by
the layer when it has no span made from it (``spans.suggestion_id``) and no span with its start
and end, whatever that span's status or label. With no layer named, every suggestion but the
superseded is shown and a span of anyone decides it. Several
origins suggesting the same offsets and label show once, memory first, then rules, then model.

The reader (:meth:`Store.spans`), the export (unknown tokens in done articles) and ``parallax
stats`` all go through :func:`undecided_among`; the library's SQL uses :data:`UNDECIDED_SQL`, the
same rule written as a condition (a test checks that the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from ..model import origin_rank_sql
from .sql_values import DONE

if TYPE_CHECKING:
    from .connection import Connection

CHUNK = 500  # articles per round of queries in the bulk read
# Suggestions in the order the rule wants them: memory, rules, model, then by id.
ORDER_BY_ORIGIN = f"{origin_rank_sql()}, id"
EVERYONE = ""  # suggestions.annotator of a suggestion shown to every layer



def shown_sql(g: str = "g", layer: str = ":annotator") -> str:
    """SQL: whether the ``suggestions`` row aliased ``g`` is shown to the layer ``layer``: its
    own or everyone's, and held when the layer marked the article done, else not superseded."""
    done = (f"EXISTS (SELECT 1 FROM article_status ds WHERE ds.article_id = {g}.article_id "
            f"AND ds.annotator = {layer} AND ds.status = {DONE})")
    held = (f"EXISTS (SELECT 1 FROM undecided_at_done u WHERE u.article_id = {g}.article_id "
            f"AND u.annotator = {layer} AND u.suggestion_id = {g}.id)")
    return (f"({g}.annotator = '' OR {g}.annotator = {layer}) AND "
            f"CASE WHEN {done} THEN {held} ELSE {g}.superseded_at IS NULL END")


def open_sql(g: str = "g", layer: str = ":annotator") -> str:
    """SQL: whether the layer ``layer`` has decided nothing at the offsets of the row ``g``."""
    return (f"NOT EXISTS (SELECT 1 FROM spans p WHERE p.article_id = {g}.article_id "
            f"AND p.annotator = {layer} "
            f"AND (p.suggestion_id = {g}.id OR (p.start = {g}.start AND p.end = {g}.end)))")


def open_among_sql(g: str = "g", layer: str = ":annotator") -> str:
    """SQL: :func:`open_sql` for a read over many articles, ``layer`` a bound value (not a column
    of the outer query): the layer's spans are read once into two lists (SQLite keeps each as a
    temporary index), rather than an article's spans walked for every suggestion."""
    return (f"({g}.article_id, {g}.id) NOT IN (SELECT article_id, suggestion_id FROM spans "
            f"WHERE annotator = {layer} AND suggestion_id IS NOT NULL) "
            f"AND ({g}.article_id, {g}.start, {g}.end) NOT IN (SELECT article_id, start, end FROM spans "
            f"WHERE annotator = {layer})")


UNDECIDED_SQL = f"{shown_sql()} AND {open_sql()}"
"""The rule as an SQL condition on a ``suggestions`` row aliased ``g``, for ``:annotator``.

For queries that must stay in SQL at corpus scale (the library's counts and label
filter); select ``DISTINCT start, end`` to count what accept-all takes (one per offsets,
:meth:`.decisions.Decisions.decide_undecided`)."""

UNDECIDED_AMONG_SQL = f"{shown_sql()} AND {open_among_sql()}"
""":data:`UNDECIDED_SQL` for a read over many of an annotator's articles (:func:`open_among_sql`)."""

SUGGESTION_COLUMNS = ("id, article_id, start, end, label, origin, source, annotator, "
                      "superseded_at IS NOT NULL")


class Suggestion(NamedTuple):
    """One row of ``suggestions`` (:data:`SUGGESTION_COLUMNS`)."""

    id: int
    article_id: int
    start: int
    end: int
    label: str
    origin: str
    source: str
    annotator: str = EVERYONE
    superseded: bool = False  # a newer model re-suggested the article


def shown_to(suggestions: Iterable[Suggestion], layer: str | None,
             held: set[int] | None) -> Iterable[Suggestion]:
    """The suggestions shown to ``layer`` (None: everyone's and every annotator's). ``held`` is
    what the layer left undecided when it marked the article done (None: the article is not done
    by the layer, and superseded suggestions are not shown)."""
    if held is not None:
        return (s for s in suggestions if (s.annotator == EVERYONE or s.annotator == layer) and s.id in held)
    return (s for s in suggestions if not s.superseded
            and (layer is None or s.annotator == EVERYONE or s.annotator == layer))


def undecided_among(suggestions: Iterable[Suggestion], decided_ids: set[int],
                    decided_offsets: set[tuple[int, int]]) -> list[Suggestion]:
    """The rule. Keep the suggestions nobody decided on, one per (start, end, label).

    ``suggestions`` are those shown to the layer (:func:`shown_to`), in
    :data:`ORDER_BY_ORIGIN` order, so the kept duplicate is the preferred origin;
    ``decided_ids`` are the suggestion ids the deciding spans were made from,
    ``decided_offsets`` their (start, end).
    """
    seen: set[tuple[int, int, str]] = set()
    out = []
    for s in suggestions:
        ident = (s.start, s.end, s.label)
        if s.id in decided_ids or (s.start, s.end) in decided_offsets or ident in seen:
            continue
        seen.add(ident)
        out.append(s)
    return out


class Undecided:
    """The rule's reads over many articles at once, for the reader, exports and statistics
    (one article as a layer sees it: ``View.undecided``)."""

    def __init__(self, cx: Connection) -> None:
        self.cx = cx

    def held(self, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], set[int]]:
        """(article id, layer) -> the suggestions the layer left undecided when it marked the
        article done, for each pair where the layer's status is done (others are left out)."""
        pairs = list(pairs)
        out: dict[tuple[int, str], set[int]] = {}
        conn = self.cx.conn
        for lo in range(0, len(pairs), CHUNK):
            chunk = pairs[lo:lo + CHUNK]
            marks = ", ".join("(?, ?)" for _ in chunk)
            flat = [v for pair in chunk for v in pair]
            for article_id, annotator in conn.execute(
                    f"WITH w(article_id, annotator) AS (VALUES {marks}) SELECT s.article_id, s.annotator "
                    "FROM article_status s JOIN w ON w.article_id = s.article_id "
                    f"AND w.annotator = s.annotator WHERE s.status = {DONE}", flat).fetchall():
                out[(article_id, annotator)] = set()
            for article_id, annotator, suggestion_id in conn.execute(
                    f"WITH w(article_id, annotator) AS (VALUES {marks}) SELECT u.article_id, u.annotator, "
                    "u.suggestion_id FROM undecided_at_done u JOIN w ON w.article_id = u.article_id "
                    "AND w.annotator = u.annotator", flat).fetchall():
                if (article_id, annotator) in out:
                    out[(article_id, annotator)].add(suggestion_id)
        return out

    def by_article(self, layers: Mapping[int, str | None], *, as_if_open: bool = False,
                   read: list[Suggestion] | None = None) -> dict[int, list[Suggestion]]:
        """article id -> its undecided suggestions, for each article in ``layers``.

        ``layers`` maps an article to the layer whose decisions count (the gold
        layer of a done article), or to None: then every suggestion is shown and any
        annotator's span decides it ("undecided by everyone"). ``as_if_open`` reads them
        as if no layer had marked its article done (what marking it done would hold).
        Articles without undecided suggestions are left out. Reads a chunk of articles at a time;
        every suggestion of the articles read is added to ``read`` when it is given (``stats``
        scores them, without reading them again).
        """
        ids = sorted(layers)
        out: dict[int, list[Suggestion]] = {}
        conn = self.cx.conn
        for lo in range(0, len(ids), CHUNK):
            chunk = ids[lo:lo + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            suggestions: dict[int, list[Suggestion]] = {}
            for row in conn.execute(
                    f"SELECT {SUGGESTION_COLUMNS} FROM suggestions "
                    f"WHERE article_id IN ({marks}) ORDER BY article_id, {ORDER_BY_ORIGIN}",
                    chunk).fetchall():
                suggestions.setdefault(row[1], []).append(Suggestion._make(row))
            if read is not None:
                read.extend(s for rows in suggestions.values() for s in rows)
            if not suggestions:
                continue
            among = sorted(suggestions)
            held = {} if as_if_open else self.held(
                (a, layer) for a in among if (layer := layers[a]) is not None)
            decided: dict[int, tuple[set[int], set[tuple[int, int]]]] = {}
            for article_id, annotator, start, end, suggestion_id in conn.execute(
                    "SELECT article_id, annotator, start, end, suggestion_id FROM spans "
                    f"WHERE article_id IN ({', '.join('?' for _ in among)})", among).fetchall():
                layer = layers[article_id]
                if layer is not None and annotator != layer:
                    continue
                ids_, offsets = decided.setdefault(article_id, (set(), set()))
                if suggestion_id is not None:
                    ids_.add(suggestion_id)
                offsets.add((start, end))
            for article_id, rows in suggestions.items():
                layer = layers[article_id]
                shown = shown_to(rows, layer, held.get((article_id, layer)) if layer is not None else None)
                ids_, offsets = decided.get(article_id, (set(), set()))
                kept = undecided_among(shown, ids_, offsets)
                if kept:
                    out[article_id] = kept
        return out
