"""What annotation memory knows: the forms an annotator accepted and the aliases they linked.

Memory is per annotator (two people annotating the same article stay independent), unless the
project shares it (``[memory] shared = true``): then its suggestions are everyone's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sql_values import GOLD, REJECTED, STEP_DONE
from .undecided import EVERYONE

if TYPE_CHECKING:
    from .connection import Connection


class Memory:
    """The reads behind annotation memory (the matching itself is :mod:`annotations.nlp.memory`);
    ``annotator`` is whose memory by default, ``shared`` the project's setting."""

    def __init__(self, cx: Connection, annotator: str, *, shared: bool) -> None:
        self.cx = cx
        self.annotator = annotator
        self.shared = shared

    def owner(self, annotator: str | None = None) -> str:
        """Whom an annotator's (default: this Store's) memory suggestions are for: that
        annotator, or everyone ('') when the project shares memory (``[memory] shared``)."""
        return EVERYONE if self.shared else (annotator or self.annotator)

    def has_forms(self, annotator: str | None = None) -> bool:
        """Whether ``annotator``'s annotation memory (None: everyone's) has anything to suggest: an
        accepted or corrected span, or an alias of a labelled entity they linked a span to."""
        who, params = _whose(annotator)
        return bool(self.cx.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM spans s WHERE s.status IN {GOLD} {who}) "
            "OR EXISTS (SELECT 1 FROM aliases a JOIN entities e ON e.id = a.entity_id "
            f"WHERE e.label IS NOT NULL AND {_linked(annotator)})", params * 3).fetchone()[0])

    def accepted_forms(self, annotator: str | None = None) -> list[tuple[str, str]]:
        """Every (surface form, label) ``annotator`` (None: any annotator) accepted or corrected."""
        who, params = _whose(annotator)
        rows = self.cx.conn.execute(
            "SELECT DISTINCT substr(a.text, s.start + 1, s.end - s.start), s.label "
            "FROM spans s JOIN articles a ON a.id = s.article_id "
            f"WHERE s.status IN {GOLD} {who}", params).fetchall()
        return [(r[0], r[1]) for r in rows]

    def labelled_aliases(self, annotator: str | None = None) -> list[tuple[str, str, str]]:
        """(alias, label, entity name) of every alias of a labelled entity; with ``annotator``,
        of the entities that annotator linked a span to."""
        params = () if annotator is None else (annotator,)
        return self.cx.conn.execute(
            "SELECT a.alias, e.label, e.name FROM aliases a JOIN entities e ON e.id = a.entity_id "
            f"WHERE e.label IS NOT NULL AND {_linked(annotator)} ORDER BY a.entity_id, a.alias",
            params * 2).fetchall()

    def annotators(self) -> list[str]:
        """The annotators (not review layers) whose annotation memory has something to suggest."""
        return [r[0] for r in self.cx.conn.execute(
            f"SELECT DISTINCT annotator FROM spans WHERE (status IN {GOLD} "
            "OR entity_id IS NOT NULL) AND annotator NOT GLOB 'review:*' ORDER BY annotator").fetchall()]


def _linked(annotator: str | None) -> str:
    """Whether an annotator's memory knows the alias ``a`` of the entity ``e``: they made the alias
    (a link decision of theirs, not undone) or one of their spans links to the entity. Two
    parameters, both the annotator. Every labelled entity's aliases are everyone's memory."""
    if annotator is None:
        return "1"
    return ("(EXISTS (SELECT 1 FROM events ev WHERE ev.tbl = 'aliases' AND ev.row_id = a.id "
            f"AND ev.annotator = ? AND ev.state = {STEP_DONE}) OR EXISTS (SELECT 1 FROM spans s "
            f"WHERE s.entity_id = e.id AND s.status != {REJECTED} AND s.annotator = ?))")


def _whose(annotator: str | None) -> tuple[str, tuple]:
    """The condition narrowing spans ``s`` to one annotator's (none for everyone's), and its parameter."""
    return ("AND s.annotator = ?", (annotator,)) if annotator is not None else ("", ())
