"""Run in a fresh interpreter (worker.py): open the app headless on a database and time it.

"Usable" means the library screen is on top, its list holds a screenful of
article ids (the first page; the full id list and the count follow in the
background, and the time they take is reported too) and the first row has been
rendered (the list reads a row's columns only when the compositor renders that
line, so a row in its cache means it was painted). Memory is the process's
peak resident set (``VmHWM``).
"""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import time

SIZE = (120, 40)


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mb() -> float:
    """Peak resident set of this process image, in MB.

    ``VmHWM`` rather than ``ru_maxrss``: on Linux the latter carries the
    parent's peak across fork and exec, so a child of a 140 MB benchmark
    runner never reports less than 140 MB.
    """
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Usable:
    """The check, cheap enough to poll every millisecond without slowing the app down.

    With ``complete``, it also waits for every id (all ``expected`` of them).
    """

    def __init__(self, app, expected: int, *, complete: bool = False):
        self.app, self.expected, self.articles, self.complete = app, expected, None, complete

    def __call__(self) -> bool:
        from tui.screens.library import LibraryScreen
        from tui.widgets.article_list import ArticleList

        if self.articles is None:
            screen = self.app.screen
            if not isinstance(screen, LibraryScreen):
                return False
            lists = screen.query(ArticleList)
            if not lists:
                return False
            self.articles = lists.first()
        ids = self.articles.ids
        if self.complete:
            return self.articles.complete and len(ids) == self.expected
        screenful = min(self.expected, max(1, self.articles.size.height))
        return len(ids) >= screenful and bool(ids) and ids[0] in self.articles._rows


async def _wait(pilot, predicate, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the library did not become usable in time")
        await asyncio.sleep(0.002)


def forget_sessions(db: str) -> None:
    """Start every run like the first: no saved search, filters or open articles."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DELETE FROM sessions")
    conn.close()


def open_library(db: str, expected: int, search: str = "", wall_start: float = 0.0) -> dict:
    """Seconds from importing the app to a usable library; peak memory; optional search after."""
    forget_sessions(db)
    t_import = time.perf_counter()
    from tui.app import make_app

    t_make = time.perf_counter()
    app = make_app(db, annotator="bench")
    out: dict = {"import_s": t_make - t_import}

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _wait(pilot, _Usable(app, expected))
            out["start_s"] = time.perf_counter() - t_make
            out["wall_s"] = time.time() - wall_start if wall_start else None
            out["rss_usable_mb"] = _maxrss_mb()
            out["background"] = app.background
            await _wait(pilot, _Usable(app, expected, complete=True))
            out["all_ids_s"] = time.perf_counter() - t_make
            if search:
                await pilot.press("slash")
                await pilot.press(*search)
                from tui.widgets.article_list import ArticleList

                await pilot.pause(0.5)
                await pilot.press("enter", "end")
                await app.workers.wait_for_complete()  # background warm-ups too: same state big and small
                await pilot.pause()
                out["search_hits"] = len(app.screen.query_one(ArticleList).ids)
                out["rss_after_search_mb"] = _maxrss_mb()
                out["rss_now_mb"] = _status_mb("VmRSS")

    asyncio.run(scenario())
    return out
