"""Run in a fresh interpreter (worker.py): a long session in the reader, resident memory as it goes.

The app opens headless; the annotator opens an article from the library, makes
decisions in it with the keys (accept ``a``, reject ``x``, relabel ``2``/``1``,
undo ``u``, ``j`` to move on), then goes to the next article: every other time
with ``n`` in the reader, otherwise back to the library (``escape``) and opening
it from there. The resident set (``VmRSS``, after a full garbage collection, so
that it is what the session keeps and not garbage not yet collected) is read
at start (the library usable), after the first article opened, and after
the numbers of decisions the figure names; each key that changes the store counts as one
decision (an undo too), checked against the store's event log at the end (an undo marks
an event undone rather than logging one).
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial

from app_child import SIZE, _status_mb, forget_sessions
from common import until

# One round of keys in an article: 7 decisions (a key that writes) and a move.
ROUND = ("a", "x", "2", "u", "a", "1", "x", "j")
DECIDES = frozenset("ax12u")


def _settled() -> tuple[float, int]:
    """Resident set in MB and widgets alive, once garbage is collected (frozen objects too).

    The reader freezes what survives a collection after an article opens (``settle_memory``),
    which also hides it from ``gc.get_objects``: unfreeze, collect, count, freeze again.
    """
    from textual.widget import Widget

    gc.unfreeze()
    gc.collect()
    widgets = sum(1 for o in gc.get_objects() if isinstance(o, Widget))
    gc.freeze()
    return _status_mb("VmRSS") or 0.0, widgets


_until = partial(until, timeout=60.0, poll=0.002)  # the app reached a state


def session(db: str, article_ids: list[int], decisions: int, checkpoints: list[int]) -> dict:
    """``decisions`` decisions spread evenly over ``article_ids``; RSS at start and at each checkpoint."""
    forget_sessions(db)
    from tui.app import make_app
    from tui.screens.library import LibraryScreen
    from tui.screens.reader import ReaderScreen

    app = make_app(db, annotator="bench", preannotate=False)
    per_article = -(-decisions // len(article_ids))
    out: dict = {"rss_mb": {}, "widgets": {}, "articles": 0, "undos": 0}

    def reader_ready(article_id: int):
        def ready() -> bool:
            screen = app.screen
            return (isinstance(screen, ReaderScreen) and screen.active_view is not None
                    and screen.active_view.article.id == article_id and screen.active_view.has_focus)
        return ready

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(lambda: isinstance(app.screen, LibraryScreen))
            await app.workers.wait_for_complete()
            await pilot.pause()
            out["rss_mb"]["start"], out["widgets"]["start"] = _settled()
            done = 0
            for index, article_id in enumerate(article_ids):
                if index % 2 and isinstance(app.screen, ReaderScreen):
                    await pilot.press("n")
                else:
                    if isinstance(app.screen, ReaderScreen):
                        await pilot.press("escape")
                        await _until(lambda: isinstance(app.screen, LibraryScreen))
                    app.open_articles([article_id])
                await _until(reader_ready(article_id))
                await pilot.pause()
                out["articles"] += 1
                if index == 0:
                    out["rss_mb"]["first article"], out["widgets"]["first article"] = _settled()
                made = 0
                while made < per_article and done < decisions:
                    for key in ROUND:
                        if key in DECIDES and (made >= per_article or done >= decisions):
                            break
                        await pilot.press(key)
                        if key in DECIDES:
                            out["undos"] += key == "u"
                            made += 1
                            done += 1
                            if done in checkpoints:
                                await pilot.pause()
                                out["rss_mb"][str(done)], out["widgets"][str(done)] = _settled()
            await app.workers.wait_for_complete()
            await pilot.pause()
            out["decisions"] = done
            out["events"] = app.store.cx.query("SELECT count(*) AS n FROM events")[0]["n"]

    asyncio.run(scenario())
    return out
