"""The key acts where the screen points: the active pane is the one shown as active even when
keys come in a burst, and after u or U the cursor is on the span that changed."""

from __future__ import annotations

import pytest
from app_helpers import (
    app_on,
    burst,
    open_first,
    other_store,
    press,
    screen_text,
    select_surface,
    selected_text,
    settle,
)

from tui.widgets.article_view import ArticleView

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL = (80, 24)
OPEN_1_2_3 = ("space", "space", "space", "enter")  # mark the first three articles, open them


def decided(path, article_id: int) -> list[tuple[str, str]]:
    """(surface, status) of the annotator's decisions in an article, read by another connection."""
    with other_store(path) as check:
        text = check.articles.get(article_id).text
        return [(text[s.start:s.end], s.status) for s in check.view.spans(article_id) if not s.is_suggestion]


def shown_active(screen) -> list[int]:
    """The articles whose pane the screen highlights as active."""
    return [p.article.id for p in screen.panes if p.has_class("-active")]


@pytest.mark.parametrize("send", ["press", "burst"])
async def test_two_tabs_sent_together_move_two_panes_and_the_key_acts_there(seeded_db, send):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3)
        screen = app.screen
        assert [p.article.id for p in screen.panes] == [1, 2, 3]
        first_of_3 = screen.panes[2].view.selected_span
        if send == "press":
            await pilot.press("tab", "tab", "a")
            await settle(pilot)
        else:
            await burst(pilot, "tab", "tab", "a")
        assert decided(seeded_db, 1) == decided(seeded_db, 2) == []
        text = screen.panes[2].article.text
        assert decided(seeded_db, 3) == [(text[first_of_3.start:first_of_3.end], "accepted")]
        assert shown_active(screen) == [3]
        assert screen.active_pane is screen.panes[2]
        assert screen.focused is screen.panes[2].view
        # Round the panes in a burst: three more tabs end where they started, shift+tab goes back.
        await burst(pilot, "tab", "tab", "tab", "shift+tab")
        assert shown_active(screen) == [2] and screen.focused is screen.panes[1].view


async def test_keys_in_a_burst_act_in_the_order_they_were_typed(seeded_db):
    """j is handled as it arrives; a typed before it must still act first (on the span then
    under the cursor)."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        spans = screen.active_view.spans
        text = screen.active_view.article.text
        await burst(pilot, "j", "a", "j", "x")
        assert decided(seeded_db, 1) == [(text[spans[1].start:spans[1].end], "accepted"),
                                         (text[spans[3].start:spans[3].end], "rejected")]


async def test_copy_takes_the_entity_of_the_pane_shown_as_active(seeded_db, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "1.2.3.4 1 5.6.7.8 22")  # no local clipboard in tests
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3)
        screen = app.screen
        view = screen.panes[1].view
        expected = view.article.text[view.selected_span.start:view.selected_span.end]
        await burst(pilot, "tab", "c")
        assert shown_active(screen) == [2]
        assert app.clipboard == expected


async def test_at_every_key_the_pane_shown_as_active_is_the_one_acted_on(seeded_db, monkeypatch):
    """Seen: the header showed one pane while a accepted in another. Each action records the
    pane it acts on and the one highlighted at that moment, keys sent in bursts."""
    from tui.screens.reader import ReaderScreen

    seen: list[tuple[str, list[int], int]] = []
    for name in ("action_accept", "action_reject", "action_copy"):
        original = getattr(ReaderScreen, name)

        def spy(self, *args, _original=original, _name=name):
            seen.append((_name, shown_active(self), self.active_view.article.id))
            return _original(self, *args)

        monkeypatch.setattr(ReaderScreen, name, spy)
    monkeypatch.setenv("SSH_CONNECTION", "1.2.3.4 1 5.6.7.8 22")
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3)
        await burst(pilot, "tab", "a", "tab", "c", "shift+tab", "x", "tab", "tab", "a", "tab", "x")
        assert [(name, acted) for name, _, acted in seen] == [
            ("action_accept", 2), ("action_copy", 3), ("action_reject", 2), ("action_accept", 1),
            ("action_reject", 2)]
        assert all(shown == [acted] for _, shown, acted in seen), seen


async def test_a_click_makes_its_pane_active_and_keys_follow(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3)
        screen = app.screen
        views = list(screen.query(ArticleView))
        await pilot.click(views[1], offset=(2, 0))
        await settle(pilot)
        assert shown_active(screen) == [2]
        span = views[1].selected_span
        await press(pilot, "x")
        with other_store(seeded_db) as check:
            assert [(s.start, s.status) for s in check.view.spans(2) if not s.is_suggestion] == \
                [(span.start, "rejected")]


async def test_after_undo_the_next_key_acts_on_the_span_undone(seeded_db):
    """Seen: x on Rabat, u, 3 relabelled the entity after Rabat (the cursor had moved on)."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Rabat")
        rabat = screen.active_view.selected_span
        await press(pilot, "x")
        after = screen.active_view.selected_span
        assert after.start > rabat.start  # x moved on
        await press(pilot, "u")
        assert selected_text(app) == "Rabat"
        assert app.status == "saved: undo reject GPE 'Rabat'"
        assert "saved: undo reject GPE 'Rabat'" in screen_text(app)
        await press(pilot, "2")  # label 2: ORG
        assert app.status.startswith("saved: label ORG 'Rabat'")
        text = screen.active_view.article.text
        with other_store(seeded_db) as check:
            mine = [(text[s.start:s.end], s.label) for s in check.view.spans(rabat.article_id)
                    if not s.is_suggestion]
        assert mine == [("Rabat", "ORG")]
        await press(pilot, "u", "U")  # redo: the cursor is on the span redone
        assert selected_text(app) == "Rabat"
        assert app.status == "saved: redo label ORG 'Rabat'"  # as it was said when decided


async def test_undo_goes_to_the_pane_holding_the_span(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3)
        screen = app.screen
        first = screen.panes[0].view.selected_span
        await press(pilot, "a", "tab", "tab")
        assert shown_active(screen) == [3]
        await press(pilot, "u")
        assert shown_active(screen) == [1]
        assert screen.active_view.selected_span.key == first.key
        surface = selected_text(app)
        await press(pilot, "x")  # acts in article 1, on the span undone
        assert decided(seeded_db, 1) == [(surface, "rejected")]
        assert decided(seeded_db, 3) == []


async def test_undo_in_an_article_that_is_not_open_says_so(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        first = screen.active_view.selected_span
        text = selected_text(app)
        await press(pilot, "a", "n")
        assert screen.active_view.article.id == 2
        cursor = screen.active_view.selected_span
        await press(pilot, "u")
        assert app.status == f"saved: undo accept {first.label} '{text}' (in article 1, not open)"
        assert screen.active_view.selected_span == cursor
        assert decided(seeded_db, 1) == []


async def test_undo_of_a_span_made_by_hand_puts_the_cursor_where_it_was(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await press(pilot, "w", "w", "v", "1")  # the token under the cursor becomes a PERSON span
        made = screen.active_view.selected_span
        assert made.origin == "human"
        await press(pilot, "j", "j", "u")
        surface = screen.active_view.article.text[made.start:made.end]
        assert app.status == f"saved: undo new span PERSON '{surface}'"  # as "v 1" said it
        assert screen.active_view.selected_span.start >= made.start
        assert decided(seeded_db, made.article_id) == []


async def test_the_reader_opens_with_the_sessions_cursor_and_pane_before_any_key(seeded_db, monkeypatch):
    """Regression: the session's cursor was put back only after the first paint, so a key
    typed as the app started (x) acted on the first entity, then the cursor jumped."""
    from tui.screens.reader import ReaderScreen

    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, *OPEN_1_2_3, "tab", "j", "j")
        saved = app.screen.active_view.selected_span
        assert saved != app.screen.active_view.spans[0]
    seen: list = []
    original = ReaderScreen.on_mount

    def on_mount(self):  # the first moment a key could reach the reader
        seen.append((self.active_pane.article.id, self.active_view.selected_span,
                     [p.article.id for p in self.panes if p.has_class("-active")]))
        original(self)
        seen.append(self.focused is self.active_view)

    monkeypatch.setattr(ReaderScreen, "on_mount", on_mount)
    again = app_on(seeded_db)
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert seen == [(2, saved, [2]), True]
        await press(pilot, "x")
        assert decided(seeded_db, 2) == [(again.screen.active_view.article.text[saved.start:saved.end],
                                          "rejected")]
