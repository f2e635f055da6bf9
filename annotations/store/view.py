"""What a layer sees in an article: its decisions plus the suggestions it left undecided.

Which suggestions are undecided is the rule of :mod:`.undecided`. Every read takes the layer
(an annotator, or a reviewer's ``review:NAME``); by default the one this view was made for.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import TYPE_CHECKING

from ..model import ArticleStatus, Span, Status
from .undecided import ORDER_BY_ORIGIN, SUGGESTION_COLUMNS, Suggestion, Undecided, shown_to, undecided_among

if TYPE_CHECKING:
    from .connection import Connection


def _shared(value: str) -> str:
    """One string object for the label and origin every span of an article repeats (SQLite
    hands out a new one per row): ~3 MB of a 1 MB article's 25,000 spans."""
    return sys.intern(value)


def _shared_or_none(value: str | None) -> str | None:
    """:func:`_shared` for a column that may be NULL (a span's source)."""
    return sys.intern(value) if value is not None else None



class View:
    """Reads of what a layer sees; ``layer`` is whose, unless a read names another."""

    def __init__(self, cx: Connection, undecided: Undecided, layer: str) -> None:
        self.cx = cx
        self.rule = undecided  # the undecided rule over many articles
        self.layer = layer

    def span_row(self, rowid: int) -> Span:
        """One row of ``spans`` as a Span (its layer's own decision)."""
        row = self.cx.execute(
            "SELECT article_id, start, end, label, status, origin, source, suggestion_id, annotator, "
            "entity_id FROM spans WHERE id=?", (rowid,)).fetchone()
        tags = tuple(t[0] for t in self.cx.execute(
            "SELECT tag FROM tags WHERE span_id=? ORDER BY id", (rowid,)).fetchall())
        return Span(row[0], row[1], row[2], row[3], row[4], row[5], row[6], span_id=rowid,
                    suggestion_id=row[7], annotator=row[8], entity_id=row[9], tags=tags)

    def decided_offsets(self, article_id: int, annotator: str | None = None) -> set[tuple[int, int, str]]:
        """(start, end, label) of every decision the annotator made in the article."""
        return set(self.cx.conn.execute(
            "SELECT start, end, label FROM spans WHERE article_id=? AND annotator=?",
            (article_id, annotator or self.layer)).fetchall())

    def status(self, article_id: int, annotator: str | None = None) -> str:
        """todo, in_progress, done, rejected or ignored, for one annotator."""
        row = self.cx.conn.execute(
            "SELECT status FROM article_status WHERE article_id=? AND annotator=?",
            (article_id, annotator or self.layer)).fetchone()
        return row[0] if row else ArticleStatus.TODO

    # -- spans -------------------------------------------------------------------

    def spans(self, article_id: int, annotator: str | None = None, *,
              include_rejected: bool = True, within: tuple[int, int] | None = None) -> list[Span]:
        """What an annotator sees in an article: their decisions plus undecided suggestions.

        Which suggestions are undecided is the rule of :mod:`.undecided`: hidden once
        the annotator has decided on it or has any span with the same offsets;
        duplicates (same offsets and label from several origins) show once.
        ``within=(start, end)`` reads only the spans overlapping that range (what a
        decision there can have changed), with the same rules: the reader's
        update after a decision on a long article.
        """
        annotator = annotator or self.layer
        conn = self.cx.conn
        where: str = ""
        window: tuple[int, ...] = ()
        if within is not None:
            where, window = " AND start < ? AND end > ?", (within[1], within[0])
        tags: dict[tuple[str, int], list[str]] = defaultdict(list)
        for span_id, sugg_id, tag in conn.execute(
                "SELECT span_id, suggestion_id, tag FROM tags WHERE article_id=? AND annotator=? "
                "AND (span_id IS NOT NULL OR suggestion_id IS NOT NULL) ORDER BY id",
                (article_id, annotator)).fetchall():
            tags[("span", span_id) if span_id is not None else ("suggestion", sugg_id)].append(tag)
        out: list[Span] = []
        decided_ids: set[int] = set()
        decided_offsets: set[tuple[int, int]] = set()
        for row in conn.execute(
                "SELECT id, start, end, label, status, origin, source, suggestion_id, entity_id "
                "FROM spans WHERE article_id=? AND annotator=?" + where,
                (article_id, annotator, *window)).fetchall():
            if row[7] is not None:
                decided_ids.add(row[7])
            decided_offsets.add((row[1], row[2]))
            if row[4] == Status.REJECTED and not include_rejected:
                continue
            out.append(Span(article_id, row[1], row[2], _shared(row[3]), row[4], row[5],
                            _shared_or_none(row[6]),
                            span_id=row[0], suggestion_id=row[7], annotator=annotator,
                            entity_id=row[8], tags=tuple(tags.get(("span", row[0]), ()))))
        if within is not None:  # a decision resized away from its suggestion still hides it
            decided_ids.update(r[0] for r in conn.execute(
                "SELECT suggestion_id FROM spans WHERE article_id=? AND annotator=? AND suggestion_id IN "
                "(SELECT id FROM suggestions WHERE article_id=?" + where + ")",
                (article_id, annotator, article_id, *window)).fetchall())
        suggestions = map(Suggestion._make, conn.execute(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE article_id=?"
            + where + " ORDER BY " + ORDER_BY_ORIGIN, (article_id, *window)).fetchall())
        held = self.rule.held([(article_id, annotator)]).get((article_id, annotator))
        for s in undecided_among(shown_to(suggestions, annotator, held), decided_ids, decided_offsets):
            out.append(Span(article_id, s.start, s.end, _shared(s.label), Status.SUGGESTED, _shared(s.origin),
                            _shared_or_none(s.source), suggestion_id=s.id,
                            tags=tuple(tags.get(("suggestion", s.id), ()))))
        out.sort(key=lambda s: (s.start, -s.end, s.label))
        return out

    def span(self, key: tuple[str, int], annotator: str | None = None) -> Span | None:
        """Look one span up by its key, as the annotator sees it."""
        kind, ident = key
        table = "spans" if kind == "span" else "suggestions"
        row = self.cx.conn.execute(f"SELECT article_id FROM {table} WHERE id=?", (ident,)).fetchone()
        if row is None:
            return None
        for span in self.spans(row[0], annotator):
            if span.key == key:
                return span
        return None

    def undecided(self, article_id: int, annotator: str | None = None) -> list[Suggestion]:
        """The suggestions ``annotator`` (default: this view's layer) left undecided in one article."""
        layer = annotator or self.layer
        return self.rule.by_article({article_id: layer}).get(article_id, [])
