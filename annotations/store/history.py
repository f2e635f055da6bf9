"""Undo and redo of one layer's decisions, from its event log.

Undo restores the "before" images of the layer's latest group, redo the "after" images of the
group it undid most recently; both work across restarts because the log is in the database.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Action, StepState
from .errors import DecisionError
from .log import EventLog, Image
from .restore import Restorer
from .step_words import StepWords
from .view import View

if TYPE_CHECKING:
    from .connection import Connection

BULK_RESTORE = 50  # events in a group from which undo/redo restores rows set-wise
NAMED_ARTICLES = 20  # a big group over more articles than this names only its first spans:
CHANGED_SPANS_SHOWN = 50  # these many (an UndoResult's cursor goes to the first)


@dataclass(frozen=True)
class ChangedSpan:
    """A span an undo or redo changed, where it is now: ``key`` is what the annotator sees
    at those offsets (their span, or the suggestion back again), None when nothing is left."""

    article_id: int
    start: int
    end: int
    label: str
    key: tuple[str, int] | None


@dataclass(frozen=True)
class UndoResult:
    """What an undo or redo changed, so a front end can refresh those articles and put the
    cursor on the changed spans (in reading order)."""

    action: str  # as logged (an annotations.model.Action, or a name from another version)
    article_ids: tuple[int, ...]
    spans: tuple[ChangedSpan, ...] = ()
    what: str = ""  # the decision in the words it was shown with, and its object (step_words.py)


class History:
    """Undo and redo for the layer of ``log``; ``view`` tells where the changed spans are now."""

    def __init__(self, cx: Connection, log: EventLog, view: View) -> None:
        self.cx = cx
        self.log = log
        self.view = view
        self.restorer = Restorer(cx, log)

    def step_size(self, what: str) -> int:
        """How many rows the next ``what`` ("undo" or "redo") would restore (0: nothing to do)."""
        state, pick = (StepState.DONE, "MAX") if what == "undo" else (StepState.UNDONE, "MIN")
        return self.cx.conn.execute(
            f"SELECT count(*) FROM events WHERE grp = (SELECT {pick}(grp) FROM events "
            "WHERE annotator=? AND state=?)", (self.log.layer, state)).fetchone()[0]

    def undo(self) -> UndoResult | None:
        """Revert the annotator's latest decision; None when there is nothing to undo."""
        return self._step(StepState.DONE, StepState.UNDONE, "MAX", reverse=True)

    def redo(self) -> UndoResult | None:
        """Re-apply the decision most recently undone; None when there is nothing to redo."""
        return self._step(StepState.UNDONE, StepState.DONE, "MIN", reverse=False)

    def _step(self, from_state: str, to_state: str, pick: str, *, reverse: bool) -> UndoResult | None:
        conn = self.cx.conn
        with self.cx.write():
            grp = conn.execute(f"SELECT {pick}(grp) FROM events WHERE annotator=? AND state=?",
                               (self.log.layer, from_state)).fetchone()[0]
            if grp is None:
                return None
            order = f"ORDER BY id {'DESC' if reverse else 'ASC'}"
            # A bulk decision: its span rows are put back in a few statements (bulk.py), and only
            # its other rows and the spans an UndoResult names are read here (all of them when
            # they are in a few articles, else the first ones: 10,000 articles are not re-read).
            spans, rows, articles = conn.execute(
                "SELECT count(*), count(DISTINCT row_id), count(DISTINCT article_id) FROM events "
                "WHERE grp=? AND tbl='spans'", (grp,)).fetchone()
            span_articles = articles
            setwise = spans > BULK_RESTORE and spans == rows  # each span row once: one image each
            if setwise:
                self.restorer.restore_spans_setwise(grp, reverse)
            events = conn.execute(
                "SELECT id, action, article_id, tbl, row_id, before, after FROM events WHERE grp=? "
                + ("AND tbl != 'spans' " if setwise else "") + order, (grp,)).fetchall()
            if setwise:
                events += conn.execute(
                    "SELECT id, action, article_id, tbl, row_id, before, after FROM events WHERE grp=? AND "
                    f"tbl = 'spans' {order} LIMIT ?",
                    (grp, -1 if articles <= NAMED_ARTICLES else CHANGED_SPANS_SHOWN)).fetchall()
            group_rows = {(e[3], e[4]) for e in events}  # setwise: its spans are put back already
            images = [(table, rowid, None if before is None else json.loads(before),
                       None if after is None else json.loads(after))
                      for _, _, _, table, rowid, before, after in events]
            # Rows the group inserted: on undo, one still in use elsewhere stays as it is (an entity
            # another span links to), with the changes the group made to it; a row that was there
            # before the group (an entity it relabelled) is put back whoever uses it.
            inserted = {(table, rowid) for table, rowid, before, _ in images if before is None}
            rest = [image for image in images if not (setwise and image[0] == "spans")]
            try:
                if len({(t, r) for t, r, _, _ in rest}) == len(rest) and len(rest) > BULK_RESTORE:
                    self.restorer.restore_set_wise(rest, group_rows, reverse, inserted)
                else:
                    for table, rowid, before, after in rest:
                        if (reverse and (table, rowid) in inserted
                                and self.restorer.in_use_by_others(table, rowid, group_rows, after)):
                            continue
                        if reverse:
                            self.restorer.restore(table, rowid, before, after)
                        else:
                            self.restorer.restore(table, rowid, after, before)
            except sqlite3.IntegrityError as exc:
                what = "undo" if reverse else "redo"
                raise DecisionError(f"cannot {what} this decision: it conflicts with a later change "
                                    f"({exc})") from exc
            conn.execute("UPDATE events SET state=? WHERE grp=?", (to_state, grp))
            articles = tuple(sorted({e[2] for e in events if e[2] is not None} | (
                {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM events WHERE grp=? AND "
                                            "article_id IS NOT NULL", (grp,))} if setwise else set())))
            logged = events[::-1] if reverse else events  # named by its first logged action
            action = next((e[1] for e in logged if e[1] != Action.START), logged[0][1])
            what = StepWords(conn, action, images, spans=spans, articles=span_articles).describe()
            return UndoResult(action=action, article_ids=articles, spans=self._changed_spans(images),
                              what=what)

    def _changed_spans(self, images: list[tuple[str, int, Image | None, Image | None]]
                       ) -> tuple[ChangedSpan, ...]:
        """Where the spans (and span tags) of a group are after an undo or redo, in reading order."""
        places: dict[tuple[int, int, int], tuple[str, tuple[str, int] | None]] = {}
        for table, rowid, before, after in images:
            image = after or before
            assert image is not None  # an event holds at least one image
            if table == "tags" and image.get("span_id") is not None:
                table, rowid, image = "spans", image["span_id"], None
            elif table == "tags" and image.get("suggestion_id") is not None:
                row = self.log.snapshot("suggestions", image["suggestion_id"])
                if row is not None:
                    places.setdefault((row["article_id"], row["start"], row["end"]),
                                      (row["label"], ("suggestion", row["id"])))
                continue
            if table != "spans":
                continue
            row = self.log.snapshot("spans", rowid)
            if row is not None:
                key = ("span", rowid)
            else:
                row = image or next((b or a for t, r, b, a in images if (t, r) == ("spans", rowid)), None)
                if row is None:
                    continue
                key = None
                if row["suggestion_id"] is not None:  # the suggestion is back, where it was
                    suggestion = self.log.snapshot("suggestions", row["suggestion_id"])
                    row, key = suggestion or row, ("suggestion", row["suggestion_id"])
            places[(row["article_id"], row["start"], row["end"])] = (row["label"], key)
        out = []
        for article_id in sorted({a for a, _, _ in places}):
            mine = sorted((s, e) for a, s, e in places if a == article_id)
            seen: dict[tuple[int, int], list] = {}
            within = (mine[0][0], max(e for _, e in mine))
            for s in self.view.spans(article_id, self.log.layer, within=within):
                seen.setdefault((s.start, s.end), []).append(s)
            for start, end in mine:
                label, key = places[(article_id, start, end)]
                there = seen.get((start, end), [])
                found = (next((s for s in there if s.key == key), None)
                         or next((s for s in there if s.label == label), None)
                         or (there[0] if there else None))
                out.append(ChangedSpan(article_id, start, end, found.label if found else label,
                                       found.key if found else None))
        return tuple(out)
