"""Run in a fresh interpreter (worker.py): decisions in the reader, key press to repaint.

The reader screen's compositor refresh and the store's ``accept`` are wrapped
to record when each finished, and a ``gc`` callback notes the presses during
which Python ran a full (generation 2) garbage collection. One sample is the time from posting the key
press to the end of the first screen refresh after the decision was
committed: the annotator sees the result only then.
"""

from __future__ import annotations

import asyncio
import gc
import time
from functools import partial

from common import until

SIZE = (120, 40)


_until = partial(until, timeout=60.0, poll=0.0005, what="the reader")  # the app reached a state


def decide(db: str, article_id: int, presses: int, key: str = "a") -> dict:
    """Open one article, select a suggestion half-way through, press ``key`` ``presses`` times.

    Each press decides an undecided suggestion (the selection starts early
    enough in a short article for that).
    """
    from tui.app import make_app
    from tui.screens.reader import ReaderScreen

    app = make_app(db, annotator="bench", preannotate=False)
    out: dict = {"latency_ms": [], "commit_ms": [], "full_gc": []}
    commits: list[float] = []
    full_gcs: list[float] = []  # when each full (generation 2) garbage collection started

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full_gcs.append(time.perf_counter())

    gc.callbacks.append(on_gc)

    def timed_accept(original):
        def accept(keyarg):
            t0 = time.perf_counter()
            result = original(keyarg)
            commits.append(time.perf_counter())
            out["commit_ms"].append((commits[-1] - t0) * 1000)
            return result
        return accept

    app.store.decisions.accept = timed_accept(app.store.decisions.accept)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            # the library, or the reader at once when a saved session had it open
            await _until(lambda: app.screen.__class__.__name__ in ("LibraryScreen", "ReaderScreen"))
            await pilot.pause()
            refreshes: list[float] = []
            t_open = time.perf_counter()
            app.open_articles([article_id])
            await _until(lambda: isinstance(app.screen, ReaderScreen))
            screen = app.screen
            original = screen._compositor_refresh

            def refresh() -> None:
                original()
                refreshes.append(time.perf_counter())

            screen._compositor_refresh = refresh
            await _until(lambda: refreshes and screen.active_view is not None
                         and screen.active_view.has_focus)
            await pilot.pause()
            out["open_ms"] = (refreshes[0] - t_open) * 1000
            view = screen.active_view
            suggestions = [s for s in view.spans if s.is_suggestion]
            out["suggestions"] = len(suggestions)
            out["length"] = len(view.article.text)
            # Half-way through, but with a suggestion left for every press.
            first = max(0, min(len(suggestions) // 2, len(suggestions) - presses - 1))
            view.select_key(suggestions[first].key)
            await pilot.pause()
            for _ in range(presses):
                before = len(commits)
                t0 = time.perf_counter()
                await pilot.press(key)
                await _until(lambda b=before: len(commits) > b and refreshes[-1] > commits[-1])
                done = next(t for t in refreshes if t > commits[-1])
                out["latency_ms"].append((done - t0) * 1000)
                out["full_gc"].append(any(t0 <= t <= done for t in full_gcs))
                await pilot.pause()
            out["accepted"] = app.store.db.conn.execute(
                "SELECT count(*) FROM spans WHERE article_id=? AND annotator='bench'", (article_id,)
            ).fetchone()[0]

    asyncio.run(scenario())
    return out
