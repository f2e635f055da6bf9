"""What the app keeps as a session goes on: a widget removed takes what it rendered with it."""

from __future__ import annotations

import gc

from app_helpers import app_on, press, settle
from textual._styles_cache import StylesCache
from textual.widget import Widget

pytest_plugins = ["app_fixtures"]  # seeded_db


async def test_widgets_removed_take_their_rendered_lines_with_them(seeded_db):
    """No ``StylesCache`` (a widget's rendered lines) outlives its widget (issue 20 §2).

    Textual's ``StylesCache.get_inner_outer`` was cached per cache object (Textualize/textual#6665):
    up to 1,024 removed widgets' lines stayed alive; tui/textual_patches.py caches on colours.
    """
    app = app_on(seeded_db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        for key in "npnp":
            await press(pilot, "j", "j", key)
        await settle(pilot)
        gc.unfreeze()
        gc.collect()
        objects = gc.get_objects()
        owned = {id(o._styles_cache) for o in objects if isinstance(o, Widget)}
        orphans = sum(1 for o in objects if isinstance(o, StylesCache) and id(o) not in owned)
        del objects
        gc.freeze()
        assert orphans == 0
