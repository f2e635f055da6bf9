"""n/p replace an article in its pane in one frame: never an extra column, never a half-wrapped text.

Every frame the reader screen composites while the key is handled is recorded (as the
reader benchmark records refreshes); the pane being replaced must never be painted next
to its successor, and the new article's text must be there, wrapped as it stays, in the
first frame that shows the new pane.
"""

from __future__ import annotations

import pytest
from app_helpers import app_on, press, settle

from tui.screens.reader import Pane

pytest_plugins = ["app_fixtures"]  # seeded_db


def _text_region(screen, view) -> list[str]:
    """The view's text on screen, scrollbar left out (Textual sizes a new scrollbar a frame later)."""
    region = view.scrollable_content_region
    lines = [strip.text for strip in screen._compositor.render_strips()]
    return [line[region.x:region.right] for line in lines[region.y:region.bottom]]


@pytest.mark.parametrize(("marks", "size"), [(["enter"], (80, 24)), (["space"] * 3 + ["enter"], (80, 24)),
                                              (["space"] * 3 + ["enter"], (160, 48))],
                         ids=["one-pane-80", "three-panes-80", "three-panes-160"])
async def test_next_and_previous_article_switch_in_one_clean_frame(seeded_db, marks, size):
    app = app_on(seeded_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, *marks)
        screen = app.screen
        panes = len(screen.panes)
        frames: list[tuple[int, Pane | None, list[str]]] = []
        original = screen._compositor_refresh

        def refresh() -> None:
            original()
            shown = [p for p in screen.query(Pane)]
            active = screen.active_pane
            frames.append((len(shown), active, _text_region(screen, active.view)))

        screen._compositor_refresh = refresh
        for key in ("n", "p", "n"):
            frames.clear()
            before = screen.active_pane
            await press(pilot, key)
            await settle(pilot)
            new = screen.active_pane
            assert new is not before and new.article.id != before.article.id
            assert frames, "no frame painted"
            assert [n for n, _, _ in frames] == [panes] * len(frames), "a frame showed another column"
            final = _text_region(screen, new.view)
            first = next(text for _, active, text in frames if active is new)
            assert first == final, "the new article was painted before it was wrapped for its pane"
            assert any(line.strip() for line in first)
