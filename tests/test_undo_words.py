"""What u and U say (issue 20 §1): the decision in the words the annotator was shown when
deciding, with its object, the verb first, in 80 columns."""

from __future__ import annotations

import pytest
from app_helpers import app_on, open_first, other_store, press, select_surface, selected_text, settle
from story_helpers import make_story_db

from annotations.store.step_words import fit
from tui.screens.conflicts import ConflictsScreen
from tui.screens.dialogs import ConfirmDialog
from tui.screens.propagate import PropagateDialog
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db

SIZE = (80, 24)
LOC = "4"  # the fourth label of the default scheme


@pytest.fixture
def story_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path)
    return path


def fits(status: str) -> bool:
    return len(status) <= SIZE[0]


async def test_undo_of_accept_all_says_accept_all_and_the_article(seeded_db):
    """Seen: "undo accept_all GPE 'Morocco' and 76 more" (an internal name, one of its spans)."""
    app = app_on(seeded_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(pilot)
        article = screen.active_view.article
        pending = sum(1 for s in screen.active_view.spans if s.is_suggestion)
        await press(pilot, "A")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        await settle(pilot)
        assert app.status.startswith("saved: accepted all")
        await press(pilot, "u")
        await settle(pilot)
        title = " ".join(article.title.split())
        assert app.status.startswith(f"saved: undo accept all: {pending} suggestions in '{title[:12]}")
        assert fits(app.status), app.status
        await press(pilot, "U")
        await settle(pilot)
        assert app.status.startswith(f"saved: redo accept all: {pending} suggestions in '{title[:12]}")


async def test_undo_of_delete_on_a_suggestion_says_delete(seeded_db):
    """Seen: D says "delete" and its undo said "reject"."""
    app = app_on(seeded_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        span = app.screen.active_view.selected_span
        assert span.is_suggestion
        text = selected_text(app)
        await press(pilot, "D")
        await settle(pilot)
        assert app.status == f"saved: delete {span.label} '{text}'"
        await press(pilot, "u")
        await settle(pilot)
        assert app.status == f"saved: undo delete {span.label} '{text}'"
        await press(pilot, "U")
        await settle(pilot)
        assert app.status == f"saved: redo delete {span.label} '{text}'"


async def test_undo_of_star_says_what_star_said(story_db):
    """Seen: * "accept as LOC every 'Sahel'" undone as "undo relabel every PERSON 'Sahel' and 3 more"."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
        await select_surface(pilot, "Sahel")
        await press(pilot, LOC, "asterisk")
        await settle(pilot)
        assert isinstance(app.screen, PropagateDialog)
        await press(pilot, "c")
        await settle(pilot)
        assert app.status.startswith("saved: accept as LOC every 'Sahel' in the corpus")
        with other_store(story_db) as check:
            articles = len({a for a in check.articles.ids() for s in check.view.spans(a)
                            if check.articles.get(a).text[s.start:s.end] == "Sahel"})
        await press(pilot, "u")
        await settle(pilot)
        assert app.status.startswith("saved: undo accept as LOC every 'Sahel' (")
        assert app.status.endswith(f" in {articles} articles)"), app.status
        assert fits(app.status), app.status


async def test_undo_in_the_conflicts_view_names_the_decision_and_its_object(story_db):
    """Seen: "undo relabel every (2 article(s))": no object, not the words of the decision."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        await settle(pilot)
        assert screen.current.key == "surface:sahel"
        await press(pilot, LOC)
        await settle(pilot)
        assert app.status.startswith("saved: accept as LOC every 'Sahel': 12 mentions in 4 articles")
        await press(pilot, "u")
        await settle(pilot)
        assert app.status.startswith("saved: undo accept as LOC every 'Sahel'"), app.status
        assert "mentions in" in app.status and fits(app.status), app.status


def test_a_long_object_is_cut_not_the_verb():
    """The object (a title, a mention) is shortened so that the verb and the count stay."""
    said = fit("accept all: 77 suggestions in ", "'" + "Morocco " * 20 + "'", "", 66)
    assert len(said) == 66 and said.startswith("accept all: 77 suggestions in 'Morocco")
    assert said.endswith("…'")
    said = fit("accept as LOC every ", "'" + "Sahel" * 30 + "'", " (11 mentions in 5 articles)", 66)
    assert len(said) <= 66 and said.endswith("…' (11 mentions in 5 articles)")
