"""d on an article with undecided suggestions asks what to do with them; the choice and the
status are one decision (one u takes both back) and the header shows the counts as stored."""

from __future__ import annotations

import pytest
from app_helpers import app_on, open_first, other_store, press, screen_text, settle
from test_app_focus import burst
from textual.widgets import Static

from tui.screens.dialogs import UndecidedDialog
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL = (80, 24)


def stored(path, article_id: int) -> tuple[str, dict[str, int]]:
    """The article's status and how many spans of each status the annotator has, from the file."""
    with other_store(path) as check:
        counts: dict[str, int] = {}
        for span in check.view.spans(article_id):
            counts[span.status] = counts.get(span.status, 0) + 1
        return check.view.status(article_id), counts


def header(app) -> str:
    return screen_text(app).splitlines()[0]


@pytest.mark.parametrize("key, status", [("a", "accepted"), ("r", "rejected")])
async def test_done_accepting_or_rejecting_the_rest_is_one_undo_step(seeded_db, key, status):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        await press(pilot, "a")  # one decision before: it stays as it is
        state, counts = stored(seeded_db, article_id)
        pending = counts["suggested"]
        assert (state, counts.get("accepted")) == ("in_progress", 1) and pending > 1
        await press(pilot, "d")
        assert isinstance(app.screen, UndecidedDialog)
        question = str(app.screen.query_one("#undecided-question", Static).content)
        assert question.startswith(f"{pending} suggestion(s) in this article are still undecided")
        await press(pilot, key)
        assert isinstance(app.screen, ReaderScreen)
        state, counts = stored(seeded_db, article_id)
        assert state == "done"
        assert "suggested" not in counts
        assert counts.get(status, 0) == pending + (status == "accepted")
        accepted, rejected = counts.get("accepted", 0), counts.get("rejected", 0)
        assert f" · done ✓{accepted} ✗{rejected} ?0 " in header(app)
        await press(pilot, "u")  # one step takes back the choice and the status
        assert stored(seeded_db, article_id) == ("in_progress", {"accepted": 1, "suggested": pending})
        assert f" · in progress ✓1 ✗0 ?{pending} " in header(app)
        assert app.status.startswith("saved: undo mark done '")
        assert app.status.endswith(f"' ({status} {pending} suggestions)") and len(app.status) <= 80
        await press(pilot, "U")
        assert stored(seeded_db, article_id)[0] == "done"


async def test_done_leaving_suggestions_undecided_says_so(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        pending = stored(seeded_db, article_id)[1]["suggested"]
        await burst(pilot, "d", "l")  # typed ahead: the dialog takes the second key
        assert stored(seeded_db, article_id) == ("done", {"suggested": pending})
        assert f" · done ✓0 ✗0 ?{pending} " in header(app)
        assert app.status == (f"saved: article marked done; {pending} suggestion(s) left undecided "
                              "(unknown in exports)")
        await press(pilot, "d")  # done again: back in progress, nothing to ask
        assert isinstance(app.screen, ReaderScreen)
        assert stored(seeded_db, article_id) == ("in_progress", {"suggested": pending})


async def test_escape_cancels_and_nothing_changes(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        before = stored(seeded_db, article_id)
        await press(pilot, "d", "escape")
        assert isinstance(app.screen, ReaderScreen)
        assert stored(seeded_db, article_id) == before == ("todo", before[1])
        assert app.status == "done: cancelled, nothing changed"
        await press(pilot, "u")
        assert app.status == "nothing to undo"


async def test_without_undecided_suggestions_d_marks_done_at_once(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        with other_store(seeded_db) as store:
            store.decisions.reject_all(article_id)
        screen.refresh_articles(None)
        await settle(pilot)
        await press(pilot, "d")
        assert isinstance(app.screen, ReaderScreen)
        assert stored(seeded_db, article_id)[0] == "done"
        assert app.status == "saved: article marked done"
