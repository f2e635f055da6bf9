"""The floor for any durable Textual annotator: the least a Textual app can do for the SLATE figure.

    python bare_annotator.py ARTICLE.txt DECISIONS.db

It shows the article's text in one Static (wrapped, not parsed as markup) under a title
line, with a footer; ``j`` moves a highlight to the next word, ``a`` commits the
highlighted word as a decision to SQLite (WAL, synchronous=FULL, as Parallax commits)
and then colours it. Nothing else: no library, no session, no spans, no undo. Parallax
÷ this program is what Parallax adds on top of Textual, Python and a durable commit;
SLATE (curses, nothing on disk) has none of those costs.
"""

from __future__ import annotations

import re
import sqlite3
import sys

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Footer, Static


class BareReader(App):
    BINDINGS = [("j", "next", "Next"), ("a", "accept", "Accept"), ("q", "quit", "Quit")]

    def __init__(self, text: str, db: str) -> None:
        super().__init__()
        self.text = text
        self.words = [m.span() for m in re.finditer(r"\S+", text[:20_000])]
        self.at = 0
        self.accepted: set[int] = set()
        self.conn = sqlite3.connect(db, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS decisions(start INTEGER, end INTEGER, label TEXT)")

    def compose(self) -> ComposeResult:
        yield Static(self.text.split("\n", 1)[0], markup=False)
        yield Static(self._content(), id="text", markup=False)
        yield Footer()

    def _content(self) -> Content:
        content = Content(self.text)
        for i in self.accepted:
            content = content.stylize("green", *self.words[i])
        return content.stylize("reverse", *self.words[self.at])

    def _show(self) -> None:
        self.query_one("#text", Static).update(self._content())

    def action_next(self) -> None:
        self.at = min(self.at + 1, len(self.words) - 1)
        self._show()

    def action_accept(self) -> None:
        start, end = self.words[self.at]
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO decisions VALUES (?, ?, 'PERSON')", (start, end))
        self.conn.execute("COMMIT")
        self.accepted.add(self.at)
        self._show()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        BareReader(f.read(), sys.argv[2]).run()
