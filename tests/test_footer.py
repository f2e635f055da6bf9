"""The footer at narrow widths: q Quit and ? Help always shown, keys whole, nothing stray.

At 60 columns Textual's footer let the app's own keys (which come last) fall off the
edge, and the command-palette key, docked over the row, let a character of the key
beneath it show through its margin (``^p palettei``).
"""

from __future__ import annotations

import gc

import pytest
from app_helpers import app_on, press, screen_text, settle
from textual.widgets._footer import FooterKey

from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db


def _check_footer(app, width: int) -> list[str]:
    """The footer's keys, checked: whole, inside the screen, clear of the palette key; q and ? there."""
    line = screen_text(app).splitlines()[-1]
    keys = list(app.screen.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    row = [k for k in keys if not k.has_class("-command-palette")]
    shown = [f"{k.key_display} {k.description}" for k in row]
    assert "q Quit" in shown and "? Help" in shown, line
    right = palette[0].region.x if palette else width
    for key in row:
        assert key.region.right <= right, f"{key.key_display} {key.description} under the palette: {line!r}"
        assert f"{key.key_display} {key.description}" in line
    if palette:
        assert line.rstrip().endswith("▏^p palette"), line  # nothing of another key in its margin
    return shown


@pytest.mark.parametrize("width", [60, 40])
async def test_narrow_footers_keep_quit_and_help(seeded_db, width):
    app = app_on(seeded_db)
    async with app.run_test(size=(width, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        library = _check_footer(app, width)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
        reader = _check_footer(app, width)
        assert reader[0] == "j Next"  # the screen's first key gives way last
        await press(pilot, "w")  # the token keys take the entity keys' place
        assert "w Token" in _check_footer(app, width)
    if width == 60:
        assert library[:2] == ["space Mark", "⏎ Open"]
        assert reader[:3] == ["j Next", "a Accept", "x Reject"]


async def test_the_footer_follows_the_terminal_width(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        wide = _check_footer(app, 160)
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        narrow = _check_footer(app, 60)
        assert len(narrow) < len(wide) and "d Done" in wide and "d Done" not in narrow
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert _check_footer(app, 80) == wide  # at 80 columns every entity key fits


def _footer_keys_alive() -> int:
    """FooterKey widgets still in memory once garbage is collected (the reader freezes the heap)."""
    gc.unfreeze()
    gc.collect()
    alive = sum(1 for o in gc.get_objects() if isinstance(o, FooterKey))
    gc.freeze()
    return alive


async def test_opening_articles_leaves_no_footer_keys_behind(seeded_db):
    """Each article opened recomposes the footer: its old keys must go (issue 20 §2).

    A key bound to the footer with ``data_bind`` stayed a watcher of the footer for good,
    holding the key: the widgets grew by a footer's worth with every article opened.
    """
    app = app_on(seeded_db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
        for key in "np":
            await press(pilot, key)
        await settle(pilot)
        before = _footer_keys_alive()  # the reader's footer, the library's (and its last, still in
        for key in "npnpnpnp":          # the library's compositor map until the library is shown)
            await press(pilot, key)
        await settle(pilot)
        assert _footer_keys_alive() == before

