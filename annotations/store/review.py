"""The reviewed layer: a reviewer's adjudication of the annotators' layers, and review states.

A reviewer's decisions are an ordinary layer of ``spans`` (with ``article_status``, ``tags``
and ``events``) under the name ``review:<reviewer>``. Being an ordinary layer, it is undone,
exported, counted and merged like any other, and it is kept apart from every annotator's own
layer (alice's review layer is ``review:alice``, her annotations stay ``alice``). The
reviewer writes it through :class:`Review`, which decides through that layer's own parts
(``Store.layer("review:alice")``), so every logged row write, the undo log and the undecided rule
are the same code as the reader's.

Review states of an article (the library shows them and filters on them):

- *reviewed*: a review layer is marked done;
- *disputed*: not reviewed, and two or more annotators marked it done with different entities
  (their accepted and corrected spans differ in start, end or label);
- *awaiting review*: not reviewed, not disputed, and at least one annotator marked it done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..model import GOLD_STATUSES, Action, Origin
from .corpus import IS_REVIEW
from .db import now
from .history import UndoResult
from .layer import Layer
from .sql_values import DONE, GOLD
from .undecided import EVERYONE, ORDER_BY_ORIGIN, SUGGESTION_COLUMNS, Suggestion, shown_to, undecided_among

if TYPE_CHECKING:
    from .connection import Connection

REVIEW_PREFIX = "review:"
MODEL_LAYER = "model:suggestions"  # the pipelines' suggestions, compared as if a layer
REVIEW_STATES = ("reviewed", "disputed", "awaiting")
# SQL conditions on an annotator column (GLOB is case-sensitive, unlike LIKE).
NOT_REVIEW = f"NOT {IS_REVIEW}"

_REVIEWED = f"SELECT article_id FROM article_status WHERE status = {DONE} AND {IS_REVIEW}"
_DONE = f"SELECT article_id FROM article_status WHERE status = {DONE} AND {NOT_REVIEW}"
_DISPUTED = (
    f"WITH d AS (SELECT article_id, annotator FROM article_status WHERE status = {DONE} AND {NOT_REVIEW}), "
    "n AS (SELECT article_id, count(*) AS k FROM d GROUP BY article_id HAVING k >= 2), "
    "c AS (SELECT p.article_id, count(DISTINCT p.annotator) AS m FROM spans p "
    "JOIN d ON d.article_id = p.article_id AND d.annotator = p.annotator "
    f"WHERE p.article_id IN (SELECT article_id FROM n) AND p.status IN {GOLD} "
    "GROUP BY p.article_id, p.start, p.end, p.label) "
    "SELECT DISTINCT c.article_id FROM c JOIN n ON n.article_id = c.article_id WHERE c.m < n.k"
)
REVIEW_STATE_SQL = {
    "reviewed": f"IN ({_REVIEWED})",
    "disputed": f"IN ({_DISPUTED}) AND {{col}} NOT IN ({_REVIEWED})",
    "awaiting": f"IN ({_DONE}) AND {{col}} NOT IN ({_REVIEWED}) AND {{col}} NOT IN ({_DISPUTED})",
}
"""Each state as a condition to put after an article id column (``{col}`` is that column)."""


def review_layer(reviewer: str) -> str:
    """The name of a reviewer's layer (a name that is one already stays as it is)."""
    return reviewer if is_review_layer(reviewer) else REVIEW_PREFIX + reviewer


def is_review_layer(name: str | None) -> bool:
    return name is not None and name.startswith(REVIEW_PREFIX)


class LayerSpan(NamedTuple):
    """One entity of a layer as the review compares it: offsets, label and link."""

    start: int
    end: int
    label: str
    entity_id: int | None = None

    @property
    def ident(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


class Review:
    """Reads of layers and review states; the decisions of one reviewer in ``layer``, their
    review layer."""

    def __init__(self, cx: Connection, layer: Layer) -> None:
        self.cx = cx
        self.layer = layer
        self.decisions = layer.decisions
        self.log = layer.log

    # -- reads ---------------------------------------------------------------------------

    @property
    def layer_name(self) -> str:
        """The reviewer's layer (``review:NAME``)."""
        return self.layer.name

    def layers(self, article_id: int) -> list[str]:
        """Every annotator (and review layer) with decisions or a status in the article, sorted."""
        return [r[0] for r in self.cx.conn.execute(
            "SELECT annotator FROM spans WHERE article_id = ? UNION "
            "SELECT annotator FROM article_status WHERE article_id = ? ORDER BY 1",
            (article_id, article_id)).fetchall()]

    def done_layer_names(self) -> list[str]:
        """Every layer (annotators and review layers) with at least one article done, sorted."""
        return [r[0] for r in self.cx.conn.execute(
            f"SELECT DISTINCT annotator FROM article_status WHERE status = {DONE} ORDER BY 1").fetchall()]

    def done_annotators(self, article_id: int) -> list[str]:
        """The annotators (not review layers) who marked the article done, sorted."""
        return [r[0] for r in self.cx.conn.execute(
            f"SELECT annotator FROM article_status WHERE article_id = ? AND status = {DONE} AND {NOT_REVIEW} "
            "ORDER BY annotator", (article_id,)).fetchall()]

    def layer_entities(self, article_id: int, layer: str) -> list[LayerSpan]:
        """A layer's entities in the article, in text order: its accepted and corrected spans
        (for :data:`MODEL_LAYER`, the suggestions, one per start, end and label)."""
        if layer == MODEL_LAYER:
            rows = map(Suggestion._make, self.cx.conn.execute(
                f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE article_id = ? AND annotator = ? "
                f"ORDER BY {ORDER_BY_ORIGIN}", (article_id, EVERYONE)).fetchall())
            found = {LayerSpan(s.start, s.end, s.label)
                     for s in undecided_among(shown_to(rows, None, None), set(), set())}
        else:
            found = {LayerSpan(*r) for r in self.cx.conn.execute(
                "SELECT start, end, label, entity_id FROM spans WHERE article_id = ? AND annotator = ? "
                f"AND status IN {GOLD}", (article_id, layer)).fetchall()}
        return sorted(found, key=lambda s: (s.start, -s.end, s.label, s.entity_id or 0))

    def states(self, ids: Sequence[int]) -> dict[int, str]:
        """article id -> "reviewed", "disputed" or "awaiting" (articles in none are left out)."""
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        out: dict[int, str] = {}
        for state in reversed(REVIEW_STATES):  # reviewed last: it wins
            sql = f"SELECT a.id FROM articles a WHERE a.id IN ({marks}) AND a.id " + \
                REVIEW_STATE_SQL[state].format(col="a.id")
            for (article_id,) in self.cx.conn.execute(sql, ids).fetchall():
                out[article_id] = state
        return out

    # -- the reviewer's decisions ----------------------------------------------------------

    def replace(self, article_id: int, start: int, end: int, entities: Sequence[LayerSpan], *,
                       action: Action = Action.REVIEW) -> int:
        """Make the review layer's entities overlapping ``[start, end)`` exactly ``entities``.

        One undo step. Everything else there is decided as not an entity: the layer's other
        spans there are rejected (or deleted, if made by hand) and so are the suggestions
        there, so a reviewed range leaves nothing undecided. Returns the rows changed.
        """
        with self.cx.write():
            grp = self.log.new_group()
            changed = self._replace(grp, action, article_id, start, end, entities)
            if changed:
                self.decisions.touch_article(grp, article_id)
            return changed

    def take(self, article_id: int, start: int, end: int, layer: str) -> int:
        """Take ``layer``'s version of ``[start, end)`` into the review layer (one undo step)."""
        taken = [s for s in self.layer_entities(article_id, layer) if s.start < end and s.end > start]
        return self.replace(article_id, start, end, taken, action=Action.TAKE)

    def take_all(self, article_id: int, ranges: Sequence[tuple[int, int]], layer: str,
                        compared: Sequence[str] = ()) -> int:
        """Take ``layer``'s version of every range (the agreed ones) as one undo step; with
        ``compared``, also reject the suggestions every one of those annotators decided on
        and none of them made an entity of (they agree: not an entity)."""
        entities = self.layer_entities(article_id, layer)
        annotators = [name for name in compared if name != MODEL_LAYER]
        settled = [] if len(annotators) != len(compared) or not annotators else \
            self._rejected_by_all(article_id, annotators)
        with self.cx.write():
            grp = self.log.new_group()
            changed = 0
            for start, end in ranges:
                taken = [s for s in entities if s.start < end and s.end > start]
                changed += self._replace(grp, Action.TAKE_AGREED, article_id, start, end, taken)
            undecided = {s.id for s in self.layer.view.undecided(article_id)}
            for sugg in settled:
                if sugg.id in undecided:
                    self.decisions.decide(Action.TAKE_AGREED, ("suggestion", sugg.id), status="rejected",
                                          grp=grp)
                    undecided -= {s.id for s in settled if (s.start, s.end) == (sugg.start, sugg.end)}
                    changed += 1
            if changed:
                self.decisions.touch_article(grp, article_id)
            return changed

    def _rejected_by_all(self, article_id: int, annotators: Sequence[str]) -> list[Suggestion]:
        """Suggestions every annotator decided on (a span of theirs made from it or at its
        offsets) without making an entity that overlaps them."""
        entities = [s for name in annotators for s in self.layer_entities(article_id, name)]
        rows = list(map(Suggestion._make, self.cx.conn.execute(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE article_id = ? AND annotator = ? "
            f"ORDER BY {ORDER_BY_ORIGIN}", (article_id, EVERYONE)).fetchall()))
        for name in annotators:
            decided = [s for s in self.layer.view.spans(article_id, name) if not s.is_suggestion]
            ids = {s.suggestion_id for s in decided}
            offsets = {(s.start, s.end) for s in decided}
            rows = [s for s in rows if s.id in ids or (s.start, s.end) in offsets]
        return [s for s in rows if not any(e.start < s.end and e.end > s.start for e in entities)]

    def set_status(self, article_id: int, status: str, *, undecided: str | None = None) -> int:
        """Mark the review layer done (or back in progress): ``Decisions.set_article_status``."""
        return self.decisions.set_article_status(article_id, status, undecided=undecided)

    def status(self, article_id: int) -> str:
        """todo, in_progress or done: the review layer's status in the article."""
        return self.layer.view.status(article_id)

    def undo(self) -> UndoResult | None:
        """Undo the reviewer's latest review decision (the review layer has its own undo log)."""
        return self.layer.history.undo()

    def redo(self) -> UndoResult | None:
        return self.layer.history.redo()

    def _replace(self, grp: int, action: Action, article_id: int, start: int, end: int,
                 entities: Sequence[LayerSpan]) -> int:
        """The body of :meth:`review_replace`, inside the layer's write (``self.layer.name`` is it)."""
        conn = self.cx.conn
        self.decisions.article_length(article_id)
        wanted = {s.ident: s for s in entities}
        changed = 0
        rows = conn.execute(
            "SELECT id, start, end, label, status, suggestion_id, entity_id FROM spans "
            "WHERE article_id = ? AND annotator = ? AND start < ? AND end > ? ORDER BY id",
            (article_id, self.layer.name, end, start)).fetchall()
        for rowid, s, e, label, status, suggestion_id, entity_id in rows:
            keep = wanted.pop((s, e, label), None)
            if keep is not None:
                changes: dict[str, object] = {}
                if status not in GOLD_STATUSES:
                    origin = Origin.HUMAN if suggestion_id is None else Origin.MODEL
                    changes["status"] = self.decisions.status_for(origin,
                                                         suggestion_id, s, e, label)
                if keep.entity_id is not None and keep.entity_id != entity_id:
                    changes["entity_id"] = keep.entity_id
                if changes:
                    self.log.update(grp, action, article_id, "spans", rowid, {**changes, "updated_at": now()})
                    changed += 1
            elif suggestion_id is not None:
                if status != "rejected":
                    self.log.update(grp, action, article_id, "spans", rowid,
                                 {"status": "rejected", "updated_at": now()})
                    changed += 1
            else:
                for (tag_id,) in conn.execute("SELECT id FROM tags WHERE span_id = ?", (rowid,)).fetchall():
                    self.log.delete(grp, action, article_id, "tags", tag_id)
                self.log.delete(grp, action, article_id, "spans", rowid)
                changed += 1
        for entity in sorted(wanted.values()):
            changed += self._add_entity(grp, action, article_id, entity)
        taken: set[tuple[int, int]] = set()
        for sugg in self.layer.view.undecided(article_id):  # what is left undecided there: not an entity
            if sugg.start < end and sugg.end > start and (sugg.start, sugg.end) not in taken:
                taken.add((sugg.start, sugg.end))  # one decision there hides the others
                self.decisions.decide(action, ("suggestion", sugg.id), status="rejected", grp=grp)
                changed += 1
        return changed

    def _add_entity(self, grp: int, action: Action, article_id: int, entity: LayerSpan) -> int:
        """One wanted entity: from a suggestion with its offsets and label where there is one
        undecided, else from the layer's own (rejected) span at its offsets, else made by hand."""
        conn = self.cx.conn
        for sugg in self.layer.view.undecided(article_id):
            if (sugg.start, sugg.end, sugg.label) == entity.ident:
                self.decisions.decide(action, ("suggestion", sugg.id), entity_id=entity.entity_id, grp=grp)
                return 1
        stamp = now()
        rowid = conn.execute("SELECT id FROM spans WHERE article_id = ? AND annotator = ? AND start = ? "
                             "AND end = ? ORDER BY id", (article_id, self.layer.name, entity.start,
                                                         entity.end)).fetchone()
        if rowid is not None:
            self.decisions.decide(action, ("span", rowid[0]), label=entity.label, status=None,
                         entity_id=entity.entity_id, grp=grp)
            return 1
        self.decisions.labels.check(entity.label, self.log, grp, action)
        self.log.insert(grp, action, article_id, "spans",
                     {"article_id": article_id, "annotator": self.layer.name, "start": entity.start,
                      "end": entity.end, "label": entity.label, "status": "accepted", "origin": "human",
                      "source": None, "suggestion_id": None, "entity_id": entity.entity_id,
                      "created_at": stamp, "updated_at": stamp})
        return 1
