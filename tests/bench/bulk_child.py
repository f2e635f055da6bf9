"""Run in a fresh interpreter (worker.py): ``*`` in the reader on a big corpus, watching the screen.

The app opens an article that mentions the form, relabels that mention (the decision ``*``
repeats), then ``*`` and ``c`` (the whole corpus). While the bulk decision is written in the
background, a timer on the app's event loop ticks every 10 ms: the longest gap between two
ticks is how long the screen was unresponsive. The status bar's progress messages are counted.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

from common import until

SIZE = (120, 40)


_until = partial(until, timeout=600.0)  # the app reached a state


def _longest_gap(ticks: list[float], t0: float) -> tuple[float | None, float | None]:
    """The longest gap between two ticks (ms), and when it began (s after ``t0``)."""
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    if not gaps:
        return None, None
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    return gaps[worst] * 1000, ticks[worst] - t0


def propagate(db: str, article_id: int, start: int, label: str) -> dict:
    from tui.app import make_app
    from tui.screens.propagate import PropagateDialog
    from tui.screens.reader import ReaderScreen

    app = make_app(db, annotator="bench", preannotate=False)
    app.store.config.train_every = 0  # no background training beside what is measured
    out: dict = {}
    statuses: list[tuple[float, str]] = []
    original = app.set_status

    def set_status(message: str) -> None:
        statuses.append((time.perf_counter(), message))
        original(message)

    app.set_status = set_status

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            # the library, or the reader at once when a saved session had it open
            await _until(lambda: app.screen.__class__.__name__ in ("LibraryScreen", "ReaderScreen"))
            await app.workers.wait_for_complete()  # the damage check: decisions wait for it
            app.open_articles([article_id])
            await _until(lambda: isinstance(app.screen, ReaderScreen)
                         and app.screen.active_view is not None)
            await pilot.pause()
            view = app.screen.active_view
            assert view.select_at_offset(start), "no span at the mention"
            labels = app.store.labels.names()
            await pilot.press(str(labels.index(label) + 1))
            # A later run relabels a mention an earlier one relabelled: nothing to save, then.
            await _until(lambda: app.status.startswith(("saved:", "already so")))
            await pilot.press("asterisk")
            await _until(lambda: isinstance(app.screen, PropagateDialog) and app.screen.previews)
            out["preview_changes"] = app.screen.previews["corpus"].changes
            ticks: list[float] = []
            timer = app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
            t0 = time.perf_counter()
            await pilot.press("c")
            await _until(lambda: not app.decisions.waiting
                         and app.status.startswith(("saved", "nothing")))
            out["seconds"] = time.perf_counter() - t0
            await asyncio.sleep(0.5)  # the screens refresh after the save: watched too
            timer.stop()
            out["max_gap_ms"], out["gap_at"] = _longest_gap(ticks, t0)
            out["marks"] = [(round(t - t0, 3), m[:40]) for t, m in statuses if t >= t0]
            out["ticks"] = len(ticks)
            out["progress_messages"] = sum(1 for t, m in statuses
                                           if t >= t0 and " of " in m and "saving" in m)
            out["status"] = app.status
            ticks.clear()
            timer = app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
            t1 = time.perf_counter()
            await pilot.press("u")
            await _until(lambda: not app.decisions.waiting and "undo" in app.status)
            out["undo_seconds"] = time.perf_counter() - t1
            await asyncio.sleep(0.5)
            timer.stop()
            out["undo_max_gap_ms"], out["undo_gap_at"] = _longest_gap(ticks, t1)
            out["undo_marks"] = [(round(t - t1, 3), m[:40]) for t, m in statuses if t >= t1]
            out["undo_status"] = app.status

    asyncio.run(scenario())
    return out
