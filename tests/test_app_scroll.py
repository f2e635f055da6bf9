"""Pilot tests: the entity cursor stays on screen when the reader's geometry changes under it (a
conflict's place opened in a pane that takes another's place, a pane widened or narrowed by
tab at 80 columns)."""

from __future__ import annotations

import pytest
from app_helpers import app_on, press, screen_text, settle
from story_helpers import make_story_db

from tui.screens.conflicts import ConflictsScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView

SIZE = (80, 24)
CURSOR = "▶"


@pytest.fixture
def story_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path)
    return path


def cursor_shown(app, view: ArticleView) -> bool:
    """The selected span's first line is drawn in the view's region, with the cursor mark in
    its gutter: what the user sees, read from the composed screen."""
    span = view.selected_span
    assert span is not None
    region = view.content_region
    line = view.display_lines.line_of(span.start) - view.scroll_offset.y
    if not 0 <= line < region.height:
        return False
    row = screen_text(app).splitlines()[region.y + line]
    return row[region.x:region.x + 2].startswith(CURSOR)


async def open_three(pilot, panes: int = 3) -> ReaderScreen:
    """The first three (``panes``) articles of the library, side by side."""
    await settle(pilot)
    await press(pilot, *["space"] * panes, "enter")
    reader = pilot.app.screen
    assert isinstance(reader, ReaderScreen) and len(reader.panes) == panes
    return reader


@pytest.mark.parametrize("panes", [1, 2, 3])
async def test_enter_on_a_conflict_shows_the_cursor_on_its_place(story_db, panes):
    """Every place of every conflict: the reader shows the cursor on it at once (no k j), with
    1, 2 or 3 panes open, whether its article was open (in a narrow pane that becomes the wide
    one) or opened in another's place."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_three(pilot, panes)
        await press(pilot, "C")
        conflicts = app.screen
        assert isinstance(conflicts, ConflictsScreen)
        await settle(pilot)
        visited = 0
        for index in range(len(conflicts.conflicts)):
            await settle(pilot)  # a conflict's places are read when it is highlighted
            conflict, places = conflicts.current, conflicts.current_places
            assert conflict is not None and places is not None
            for place in places[:6]:
                await press(pilot, "enter")
                reader = app.screen
                assert isinstance(reader, ReaderScreen)
                view = reader.active_view
                span = view.selected_span
                assert (view.article.id, span.start) == (place.article_id, place.start)
                assert cursor_shown(app, view), (conflict.summary, place, screen_text(app))
                visited += 1
                await press(pilot, "C")
                await settle(pilot)
            await press(pilot, "j")
            if index >= 3:
                break
        assert visited >= 10


async def test_tab_keeps_each_panes_cursor_on_screen(story_db):
    """At 80 columns a pane narrows when another becomes active and widens when it is active
    again (its lines wrap again): the active pane's cursor is on screen after each tab. (An
    inactive pane may scroll away from its cursor on purpose: to the selected text's first
    mention.)"""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        reader = await open_three(pilot)
        first = reader.active_view
        for _ in range(8):  # the cursor near the bottom of the wide pane
            await press(pilot, "j")
        line = first.display_lines.line_of(first.selected_span.start) - first.scroll_offset.y
        assert line >= first.content_region.height // 2
        assert cursor_shown(app, first)
        for _ in range(6):
            await press(pilot, "tab")
            await settle(pilot)
            assert cursor_shown(app, reader.active_view), screen_text(app)
