"""The event log: logged row changes, and undo and redo built on them.

Every decision appends the before and after image of each row it changes to
``events`` under one group number. Undo restores the "before" images of the
annotator's latest group, redo the "after" images; both work across restarts
because the log is in the database. Row ids are never reused (schema
migration 3), so an image always lands on the row it was taken from.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..text import fold
from .db import now
from .forms import MENTION_TABLES
from .part import StorePart

BULK_RESTORE = 50  # events in a group from which undo/redo restores rows set-wise


class DecisionError(ValueError):
    """A decision that cannot be made (bad offsets, unknown span, bad label)."""


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

    action: str
    article_ids: tuple[int, ...]
    spans: tuple[ChangedSpan, ...] = ()


NAMED_ARTICLES = 20  # a big group over more articles than this names only its first spans:
CHANGED_SPANS_SHOWN = 50  # these many (an UndoResult's cursor goes to the first)


class EventLogMixin(StorePart):
    """Logged row changes (call inside ``self.write()``), undo and redo."""

    def _new_group(self) -> int:
        """The group number for the next decision (the redo branch is dropped at its first event)."""
        return self.db.conn.execute("SELECT COALESCE(MAX(grp), 0) + 1 FROM events").fetchone()[0]

    def _snapshot(self, table: str, rowid: int) -> dict | None:
        cur = self.db.conn.execute(f"SELECT * FROM {table} WHERE rowid=?", (rowid,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row, strict=True))

    def _log(self, grp: int, action: str, article_id: int | None, table: str, rowid: int,
             before: dict | None, after: dict | None) -> None:
        if not self.db.conn.execute("SELECT 1 FROM events WHERE grp=? LIMIT 1", (grp,)).fetchone():
            # A decision that changes something discards what could be redone; a no-op does not.
            self.db.conn.execute("UPDATE events SET state='discarded' WHERE annotator=? AND state='undone'",
                                 (self.annotator,))
        self.db.conn.execute(
            "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (now(), self.annotator, action, article_id, grp, table, rowid,
             None if before is None else json.dumps(before),
             None if after is None else json.dumps(after)))

    # The row writes below build their statements by hand rather than call sqlite-utils'
    # table.insert/update/delete: measured here inside one open transaction, those cost 60-74 us
    # per insert (5-6x) and ~100 us per update (30x: each call reads the table's columns), and a
    # decision makes three to six such writes on the path to "saved" (its commit is ~0.6 ms).
    # sqlite-utils keeps the jobs it fits: the connection wrapper, atomic() savepoints, query(),
    # and the FTS index (schema.py). Table and column names come from this module only.

    def _insert(self, grp: int, action: str, article_id: int | None, table: str, values: dict) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.db.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values()))
        rowid = cur.lastrowid
        self._log(grp, action, article_id, table, rowid, None, self._snapshot(table, rowid))
        return rowid

    def _insert_many(self, grp: int, action: str, article_id: int | None, table: str,
                     columns: tuple[str, ...], rows: list[tuple]) -> list[int]:
        """Insert and log many rows in one go (a bulk decision: accept all, reject all).

        Set-wise: one executemany, one read of the new rows, one executemany into the log
        (19,762 accepts took 3.5 s one by one). Inside our write transaction nobody else
        inserts, so the new rows are those past the table's last id.
        """
        conn = self.db.conn
        last = conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cur = conn.execute(f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid", (last,))
        names = [c[0] for c in cur.description][1:]
        images = [(row[0], dict(zip(names, row[1:], strict=True))) for row in cur.fetchall()]
        self._log_many(grp, action, article_id, table, [(rowid, None, image) for rowid, image in images])
        return [rowid for rowid, _ in images]

    def _log_many(self, grp: int, action: str, article_id: int | None, table: str,
                  changes: list[tuple[int, dict | None, dict | None]]) -> None:
        """Log (rowid, before, after) for many rows of one table, as :meth:`_log` does one."""
        if not changes:
            return
        first_row, first_before, first_after = changes[0]
        self._log(grp, action, article_id, table, first_row, first_before, first_after)  # discards redo
        stamp = now()
        self.db.conn.executemany(
            "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(stamp, self.annotator, action, article_id, grp, table, rowid,
              None if before is None else json.dumps(before), None if after is None else json.dumps(after))
             for rowid, before, after in changes[1:]])

    def _delete_many(self, grp: int, action: str, article_id: int | None, table: str,
                     rowids: list[int]) -> None:
        """Delete and log many rows of one table in one go (their images read in one query)."""
        if not rowids:
            return
        conn = self.db.conn
        ids = json.dumps(rowids)
        cur = conn.execute(f"SELECT rowid, * FROM {table} WHERE rowid IN (SELECT value FROM json_each(?)) "
                           "ORDER BY rowid", (ids,))
        names = [c[0] for c in cur.description][1:]
        images = [(row[0], dict(zip(names, row[1:], strict=True)), None) for row in cur.fetchall()]
        conn.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each(?))", (ids,))
        self._log_many(grp, action, article_id, table, images)

    def _update(self, grp: int, action: str, article_id: int | None, table: str, rowid: int,
                changes: dict) -> None:
        before = self._snapshot(table, rowid)
        sets = ", ".join(f"{col}=?" for col in changes)
        self.db.conn.execute(f"UPDATE {table} SET {sets} WHERE rowid=?", (*changes.values(), rowid))
        self._log(grp, action, article_id, table, rowid, before, self._snapshot(table, rowid))

    def _delete(self, grp: int, action: str, article_id: int | None, table: str, rowid: int) -> None:
        before = self._snapshot(table, rowid)
        self.db.conn.execute(f"DELETE FROM {table} WHERE rowid=?", (rowid,))
        self._log(grp, action, article_id, table, rowid, before, None)

    def _restore(self, table: str, rowid: int, image: dict | None, expected: dict | None) -> None:
        """Put one row back to ``image``, where it still holds ``expected`` (the other image).

        Only columns still holding the value the decision wrote are changed, so
        a later change by someone else to a shared row (an entity) is kept.
        """
        conn = self.db.conn
        if table == "labels":
            self._restore_label(rowid, image, expected)
            return
        current = self._snapshot(table, rowid)
        if image is None:
            if current is not None:
                conn.execute(f"DELETE FROM {table} WHERE rowid=?", (rowid,))
        elif current is not None:
            if expected is None:
                return  # redo of an insert whose row was kept (an entity still in use)
            changes = {col: value for col, value in image.items()
                       if col in current and current[col] == expected.get(col) and current[col] != value}
            if changes:
                sets = ", ".join(f"{col}=?" for col in changes)
                conn.execute(f"UPDATE {table} SET {sets} WHERE rowid=?", (*changes.values(), rowid))
        else:
            values = image if "id" in image else {"rowid": rowid, **image}
            cols = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values()))
        if table in MENTION_TABLES and image is not None and "folded" not in image:
            # An image logged before the folded form was stored: recomputed on read (forms.py).
            conn.execute(f"UPDATE {table} SET folded = NULL WHERE rowid=?", (rowid,))

    def _restore_set_wise(self, images: list[tuple[str, int, dict | None, dict | None]],
                          group_rows: set[tuple[str, int]], reverse: bool,
                          inserted: set[tuple[str, int]]) -> None:
        """:meth:`_restore` for a big group whose events touch each row once, a table at a time
        in the order the events meet them: one read of the current rows and a few executemany
        (undoing 19,762 accepts took 4.3 s row by row). Shared rows (labels, entities, aliases)
        keep the row-by-row path, with its checks."""
        by_table: dict[str, list[tuple[int, dict | None, dict | None]]] = {}
        for table, rowid, before, after in images:
            image, expected = (before, after) if reverse else (after, before)
            by_table.setdefault(table, []).append((rowid, image, expected))
        for table, items in by_table.items():
            if table in ("labels", "entities", "aliases"):
                for rowid, image, expected in items:
                    if not (reverse and (table, rowid) in inserted
                            and self._in_use_by_others(table, rowid, group_rows, expected)):
                        self._restore(table, rowid, image, expected)
                continue
            self._restore_rows(table, items)

    def _restore_rows(self, table: str, items: list[tuple[int, dict | None, dict | None]]) -> None:
        conn = self.db.conn
        cur = conn.execute(f"SELECT rowid, * FROM {table} WHERE rowid IN (SELECT value FROM json_each(?))",
                           (json.dumps([rowid for rowid, _, _ in items]),))
        names = [c[0] for c in cur.description][1:]
        current = {row[0]: dict(zip(names, row[1:], strict=True)) for row in cur.fetchall()}
        deletes: list[tuple[int]] = []
        updates: dict[tuple[str, ...], list[tuple]] = {}
        inserts: dict[tuple[str, ...], list[tuple]] = {}
        for rowid, image, expected in items:
            row = current.get(rowid)
            if image is None:
                if row is not None:
                    deletes.append((rowid,))
            elif row is not None:
                if expected is None:
                    continue
                changes = {col: value for col, value in image.items()
                           if col in row and row[col] == expected.get(col) and row[col] != value}
                if changes:
                    updates.setdefault(tuple(changes), []).append((*changes.values(), rowid))
            else:
                values = image if "id" in image else {"rowid": rowid, **image}
                inserts.setdefault(tuple(values), []).append(tuple(values.values()))
        conn.executemany(f"DELETE FROM {table} WHERE rowid=?", deletes)
        for cols, rows in updates.items():
            conn.executemany(f"UPDATE {table} SET {', '.join(f'{c}=?' for c in cols)} WHERE rowid=?", rows)
        for cols, rows in inserts.items():
            marks = ", ".join("?" for _ in cols)
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)

    def _restore_label(self, rowid: int, image: dict | None, expected: dict | None) -> None:
        """Labels are known by name (a label's rowid can be handed out again): undo of a
        decision that added one removes it by name, redo adds it back where it is missing."""
        conn = self.db.conn
        if image is None:
            conn.execute("DELETE FROM labels WHERE name=?", (expected["name"],))
            return
        if conn.execute("SELECT 1 FROM labels WHERE name=?", (image["name"],)).fetchone():
            return
        position = image["position"]
        if conn.execute("SELECT 1 FROM labels WHERE position=?", (position,)).fetchone():
            position = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
        free = not conn.execute("SELECT 1 FROM labels WHERE rowid=?", (rowid,)).fetchone()
        conn.execute("INSERT INTO labels(rowid, name, position) VALUES (?, ?, ?)",
                     (rowid if free else None, image["name"], position))

    def _in_use_by_others(self, table: str, rowid: int, group_rows: set[tuple[str, int]],
                          image: dict | None = None) -> bool:
        """Whether undo must leave a shared row alone because something outside the group uses it.

        An entity is used by any span or alias linking to it; an alias by a
        linked span with that surface form; a label (``image``: the row the
        decision added) by any span or suggestion, the group's own spans being
        restored before it. Other tables hold one annotator's rows.
        """
        conn = self.db.conn
        if table == "labels":
            name = (image or {}).get("name")
            return bool(conn.execute(
                "SELECT 1 FROM spans WHERE label=? UNION ALL SELECT 1 FROM suggestions WHERE label=? "
                "LIMIT 1", (name, name)).fetchone())
        if table == "entities":
            users = [("spans", r[0]) for r in conn.execute(
                "SELECT id FROM spans WHERE entity_id=?", (rowid,)).fetchall()]
            users += [("aliases", r[0]) for r in conn.execute(
                "SELECT id FROM aliases WHERE entity_id=?", (rowid,)).fetchall()]
            return any(user not in group_rows for user in users)
        if table == "aliases":
            alias = self._snapshot("aliases", rowid)
            if alias is None:
                return False
            linked = conn.execute(
                "SELECT s.id, substr(a.text, s.start + 1, s.end - s.start) FROM spans s "
                "JOIN articles a ON a.id = s.article_id WHERE s.entity_id=?",
                (alias["entity_id"],)).fetchall()
            return any(("spans", span_id) not in group_rows and fold(surface) == alias["folded"]
                       for span_id, surface in linked)
        return False

    # -- undo / redo ---------------------------------------------------------------------

    def step_size(self, what: str) -> int:
        """How many rows the next ``what`` ("undo" or "redo") would restore (0: nothing to do)."""
        state, pick = ("done", "MAX") if what == "undo" else ("undone", "MIN")
        return self.db.conn.execute(
            f"SELECT count(*) FROM events WHERE grp = (SELECT {pick}(grp) FROM events "
            "WHERE annotator=? AND state=?)", (self.annotator, state)).fetchone()[0]

    def undo(self) -> UndoResult | None:
        """Revert the annotator's latest decision; None when there is nothing to undo."""
        return self._step("done", "undone", "MAX", reverse=True)

    def redo(self) -> UndoResult | None:
        """Re-apply the decision most recently undone; None when there is nothing to redo."""
        return self._step("undone", "done", "MIN", reverse=False)

    def _step(self, from_state: str, to_state: str, pick: str, *, reverse: bool) -> UndoResult | None:
        conn = self.db.conn
        with self.write():
            grp = conn.execute(f"SELECT {pick}(grp) FROM events WHERE annotator=? AND state=?",
                               (self.annotator, from_state)).fetchone()[0]
            if grp is None:
                return None
            order = f"ORDER BY id {'DESC' if reverse else 'ASC'}"
            # A bulk decision: its span rows are put back in a few statements (bulk.py), and only
            # its other rows and the spans an UndoResult names are read here (all of them when
            # they are in a few articles, else the first ones: 10,000 articles are not re-read).
            spans, rows, articles = conn.execute(
                "SELECT count(*), count(DISTINCT row_id), count(DISTINCT article_id) FROM events "
                "WHERE grp=? AND tbl='spans'", (grp,)).fetchone()
            setwise = spans > BULK_RESTORE and spans == rows  # each span row once: one image each
            if setwise:
                self._restore_setwise(grp, reverse)
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
                    self._restore_set_wise(rest, group_rows, reverse, inserted)
                else:
                    for table, rowid, before, after in rest:
                        if (reverse and (table, rowid) in inserted
                                and self._in_use_by_others(table, rowid, group_rows, after)):
                            continue
                        if reverse:
                            self._restore(table, rowid, before, after)
                        else:
                            self._restore(table, rowid, after, before)
            except sqlite3.IntegrityError as exc:
                what = "undo" if reverse else "redo"
                raise DecisionError(f"cannot {what} this decision: it conflicts with a later change "
                                    f"({exc})") from exc
            conn.execute("UPDATE events SET state=? WHERE grp=?", (to_state, grp))
            articles = tuple(sorted({e[2] for e in events if e[2] is not None} | (
                {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM events WHERE grp=? AND "
                                            "article_id IS NOT NULL", (grp,))} if setwise else set())))
            logged = events[::-1] if reverse else events  # named by its first logged action
            action = next((e[1] for e in logged if e[1] != "start"), logged[0][1])
            return UndoResult(action=action, article_ids=articles, spans=self._changed_spans(images))

    def _changed_spans(self, images: list[tuple[str, int, dict | None, dict | None]]
                       ) -> tuple[ChangedSpan, ...]:
        """Where the spans (and span tags) of a group are after an undo or redo, in reading order."""
        places: dict[tuple[int, int, int], tuple[str, tuple[str, int] | None]] = {}
        for table, rowid, before, after in images:
            image = after or before
            if table == "tags" and image.get("span_id") is not None:
                table, rowid, image = "spans", image["span_id"], None
            elif table == "tags" and image.get("suggestion_id") is not None:
                row = self._snapshot("suggestions", image["suggestion_id"])
                if row is not None:
                    places.setdefault((row["article_id"], row["start"], row["end"]),
                                      (row["label"], ("suggestion", row["id"])))
                continue
            if table != "spans":
                continue
            row = self._snapshot("spans", rowid)
            if row is not None:
                key = ("span", rowid)
            else:
                row = image or next((b or a for t, r, b, a in images if (t, r) == ("spans", rowid)), None)
                if row is None:
                    continue
                key = None
                if row["suggestion_id"] is not None:  # the suggestion is back, where it was
                    suggestion = self._snapshot("suggestions", row["suggestion_id"])
                    row, key = suggestion or row, ("suggestion", row["suggestion_id"])
            places[(row["article_id"], row["start"], row["end"])] = (row["label"], key)
        out = []
        for article_id in sorted({a for a, _, _ in places}):
            mine = sorted((s, e) for a, s, e in places if a == article_id)
            seen: dict[tuple[int, int], list] = {}
            for s in self.spans(article_id, within=(mine[0][0], max(e for _, e in mine))):
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
