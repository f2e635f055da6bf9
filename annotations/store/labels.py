"""The project's label scheme: its names in order (keys 1..9 pick the first nine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import valid_label
from .errors import DecisionError

if TYPE_CHECKING:
    from ..model import Action
    from .connection import Connection
    from .log import EventLog


class Labels:
    """Read and extend the label scheme."""

    def __init__(self, cx: Connection) -> None:
        self.cx = cx

    def names(self) -> list[str]:
        """The project's label scheme, in order."""
        return [r[0] for r in self.cx.execute("SELECT name FROM labels ORDER BY position").fetchall()]

    def set(self, labels: list[str]) -> None:
        """Replace the scheme (a new database takes the config's labels)."""
        with self.cx.write() as conn:
            conn.execute("DELETE FROM labels")
            conn.executemany("INSERT INTO labels(name, position) VALUES (?, ?)",
                             [(name, i) for i, name in enumerate(labels)])

    def add(self, name: str) -> bool:
        """Add a label at the end of the scheme; False if it was already there."""
        with self.cx.write() as conn:
            if conn.execute("SELECT 1 FROM labels WHERE name=?", (name,)).fetchone():
                return False
            conn.execute("INSERT INTO labels(name, position) VALUES (?, ?)", (name, self._next_position()))
            return True

    def check(self, label: str, log: EventLog, grp: int, action: Action) -> None:
        """Refuse a malformed label; add a new one to the scheme as part of decision ``grp``
        (logged in ``log``), so that undoing the decision takes the label back if nothing else
        uses it."""
        if not valid_label(label):
            raise DecisionError(f"{label!r} is not a valid label (a letter, then letters, digits, _ or -)")
        if not self.cx.execute("SELECT 1 FROM labels WHERE name=?", (label,)).fetchone():
            log.insert(grp, action, None, "labels", {"name": label, "position": self._next_position()})

    def _next_position(self) -> int:
        return self.cx.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
