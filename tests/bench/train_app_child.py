"""Run in a fresh interpreter (worker.py): decisions in the reader while a model trains, or not.

As reader_child.py, one sample is the time from posting ``a`` to the end of the first screen
refresh after the decision was committed. With ``train``, a background training (the command
palette's) is started first and the presses begin once it reports its first steps; the app's
resident memory (VmRSS) is sampled throughout; the training runs in the NLP child process. The
first WARM_UP presses of each run are not counted.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from common import until

WARM_UP = 5  # presses not counted: the first decisions of a fresh app warm its caches


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


_until = partial(until, timeout=120.0)  # the app reached a state


def keys(db: str, article_id: int, presses: int, train: bool) -> dict:
    from tui.app import make_app
    from tui.screens.reader import ReaderScreen

    app = make_app(db, annotator="bench", preannotate=False)
    out: dict = {"latency_ms": [], "rss_mb": [], "trained_during": False}
    commits: list[float] = []
    original_accept = app.store.decisions.accept

    def accept(key):
        result = original_accept(key)
        commits.append(time.perf_counter())
        return result

    app.store.decisions.accept = accept  # type: ignore[method-assign]

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(lambda: app.screen.__class__.__name__ in ("LibraryScreen", "ReaderScreen"))
            await pilot.pause()
            refreshes: list[float] = []
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
            # Opening started the NLP child for its tokens: both runs begin once it has ended.
            await _until(lambda: not app.jobs.opened_running
                         and all(p.poll() is not None for p in app.jobs.nlp_processes))
            await asyncio.sleep(1.0)
            await pilot.pause()
            view = screen.active_view
            suggestions = [s for s in view.spans if s.is_suggestion]
            view.select_key(suggestions[0].key)
            await pilot.pause()
            out["rss_mb"].append(rss_mb())
            started = time.perf_counter()
            if train:
                app.action_train()
                await _until(lambda: "step" in app.background, timeout=300)
                out["rss_mb"].append(rss_mb())
            out["waited_s"] = time.perf_counter() - started
            for press in range(WARM_UP + presses):
                before = len(commits)
                t0 = time.perf_counter()
                await pilot.press("a")
                await _until(lambda b=before: len(commits) > b and refreshes[-1] > commits[-1])
                done = next(t for t in refreshes if t > commits[-1])
                if press >= WARM_UP:
                    out["latency_ms"].append((done - t0) * 1000)
                out["rss_mb"].append(rss_mb())
                await asyncio.sleep(0.05)  # an annotator's pace, not a burst
            out["trained_during"] = app.training.running
            for worker in app.workers:
                worker.cancel()

    asyncio.run(scenario())
    return out
