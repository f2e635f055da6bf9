"""The overhead baseline for the reader: a bare Textual app with a Line-API ScrollView.

Run in a fresh interpreter (worker.py), like reader_child.py. The app reads the
article and its spans with bare ``sqlite3`` (``SPANS_SQL``: the rows
``store.view.spans`` gives, checked in fig_reader), wraps the text at the view's
width (each paragraph cut at the last space that fits), paints each line as a
Strip with the spans styled and the selected one reversed, and on ``a`` writes
the decision with a bare ``BEGIN IMMEDIATE; INSERT INTO spans …; COMMIT`` (WAL,
synchronous=FULL, as the store), moves to the next suggestion and refreshes the
lines of both. Samples end, as in reader_child.py, with the first screen
refresh after the commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from bisect import bisect_left, bisect_right

from reader_child import SIZE, _until

STAMP = "2024-06-13T09:00:00.000+00:00"

# What the reader shows of an article: the annotator's spans plus the suggestions nobody has
# decided on (no span made from it or at its offsets; one per start, end and label).
SPANS_SQL = """
SELECT start, end, label, 'suggested', min(id) FROM suggestions g WHERE article_id = :article
  AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.article_id = g.article_id AND p.annotator = :annotator
    AND (p.suggestion_id = g.id OR (p.start = g.start AND p.end = g.end)))
  GROUP BY start, end, label
UNION ALL
SELECT start, end, label, status, suggestion_id FROM spans WHERE article_id = :article
  AND annotator = :annotator
ORDER BY 1, 2 DESC, 3
"""


def read_spans(conn: sqlite3.Connection, article_id: int, annotator: str) -> list[tuple]:
    """(start, end, label, status, suggestion id) of what the reader shows, in reading order."""
    return conn.execute(SPANS_SQL, {"article": article_id, "annotator": annotator}).fetchall()


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of display lines: paragraphs cut after the last space that fits."""
    lines = []
    pos = 0
    for paragraph in text.split("\n"):
        start, end = pos, pos + len(paragraph)
        while end - start > width:
            brk = text.rfind(" ", start + 1, start + width + 1)
            cut = start + width if brk == -1 else brk + 1
            lines.append((start, cut))
            start = cut
        lines.append((start, end))
        pos = end + 1
    return lines


def decide(db: str, article_id: int, presses: int, annotator: str = "bench") -> dict:
    """Open one article, select a suggestion half-way through, press ``a`` ``presses`` times."""
    from rich.segment import Segment
    from rich.style import Style
    from textual.app import App
    from textual.geometry import Size
    from textual.scroll_view import ScrollView
    from textual.strip import Strip

    styles = {"suggested": Style(underline=True, color="yellow"), "accepted": Style(bold=True, color="green"),
              "rejected": Style(strike=True), "corrected": Style(bold=True, color="green")}
    selected_style = Style(reverse=True)
    commits: list[float] = []
    out: dict = {"latency_ms": [], "commit_ms": []}

    class BareArticle(ScrollView, can_focus=True):
        BINDINGS = [("a", "accept", "Accept")]

        def __init__(self, conn: sqlite3.Connection) -> None:
            super().__init__()
            self.conn = conn
            self.text = conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
            self.spans = [list(r) for r in read_spans(conn, article_id, annotator)]
            self.starts = [s[0] for s in self.spans]
            self.longest = max((s[1] - s[0] for s in self.spans), default=0)
            self.lines: list[tuple[int, int]] = []
            self.line_starts: list[int] = []
            self.selected = 0
            self.painted_at = 0.0

        def on_resize(self) -> None:
            width = max(self.size.width - 2, 10)  # room for the scrollbar
            self.lines = wrap(self.text, width)
            self.line_starts = [s for s, _ in self.lines]
            self.virtual_size = Size(width, len(self.lines))

        def line_of(self, offset: int) -> int:
            return max(bisect_right(self.line_starts, offset) - 1, 0)

        def render_line(self, y: int) -> Strip:
            index = self.scroll_offset.y + y
            width = self.size.width
            if not 0 <= index < len(self.lines):
                return Strip.blank(width)
            start, end = self.lines[index]
            segments, pos = [], start
            first = bisect_left(self.starts, start - self.longest)
            for i in range(first, bisect_left(self.starts, end)):
                s, e, _, status, _ = self.spans[i]
                if e <= pos:
                    continue
                if s > pos:
                    segments.append(Segment(self.text[pos:s]))
                style = styles[status] + (selected_style if i == self.selected else Style())
                segments.append(Segment(self.text[max(s, pos):min(e, end)], style))
                pos = min(e, end)
            if pos < end:
                segments.append(Segment(self.text[pos:end]))
            self.painted_at = time.perf_counter()
            return Strip(segments).crop_extend(0, width, None)

        def select(self, index: int) -> None:
            before = self.line_of(self.spans[self.selected][0])
            self.selected = index
            line = self.line_of(self.spans[index][0])
            self.refresh_lines(before)
            self.refresh_lines(line)
            if not self.scroll_offset.y <= line < self.scroll_offset.y + self.size.height:
                self.scroll_to(y=max(line - self.size.height // 2, 0), animate=False)

        def action_accept(self) -> None:
            span = self.spans[self.selected]
            t0 = time.perf_counter()
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "INSERT INTO spans(article_id, annotator, start, end, label, status, origin, source, "
                "suggestion_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'accepted', 'model', 'bench', "
                "?, ?, ?)", (article_id, annotator, span[0], span[1], span[2], span[4], STAMP, STAMP))
            self.conn.execute("COMMIT")
            commits.append(time.perf_counter())
            out["commit_ms"].append((commits[-1] - t0) * 1000)
            span[3] = "accepted"
            following = (i for i in range(self.selected + 1, len(self.spans))
                         if self.spans[i][3] == "suggested")
            self.select(next(following, self.selected))

    class BareReader(App):
        def open(self) -> BareArticle:
            conn = sqlite3.connect(db, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            view = BareArticle(conn)
            self.mount(view)
            view.focus()
            return view

    app = BareReader()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            original = screen._compositor_refresh
            refreshes: list[float] = []

            def refresh() -> None:
                original()
                refreshes.append(time.perf_counter())

            screen._compositor_refresh = refresh
            t_open = time.perf_counter()
            view = app.open()
            await _until(lambda: view.painted_at and refreshes and refreshes[-1] > view.painted_at)
            out["open_ms"] = (next(t for t in refreshes if t > view.painted_at) - t_open) * 1000
            await pilot.pause()
            suggestions = [i for i, s in enumerate(view.spans) if s[3] == "suggested"]
            out["suggestions"], out["length"] = len(suggestions), len(view.text)
            # Half-way through, but with a suggestion left for every press (as reader_child.py).
            view.select(suggestions[max(0, min(len(suggestions) // 2, len(suggestions) - presses - 1))])
            await pilot.pause()
            for _ in range(presses):
                before = len(commits)
                t0 = time.perf_counter()
                await pilot.press("a")
                await _until(lambda b=before: len(commits) > b and refreshes[-1] > commits[-1])
                done = next(t for t in refreshes if t > commits[-1])
                out["latency_ms"].append((done - t0) * 1000)
                await pilot.pause()
            out["accepted"] = view.conn.execute(
                "SELECT count(*) FROM spans WHERE article_id = ? AND annotator = ?",
                (article_id, annotator)).fetchone()[0]
            view.conn.close()

    asyncio.run(scenario())
    return out
