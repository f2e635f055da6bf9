"""The event log of one layer: every row a decision changes, with its before and after image.

Every decision appends the before and after image of each row it changes to ``events`` under one
group number (call these inside ``Connection.write()``). Undo and redo (:mod:`.history`) put the
images back. Row ids are never reused (schema migration 3), so an image always lands on the row it
was taken from.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .db import now
from .sql_values import STEP_DISCARDED, STEP_UNDONE

if TYPE_CHECKING:
    from ..model import Action
    from .connection import Connection

Image = dict[str, Any]


class EventLog:
    """Logged row writes of the layer ``layer`` (an annotator, or a reviewer's ``review:NAME``).

    The row writes build their statements by hand rather than call sqlite-utils'
    ``table.insert/update/delete``: measured here inside one open transaction, those cost 60-74 us
    per insert (5-6x) and ~100 us per update (30x: each call reads the table's columns), and a
    decision makes three to six such writes on the path to "saved" (its commit is ~0.6 ms).
    sqlite-utils keeps the jobs it fits: the connection wrapper, ``query()`` and the FTS index
    (schema.py). Table and column names come from the store's modules only, never from input.
    """

    def __init__(self, cx: Connection, layer: str) -> None:
        self.cx = cx
        self.layer = layer

    def new_group(self) -> int:
        """The group number for the next decision (the redo branch is dropped at its first event)."""
        return self.cx.execute("SELECT COALESCE(MAX(grp), 0) + 1 FROM events").fetchone()[0]

    def snapshot(self, table: str, rowid: int) -> Image | None:
        """The row as an image (column -> value), or None when there is no such row."""
        cur = self.cx.execute(f"SELECT * FROM {table} WHERE rowid=?", (rowid,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row, strict=True))

    def discard_redo(self) -> None:
        """A decision that changes something ends what could be redone."""
        self.cx.execute(f"UPDATE events SET state={STEP_DISCARDED} WHERE annotator=? AND state={STEP_UNDONE}",
                        (self.layer,))

    def log(self, grp: int, action: Action, article_id: int | None, table: str, rowid: int,
            before: Image | None, after: Image | None) -> None:
        """One logged row change; the first of a group discards what could be redone."""
        if not self.cx.execute("SELECT 1 FROM events WHERE grp=? LIMIT 1", (grp,)).fetchone():
            self.discard_redo()  # a decision that changes something; a no-op does not
        self.cx.execute(
            "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (now(), self.layer, action, article_id, grp, table, rowid,
             None if before is None else json.dumps(before),
             None if after is None else json.dumps(after)))

    def log_many(self, grp: int, action: Action, article_id: int | None, table: str,
                 changes: list[tuple[int, Image | None, Image | None]]) -> None:
        """Log (rowid, before, after) for many rows of one table, as :meth:`log` does one."""
        if not changes:
            return
        first_row, first_before, first_after = changes[0]
        self.log(grp, action, article_id, table, first_row, first_before, first_after)  # discards redo
        stamp = now()
        self.cx.conn.executemany(
            "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(stamp, self.layer, action, article_id, grp, table, rowid,
              None if before is None else json.dumps(before), None if after is None else json.dumps(after))
             for rowid, before, after in changes[1:]])

    def insert(self, grp: int, action: Action, article_id: int | None, table: str, values: Image) -> int:
        """Insert one row and log it; its id."""
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.cx.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values()))
        rowid = cur.lastrowid
        assert rowid is not None
        self.log(grp, action, article_id, table, rowid, None, self.snapshot(table, rowid))
        return rowid

    def insert_many(self, grp: int, action: Action, article_id: int | None, table: str,
                    columns: tuple[str, ...], rows: list[tuple]) -> list[int]:
        """Insert and log many rows in one go (a bulk decision: accept all, reject all).

        Set-wise: one executemany, one read of the new rows, one executemany into the log
        (19,762 accepts took 3.5 s one by one). Inside our write transaction nobody else
        inserts, so the new rows are those past the table's last id.
        """
        conn = self.cx.conn
        last = conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cur = conn.execute(f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid", (last,))
        names = [c[0] for c in cur.description][1:]
        images = [(row[0], dict(zip(names, row[1:], strict=True))) for row in cur.fetchall()]
        self.log_many(grp, action, article_id, table, [(rowid, None, image) for rowid, image in images])
        return [rowid for rowid, _ in images]

    def update(self, grp: int, action: Action, article_id: int | None, table: str, rowid: int,
               changes: Image) -> None:
        """Change some columns of one row and log it."""
        before = self.snapshot(table, rowid)
        sets = ", ".join(f"{col}=?" for col in changes)
        self.cx.execute(f"UPDATE {table} SET {sets} WHERE rowid=?", (*changes.values(), rowid))
        self.log(grp, action, article_id, table, rowid, before, self.snapshot(table, rowid))

    def delete(self, grp: int, action: Action, article_id: int | None, table: str, rowid: int) -> None:
        """Delete one row and log it."""
        before = self.snapshot(table, rowid)
        self.cx.execute(f"DELETE FROM {table} WHERE rowid=?", (rowid,))
        self.log(grp, action, article_id, table, rowid, before, None)

    def delete_many(self, grp: int, action: Action, article_id: int | None, table: str,
                    rowids: list[int]) -> None:
        """Delete and log many rows of one table in one go (their images read in one query)."""
        if not rowids:
            return
        conn = self.cx.conn
        ids = json.dumps(rowids)
        cur = conn.execute(f"SELECT rowid, * FROM {table} WHERE rowid IN (SELECT value FROM json_each(?)) "
                           "ORDER BY rowid", (ids,))
        names = [c[0] for c in cur.description][1:]
        images: list[tuple[int, Image | None, Image | None]] = [
            (row[0], dict(zip(names, row[1:], strict=True)), None) for row in cur.fetchall()]
        conn.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each(?))", (ids,))
        self.log_many(grp, action, article_id, table, images)
