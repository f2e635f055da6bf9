"""The overhead baseline for app start and memory: a bare Textual app listing the library's first page.

Run in a fresh interpreter (worker.py), like app_child.py. The app reads the
same rows the library shows first (ids in library order, title, language,
status and span counts, for ``FIRST_PAGE`` articles) with one bare ``sqlite3``
query and shows them in a Textual ``OptionList``. "Usable" is the same as for
Parallax: the rows are in the list and the first one has been rendered.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

from app_child import SIZE, _maxrss_mb, _status_mb

FIRST_PAGE = 200  # as annotations.store.library.FIRST_PAGE (the figure checks they agree)

# The library's first page, unfiltered, as one bare query: the same ids, columns and counts as
# ``library.first_ids`` + ``library.rows`` (checked in fig_app_start), including the store's rule
# for an undecided suggestion (no span of the annotator made from it or at its offsets; one per
# start, end and label).
FIRST_PAGE_SQL = """
SELECT a.id, a.title, a.lang, COALESCE(s.status, 'todo'),
  (SELECT count(*) FROM spans p WHERE p.article_id = a.id AND p.annotator = :annotator
     AND p.status IN ('accepted', 'corrected')),
  (SELECT count(*) FROM spans p WHERE p.article_id = a.id AND p.annotator = :annotator
     AND p.status = 'rejected'),
  (SELECT count(*) FROM (SELECT DISTINCT g.start, g.end, g.label FROM suggestions g
     WHERE g.article_id = a.id AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.article_id = g.article_id
       AND p.annotator = :annotator AND (p.suggestion_id = g.id OR (p.start = g.start AND p.end = g.end)))))
FROM articles a LEFT JOIN article_status s ON s.article_id = a.id AND s.annotator = :annotator
ORDER BY a.id LIMIT :limit
"""


def first_page(conn: sqlite3.Connection, annotator: str, limit: int = FIRST_PAGE) -> list[tuple]:
    """(id, title, lang, status, accepted, rejected, suggested) for the first ``limit`` articles."""
    return conn.execute(FIRST_PAGE_SQL, {"annotator": annotator, "limit": limit}).fetchall()


def open_list(db: str, annotator: str = "bench", wall_start: float = 0.0) -> dict:
    """Seconds from importing Textual to the first page listed and painted; peak memory."""
    t_import = time.perf_counter()
    from textual.app import App, ComposeResult
    from textual.content import Content
    from textual.strip import Strip
    from textual.widgets import OptionList

    class Rows(OptionList):
        painted = False

        def render_line(self, y: int) -> Strip:
            strip = super().render_line(y)
            if self.option_count:
                Rows.painted = True
            return strip

    class BareList(App):
        def compose(self) -> ComposeResult:
            yield Rows()

        def on_mount(self) -> None:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            rows = first_page(conn, annotator)
            conn.close()
            # Plain text, never markup: Content() shows a title as typed.
            self.query_one(Rows).add_options(
                Content(f"{title[:60]:<60} {lang}  {status:<11} {acc:>3} {rej:>3} {sug:>3}")
                for _, title, lang, status, acc, rej, sug in rows)

    t_make = time.perf_counter()
    app = BareList()
    out: dict = {"import_s": t_make - t_import}

    async def scenario() -> None:
        async with app.run_test(size=SIZE):
            deadline = time.perf_counter() + 120
            while not Rows.painted:
                if time.perf_counter() > deadline:
                    raise TimeoutError("the bare list was not painted in time")
                await asyncio.sleep(0.002)
            out["start_s"] = time.perf_counter() - t_make
            out["wall_s"] = time.time() - wall_start if wall_start else None
            out["rss_usable_mb"] = _maxrss_mb()
            out["rss_now_mb"] = _status_mb("VmRSS")
            out["rows"] = app.query_one(Rows).option_count

    asyncio.run(scenario())
    return out
