"""What an undecided suggestion is: the one rule, and the reads built on it.

A suggestion is *undecided* by an annotator when they have no span made from
it (``spans.suggestion_id``) and no span with its start and end, whatever that
span's status or label. With no annotator named, a span of anyone decides it.
Several origins suggesting the same offsets and label show once, memory first,
then rules, then model. The reader (:meth:`Store.spans`), the export (unknown
tokens in done articles) and ``parallax stats`` all go through
:func:`undecided_among`; the library's SQL uses :data:`UNDECIDED_SQL`, the same
rule written as a condition (a test checks that the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .part import StorePart

ORIGIN_RANK = {"memory": 0, "rules": 1, "model": 2}
CHUNK = 500  # articles per round of queries in the bulk read
# Suggestions in the order the rule wants them: memory, rules, model, then by id.
ORDER_BY_ORIGIN = "CASE origin WHEN 'memory' THEN 0 WHEN 'rules' THEN 1 ELSE 2 END, id"


UNDECIDED_SQL = (
    "NOT EXISTS (SELECT 1 FROM spans p WHERE p.article_id = g.article_id AND p.annotator = :annotator "
    "AND (p.suggestion_id = g.id OR (p.start = g.start AND p.end = g.end)))"
)
"""The rule as an SQL condition on a ``suggestions`` row aliased ``g``, for ``:annotator``.

For queries that must stay in SQL at corpus scale (the library's counts and label
filter); select ``DISTINCT start, end, label`` to count duplicates once, as the rule does.
"""


class Suggestion(NamedTuple):
    """One row of ``suggestions``."""

    id: int
    article_id: int
    start: int
    end: int
    label: str
    origin: str
    source: str


def undecided_among(suggestions: Iterable[Suggestion], decided_ids: set[int],
                    decided_offsets: set[tuple[int, int]]) -> list[Suggestion]:
    """The rule. Keep the suggestions nobody decided on, one per (start, end, label).

    ``decided_ids`` are the suggestion ids the deciding spans were made from,
    ``decided_offsets`` their (start, end). ``suggestions`` come in
    :data:`ORDER_BY_ORIGIN` order, so the kept duplicate is the preferred origin.
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


class UndecidedMixin(StorePart):
    """Bulk reads of undecided suggestions, for exports and statistics."""

    def undecided(self, article_id: int, annotator: str | None = None) -> list[Suggestion]:
        """The suggestions ``annotator`` (default: the store's) left undecided in one article."""
        return self.undecided_suggestions({article_id: annotator or self.annotator}).get(article_id, [])

    def undecided_suggestions(self, layers: Mapping[int, str | None]) -> dict[int, list[Suggestion]]:
        """article id -> its undecided suggestions, for each article in ``layers``.

        ``layers`` maps an article to the annotator whose decisions count (the
        gold layer of a done article), or to None: then any annotator's span
        decides a suggestion ("undecided by everyone"). Articles without
        undecided suggestions are left out. Reads a chunk of articles at a time.
        """
        ids = sorted(layers)
        out: dict[int, list[Suggestion]] = {}
        conn = self.db.conn
        for lo in range(0, len(ids), CHUNK):
            chunk = ids[lo:lo + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            suggestions: dict[int, list[Suggestion]] = {}
            for row in conn.execute(
                    "SELECT id, article_id, start, end, label, origin, source FROM suggestions "
                    f"WHERE article_id IN ({marks}) ORDER BY article_id, {ORDER_BY_ORIGIN}",
                    chunk).fetchall():
                suggestions.setdefault(row[1], []).append(Suggestion._make(row))
            if not suggestions:
                continue
            decided: dict[int, tuple[set[int], set[tuple[int, int]]]] = {}
            among = sorted(suggestions)
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
                ids_, offsets = decided.get(article_id, (set(), set()))
                kept = undecided_among(rows, ids_, offsets)
                if kept:
                    out[article_id] = kept
        return out
