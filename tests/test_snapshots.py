"""Screenshots of the app at 80x24 and 160x48 on the seeds as the real pipelines annotate them.

Regenerate with ``pytest tests/test_snapshots.py --snapshot-update`` and look at every
SVG in tests/__snapshots__/test_snapshots/ before committing it.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.app import make_app

pytest_plugins = ["app_fixtures"]  # preannotated_db

SIZES = [(80, 24), (160, 48)]
# Library cursor on article 1: mark 1, skip 2, mark 3 and the Arabic 4, open them side by side.
OPEN_1_3_4 = ["space", "j", "space", "space", "enter"]


def app_on(path):
    return make_app(path, annotator="alice", preannotate=False, bidi="auto")


async def steady(pilot) -> None:
    """No blinking cursors, workers done: the same picture every run."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def keys_then_steady(*keys: str):
    async def run_before(pilot) -> None:
        await steady(pilot)
        for key in keys:
            await pilot.press(key)
            await steady(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_library(snap_compare, preannotated_db, size):
    assert snap_compare(app_on(preannotated_db), terminal_size=size, run_before=keys_then_steady())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_reader_three_panes_with_arabic(snap_compare, preannotated_db, size):
    # j twice: the second entity of article 1 is selected, its surface highlighted in every pane
    assert snap_compare(app_on(preannotated_db), terminal_size=size,
                        run_before=keys_then_steady(*OPEN_1_3_4, "j"))


def test_reader_arabic_bidi_off(snap_compare, preannotated_db):
    # auto reorders (as in the three-pane shot); B twice: on, then off = logical order for
    # terminals that reorder right-to-left text themselves
    assert snap_compare(app_on(preannotated_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("j", "j", "j", "enter", "B", "B"))


def test_reader_after_accept(snap_compare, preannotated_db):
    assert snap_compare(app_on(preannotated_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "a"))


def test_label_picker(snap_compare, preannotated_db):
    assert snap_compare(app_on(preannotated_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "l", "o"))


def test_help(snap_compare, preannotated_db):
    assert snap_compare(app_on(preannotated_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("question_mark"))


def test_done_asks_about_undecided_suggestions(snap_compare, preannotated_db):
    # a decides the first entity; d on an article with suggestions left asks what to do with them
    assert snap_compare(app_on(preannotated_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "a", "d"))
