"""Decisions: every change a layer makes, committed and logged for undo.

Each public method here is one ``BEGIN IMMEDIATE`` transaction that changes the layer's own
rows (and shared ones: labels, entities, aliases) and logs them in its event log
(:mod:`annotations.store.log`), so that undo and redo (:mod:`.history`) can replay them. The
building blocks (:meth:`Decisions.decide`, :meth:`Decisions.touch_article`, ...) are public for
the review, which decides in a reviewer's layer through that layer's Decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import valid_label
from ..model import Action, ArticleStatus, Span
from ..text import fold
from .db import now
from .errors import DecisionError
from .forms import folded_at
from .labels import Labels
from .log import EventLog
from .undecided import Suggestion
from .view import View

if TYPE_CHECKING:
    from .connection import Connection

SpanKey = tuple[str, int]
SPAN_COLUMNS = ("article_id", "annotator", "start", "end", "label", "status", "origin", "source",
                "suggestion_id", "entity_id", "folded", "created_at", "updated_at")
BULK_DECISIONS = ("accept", "reject")  # what can be done with all undecided suggestions at once


class Decisions:
    """The decisions of the layer of ``log`` (an annotator, or a reviewer's layer)."""

    def __init__(self, cx: Connection, log: EventLog, labels: Labels, view: View) -> None:
        self.cx = cx
        self.log = log
        self.labels = labels
        self.view = view
        self.layer = log.layer

    def touch_article(self, grp: int, article_id: int) -> None:
        """The first decision in an article marks it in progress for this annotator."""
        if not self.cx.conn.execute("SELECT 1 FROM article_status WHERE article_id=? AND annotator=?",
                                    (article_id, self.layer)).fetchone():
            self.log.insert(grp, Action.START, article_id, "article_status",
                         {"article_id": article_id, "annotator": self.layer,
                          "status": "in_progress", "updated_at": now()})

    # -- lookups ---------------------------------------------------------------

    def article_length(self, article_id: int) -> int:
        row = self.cx.conn.execute("SELECT length FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            raise DecisionError(f"no article with id {article_id}")
        return row[0]

    def check_offsets(self, article_id: int, start: int, end: int) -> None:
        length = self.article_length(article_id)
        if not (0 <= start < end <= length):
            raise DecisionError(f"span {start}-{end} is outside article {article_id} (0-{length})")

    def suggestion(self, suggestion_id: int) -> dict:
        row = self.log.snapshot("suggestions", suggestion_id)
        if row is None:
            raise DecisionError(f"no suggestion with id {suggestion_id}")
        return row

    def own_span_row(self, key: SpanKey) -> dict | None:
        """The annotator's span row for a key (a suggestion they already decided on, or a span)."""
        kind, ident = key
        if kind == "span":
            row = self.log.snapshot("spans", ident)
            if row is None or row["annotator"] != self.layer:
                raise DecisionError(f"no span {ident} of annotator {self.layer!r}")
            return row
        if kind != "suggestion":
            raise DecisionError(f"bad span key {key!r}")
        self.suggestion(ident)
        rowid = self.cx.conn.execute("SELECT id FROM spans WHERE suggestion_id=? AND annotator=?",
                                     (ident, self.layer)).fetchone()
        return self.log.snapshot("spans", rowid[0]) if rowid else None

    def status_for(self, origin: str, suggestion_id: int | None, start: int, end: int, label: str) -> str:
        if origin in ("human", "import") or suggestion_id is None:
            return "accepted"
        sugg = self.log.snapshot("suggestions", suggestion_id)
        if sugg and (sugg["start"], sugg["end"], sugg["label"]) == (start, end, label):
            return "accepted"
        return "corrected"

    def decide(self, action: Action, key: SpanKey, *, start: int | None = None, end: int | None = None,
                label: str | None = None, status: str | None = None, entity_id: int | None = None,
                grp: int | None = None) -> Span:
        """Shared body of accept/reject/relabel/resize/link on a suggestion or a span."""
        row = self.own_span_row(key)
        if row is None:  # first decision on a suggestion: the annotator's own copy of it
            sugg = self.suggestion(key[1])
            article_id = sugg["article_id"]
            base = {"start": sugg["start"], "end": sugg["end"], "label": sugg["label"],
                    "origin": sugg["origin"], "source": sugg["source"], "suggestion_id": sugg["id"],
                    "entity_id": None, "folded": sugg["folded"]}
        else:
            article_id = row["article_id"]
            base = {k: row[k] for k in ("start", "end", "label", "origin", "source",
                                        "suggestion_id", "entity_id", "folded")}
        new = dict(base)
        grp = grp or self.log.new_group()
        if start is not None:
            assert end is not None  # boundaries come in pairs
            new["start"], new["end"] = start, end
            self.check_offsets(article_id, start, end)
            new["folded"] = folded_at(self.cx.conn, article_id, start, end)
        if label is not None:
            self.labels.check(label, self.log, grp, action)
            new["label"] = label
        if entity_id is not None:
            new["entity_id"] = entity_id
        new["status"] = status or self.status_for(new["origin"], new["suggestion_id"],
                                                    new["start"], new["end"], new["label"])
        self.touch_article(grp, article_id)
        stamp = now()
        if row is None:
            rowid = self.log.insert(grp, action, article_id, "spans",
                                 {"article_id": article_id, "annotator": self.layer, **new,
                                  "created_at": stamp, "updated_at": stamp})
        else:
            rowid = row["id"]
            changes = {k: v for k, v in new.items() if row[k] != v}
            if changes:
                self.log.update(grp, action, article_id, "spans", rowid, {**changes, "updated_at": stamp})
        return self.view.span_row(rowid)

    # -- decisions on spans ------------------------------------------------------

    def accept(self, key: SpanKey) -> Span:
        """Accept a suggestion (or re-accept a rejected span) as it stands."""
        with self.cx.write():
            return self.decide(Action.ACCEPT, key, status=None)

    def reject(self, key: SpanKey) -> Span:
        """Mark a suggestion or span as not an entity."""
        with self.cx.write():
            return self.decide(Action.REJECT, key, status="rejected")

    def relabel(self, key: SpanKey, label: str) -> Span:
        """Give a span another label (added to the scheme if new); this also accepts it."""
        with self.cx.write():
            return self.decide(Action.RELABEL, key, label=label)

    def resize(self, key: SpanKey, start: int, end: int) -> Span:
        """Move a span's boundaries; this also accepts it."""
        with self.cx.write():
            return self.decide(Action.RESIZE, key, start=start, end=end)

    def create_span(self, article_id: int, start: int, end: int, label: str) -> Span:
        """A span the annotator made by hand."""
        with self.cx.write():
            self.check_offsets(article_id, start, end)
            existing = self.cx.conn.execute(
                "SELECT id FROM spans WHERE article_id=? AND annotator=? AND start=? AND end=? AND label=?",
                (article_id, self.layer, start, end, label)).fetchone()
            if existing:
                return self.decide(Action.CREATE, ("span", existing[0]), status="accepted")
            grp = self.log.new_group()
            self.labels.check(label, self.log, grp, Action.CREATE)
            self.touch_article(grp, article_id)
            stamp = now()
            rowid = self.log.insert(grp, Action.CREATE, article_id, "spans",
                                 {"article_id": article_id, "annotator": self.layer,
                                  "start": start, "end": end, "label": label, "status": "accepted",
                                  "origin": "human", "source": None, "suggestion_id": None,
                                  "entity_id": None,
                                  "folded": folded_at(self.cx.conn, article_id, start, end),
                                  "created_at": stamp, "updated_at": stamp})
            return self.view.span_row(rowid)

    def delete_span(self, key: SpanKey) -> None:
        """Delete the annotator's span (with its tags); on a suggestion this rejects it."""
        with self.cx.write():
            if key[0] == "suggestion" and self.own_span_row(key) is None:
                self.decide(Action.DELETE, key, status="rejected")  # named as decided: undo "delete"
                return
            row = self.own_span_row(key)
            assert row is not None  # a span key, or a suggestion decided on (checked above)
            grp = self.log.new_group()
            tag_ids = self.cx.conn.execute("SELECT id FROM tags WHERE span_id=? ORDER BY id",
                                           (row["id"],)).fetchall()
            for (tag_id,) in tag_ids:
                self.log.delete(grp, Action.DELETE, row["article_id"], "tags", tag_id)
            if row["suggestion_id"] is not None:
                # Deleting a decided suggestion would only bring the suggestion back: reject it.
                self.log.update(grp, Action.DELETE, row["article_id"], "spans", row["id"],
                             {"status": "rejected", "updated_at": now()})
            else:
                self.log.delete(grp, Action.DELETE, row["article_id"], "spans", row["id"])

    def decide_all(self, article_id: int, how: str) -> int:
        """Accept or reject (``how``) every suggestion still undecided in the article, as one
        undo step. Returns how many were decided."""
        with self.cx.write():
            return self.decide_undecided(article_id, how, self.log.new_group())

    def accept_all(self, article_id: int) -> int:
        """Accept every suggestion still undecided in the article; one undo step. Returns the count."""
        return self.decide_all(article_id, "accept")

    def reject_all(self, article_id: int) -> int:
        """Reject every suggestion still undecided in the article; one undo step. Returns the count."""
        return self.decide_all(article_id, "reject")

    def decide_undecided(self, article_id: int, how: str, grp: int, *, as_if_open: bool = False) -> int:
        """The shared body of the bulk decisions, in group ``grp``.

        Where suggestions disagree on the label of the same offsets, one is
        decided (memory, then rules, then model), as a single decision there
        hides the others. ``as_if_open``: the suggestions an article not done shows
        (while it is being marked done).
        """
        if how not in BULK_DECISIONS:
            raise DecisionError(f"undecided suggestions are accepted or rejected, not {how!r}")
        self.article_length(article_id)
        taken: dict[tuple[int, int], Suggestion] = {}
        undecided = self.view.rule.by_article({article_id: self.layer}, as_if_open=as_if_open)
        for sugg in undecided.get(article_id, ()):  # the rule's order: memory, rules, model
            taken.setdefault((sugg.start, sugg.end), sugg)
        if not taken:
            return 0
        # Undecided means the annotator has no span there yet: each becomes a new span row, as
        # _decide would make it (accepted as suggested, or rejected), written set-wise.
        self.touch_article(grp, article_id)
        status = "rejected" if how == "reject" else "accepted"
        stamp = now()
        text = self.cx.conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()[0]
        rows = [(article_id, self.layer, s.start, s.end, s.label, status, s.origin, s.source, s.id,
                 None, fold(text[s.start:s.end]), stamp, stamp) for s in taken.values()]
        action = Action.ACCEPT_ALL if how == "accept" else Action.REJECT_ALL
        self.log.insert_many(grp, action, article_id, "spans", SPAN_COLUMNS, rows)
        return len(taken)

    # -- entities --------------------------------------------------------------------

    def link(self, key: SpanKey, entity: str | int, *, kb_id: str | None = None) -> Span:
        """Link a span to an entity (by id, or by name: found or created); accepts it too.

        The span's surface form becomes an alias of the entity, so other
        spellings (Avril Haine, Avril Hainse) can be linked to one identity.
        """
        with self.cx.write():
            grp = self.log.new_group()
            if isinstance(entity, int):
                if not self.log.snapshot("entities", entity):
                    raise DecisionError(f"no entity with id {entity}")
                entity_id = entity
            else:
                name = " ".join(str(entity).split())
                if not name:
                    raise DecisionError("an entity needs a name")
                found = self.cx.conn.execute("SELECT id FROM entities WHERE name=? ORDER BY id",
                                             (name,)).fetchone()
                if found:
                    entity_id = found[0]
                else:
                    if kb_id is not None and self.cx.conn.execute(
                            "SELECT 1 FROM entities WHERE kb_id=?", (kb_id,)).fetchone():
                        raise DecisionError(f"knowledge-base id {kb_id!r} already belongs to another "
                                            "entity; link to that entity instead")
                    entity_id = self.log.insert(grp, Action.LINK, None, "entities",
                                             {"name": name, "label": None, "kb_id": kb_id,
                                              "created_at": now()})
            span = self.decide(Action.LINK, key, entity_id=entity_id, grp=grp)
            assert span.span_id is not None  # a decision makes the layer's own span
            if (self.log.snapshot("entities", entity_id) or {}).get("label") is None:
                self.log.update(grp, Action.LINK, span.article_id, "entities", entity_id,
                                {"label": span.label})
            surface = self.cx.conn.execute(
                "SELECT substr(text, ?, ?) FROM articles WHERE id=?",
                (span.start + 1, span.end - span.start, span.article_id)).fetchone()[0]
            if not self.cx.conn.execute("SELECT 1 FROM aliases WHERE entity_id=? AND folded=?",
                                        (entity_id, fold(surface))).fetchone():
                if not self.cx.conn.execute("SELECT 1 FROM events WHERE grp=? AND tbl='spans' AND row_id=?",
                                            (grp, span.span_id)).fetchone():
                    # The span was already linked (e.g. linked again after a resize): log it in
                    # this group too, so undo knows the new alias belongs to this decision.
                    self.log.update(grp, Action.LINK, span.article_id, "spans", span.span_id,
                                    {"updated_at": now()})
                self.log.insert(grp, Action.LINK, span.article_id, "aliases",
                             {"entity_id": entity_id, "alias": surface, "folded": fold(surface)})
            return span

    def unlink(self, key: SpanKey) -> Span:
        with self.cx.write():
            row = self.own_span_row(key)
            if row is None or row["entity_id"] is None:
                raise DecisionError("this span is not linked to an entity")
            grp = self.log.new_group()
            self.log.update(grp, Action.UNLINK, row["article_id"], "spans", row["id"],
                         {"entity_id": None, "updated_at": now()})
            return self.view.span_row(row["id"])

    # -- articles ----------------------------------------------------------------------

    def set_article_status(self, article_id: int, status: str, *, undecided: str | None = None) -> int:
        """Mark an article done (or back in progress) for this annotator.

        ``undecided`` ("accept" or "reject") also decides the suggestions still
        undecided, in the same undo step; left undecided, they stay unknown
        (never "not an entity"). Returns how many suggestions were decided.
        """
        if status not in ("in_progress", "done"):
            raise DecisionError(f"article status must be in_progress or done, not {status!r}")
        if undecided is not None and undecided not in BULK_DECISIONS:
            raise DecisionError(f"undecided suggestions are accepted or rejected, not {undecided!r}")
        with self.cx.write():
            self.article_length(article_id)
            grp = self.log.new_group()
            row = self.cx.conn.execute("SELECT rowid, status FROM article_status WHERE article_id=? "
                                       "AND annotator=?", (article_id, self.layer)).fetchone()
            was_done = row is not None and row[1] == ArticleStatus.DONE
            if row and row[1] != status:
                self.log.update(grp, Action(status), article_id, "article_status", row[0],
                             {"status": status, "updated_at": now()})
            elif not row:
                self.log.insert(grp, Action(status), article_id, "article_status",
                             {"article_id": article_id, "annotator": self.layer,
                              "status": status, "updated_at": now()})
            # The status is logged first, so the group's undo names it ("undo done").
            decided = (self.decide_undecided(article_id, undecided, grp, as_if_open=not was_done)
                       if undecided else 0)
            if was_done != (status == ArticleStatus.DONE):
                self._hold_undecided(grp, article_id, status, as_if_open=not was_done)
            return decided

    def _hold_undecided(self, grp: int, article_id: int, status: str, *, as_if_open: bool) -> None:
        """What a done layer is shown of the suggestions: those it left undecided when it marked
        the article done, nothing added since (:mod:`.undecided`). Logged, so undo and redo
        follow the status; back in progress, the layer sees every suggestion again."""
        conn = self.cx.conn
        held = conn.execute("SELECT id FROM undecided_at_done WHERE article_id=? AND annotator=?",
                            (article_id, self.layer)).fetchall()
        self.log.delete_many(grp, Action(status), article_id, "undecided_at_done", [r[0] for r in held])
        if status != ArticleStatus.DONE:
            return
        left = self.view.rule.by_article({article_id: self.layer}, as_if_open=as_if_open)
        rows = [(article_id, self.layer, s.id) for s in left.get(article_id, ())]
        if rows:
            self.log.insert_many(grp, Action(status), article_id, "undecided_at_done",
                              ("article_id", "annotator", "suggestion_id"), rows)

    # -- decisions on entities and conflicts -------------------------------------------

    def set_entity_label(self, entity_id: int, label: str) -> None:
        """Give an entity another label (one undoable decision); its mentions keep theirs."""
        if not valid_label(label):
            raise DecisionError(f"{label!r} is not a valid label (a letter, then letters, digits, _ or -)")
        with self.cx.write():
            row = self.log.snapshot("entities", entity_id)
            if row is None:
                raise DecisionError(f"no entity with id {entity_id}")
            if row["label"] != label:
                grp = self.log.new_group()
                self.labels.check(label, self.log, grp, Action.ENTITY_LABEL)
                self.log.update(grp, Action.ENTITY_LABEL, None, "entities", entity_id, {"label": label})

    def dismiss_conflict(self, kind: str, key: str) -> bool:
        """Say a conflict is no conflict ("two different people"); undoable. False if it was already."""
        with self.cx.write():
            if self.cx.conn.execute(
                    "SELECT 1 FROM dismissed_conflicts WHERE annotator=? AND kind=? AND key=?",
                    (self.layer, kind, key)).fetchone():
                return False
            self.log.insert(self.log.new_group(), Action.DISMISS_CONFLICT, None, "dismissed_conflicts",
                         {"annotator": self.layer, "kind": kind, "key": key, "created_at": now()})
            return True
