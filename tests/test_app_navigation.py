"""Pilot tests of moving around: panes, articles, highlights, bidi, help, palette, session, mouse."""

from __future__ import annotations

from app_helpers import (
    app_on,
    open_first,
    other_store,
    press,
    screen_text,
    select_surface,
    settle,
    span_at,
    type_text,
)
from textual import events

from annotations.text import fold
from tui.screens.dialogs import HelpScreen
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.article_view import ArticleView

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL, BIG = (80, 24), (160, 48)


async def test_next_and_previous_article_follow_library_order(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "Hammouchi")  # articles 1, 2, 3 and 5 (the Arabic one spells it حموشي)
        await press(pilot, "escape", "enter")
        screen = app.screen
        assert screen.active_view.article.id == 1
        await press(pilot, "n")
        assert screen.active_view.article.id == 2
        await press(pilot, "n", "n")
        assert screen.active_view.article.id == 5
        await press(pilot, "n")
        assert screen.active_view.article.id == 5
        assert app.status == "no next article"
        await press(pilot, "p")
        assert screen.active_view.article.id == 3
        assert len(list(app.screen.query(ArticleView))) == 1


async def test_three_panes_highlight_same_surface_everywhere(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space", "enter")
        screen = app.screen
        views = list(app.screen.query(ArticleView))
        assert [v.article.id for v in views] == [1, 2, 3]
        await select_surface(pilot, "Morocco")
        for view in views:
            mentions = {view.article.text[s:e] for s, e in view.highlights}
            assert mentions and {fold(m) for m in mentions} == {"morocco"}, view.article.id
        # the other panes scrolled their first mention into view
        for view in views[1:]:
            line = view.display_lines.line_of(view.highlights[0][0])
            assert view.scroll_offset.y <= line < view.scroll_offset.y + view.size.height
        await press(pilot, "tab")
        assert screen.active_view is views[1]
        await press(pilot, "shift+tab", "shift+tab")
        assert screen.active_view is views[2]


async def test_a_fourth_mark_is_refused_and_the_annotator_chooses_which_three(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await press(pilot, "space", "space", "space", "space")  # marks 1, 2, 3; the 4th is refused
        assert list(articles.marked) == [1, 2, 3] and articles.highlighted == 4
        assert app.status == "at most 3 articles side by side: unmark one first (space on it)"
        assert app.status in screen_text(app)  # it fits the 80-column status bar
        await press(pilot, "k", "space", "space", "enter")  # unmark 3 (the cursor moves on), mark 4
        assert [v.article.id for v in app.screen.query(ArticleView)] == [1, 2, 4]


async def test_bidi_key_cycles_modes_on_the_arabic_seed(seeded_db):
    app = app_on(seeded_db, bidi="auto")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "j", "j", "j", "enter")
        view = app.screen.active_view
        assert view.article.lang == "ar"
        await press(pilot, "B")
        assert (view.bidi, app.bidi) == ("on", "on")
        assert app.status == "bidi: on (right-to-left lines reordered by Parallax)"
        await press(pilot, "B")
        assert view.bidi == "off" and not view.reorders
        assert app.status == "bidi: off (right-to-left lines left to the terminal)"


async def test_help_lists_bindings_with_remapped_keys(seeded_db, tmp_path, monkeypatch):
    config = tmp_path / "parallax.toml"
    config.write_text('[keys]\n"reader.accept" = "z"\n"no.such" = "q"\n', encoding="utf-8")
    monkeypatch.setenv("PARALLAX_CONFIG", str(config))
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        # instruction first, so 80 columns show it; the detail (file, line) after
        assert app.status == "[keys] 'no.such': ? lists every id (parallax.toml:3: not a binding id, ignored)"
        screen = await open_first(pilot)
        sel = screen.active_view.selected_span
        await press(pilot, "a")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).is_suggestion  # a is no longer accept
        await press(pilot, "z")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).status == "accepted"
            assert check.query("SELECT count(*) AS n FROM spans")[0]["n"] == 1
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.query_one("#help-table").render().plain
        assert "reader.accept" in help_text and "Accept the selected entity" in help_text
        accept_line = next(line for line in help_text.splitlines() if "reader.accept " in line + " ")
        assert accept_line.split()[0] == "z"
        await press(pilot, "escape")
        assert isinstance(app.screen, ReaderScreen)


async def test_command_palette_runs_actions_labels_and_opens_articles(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_first(pilot)
        sel = screen.active_view.selected_span
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Label: NORP")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await settle(pilot)
        with other_store(seeded_db) as check:
            assert span_at(check, sel).label == "NORP"
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Alaouite")  # only in article 3's text
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await settle(pilot)
        assert [v.article.id for v in app.screen.query(ArticleView)] == [3]


async def test_session_restores_articles_panes_and_cursor(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "space", "j", "space", "enter", "tab")  # space moves down: marks 1 and 3
        await select_surface(pilot, "Avril Haines")
        where = app.screen.active_view.selected_span
    again = app_on(seeded_db)
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ReaderScreen)
        assert [v.article.id for v in again.screen.query(ArticleView)] == [1, 3]
        view = again.screen.active_view
        assert view.article.id == 3
        assert (view.selected_span.start, view.selected_span.end) == (where.start, where.end)
        library = again.screen_stack[-2]
        assert isinstance(library, LibraryScreen) and len(library.query(ArticleList)) == 0  # built when shown
        await press(pilot, "escape")
        await settle(pilot)
        assert again.screen is library
        articles = library.query_one(ArticleList)
        assert articles.has_focus and articles.highlighted is not None and len(articles.ids) == 5
    third = app_on(seeded_db)
    async with third.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert isinstance(third.screen, LibraryScreen)


async def test_a_restored_reader_saves_its_session_once_it_is_drawn(seeded_db):
    """Issue 20: the launch to a restored reader commits nothing and starts no background work
    (the database check, the opened article's tokens) before the reader is on screen; the
    session is saved (with each pane's scroll) and the work started once it is."""
    from textual._compositor import Compositor

    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "space", "j", "space", "enter")  # articles 1 and 3
        await settle(pilot)
    again = app_on(seeded_db)
    frames: list[str] = []  # the screen each frame drew
    saves: list[list[str]] = []  # the frames drawn when the session was saved
    started: list[tuple[str, list[str]]] = []  # each background job, and the frames drawn by then
    render_update = Compositor.render_update
    save = again.store.presence.save_session
    run_worker = again.run_worker

    def drawing(compositor, *args, **kwargs):
        frames.append(type(again.screen).__name__)
        return render_update(compositor, *args, **kwargs)

    def saving(state, **kwargs):
        saves.append(list(frames))
        return save(state, **kwargs)

    def starting(work, *args, **kwargs):
        started.append((kwargs.get("group", ""), list(frames)))
        return run_worker(work, *args, **kwargs)

    again.store.presence.save_session = saving
    again.run_worker = starting  # type: ignore[method-assign]
    Compositor.render_update = drawing
    try:
        async with again.run_test(size=SMALL) as pilot:
            await settle(pilot)
            assert isinstance(again.screen, ReaderScreen)
            session = again.store.presence.load_session()
    finally:
        Compositor.render_update = render_update
    assert saves and all("ReaderScreen" in drawn for drawn in saves), saves
    assert {"check", "opened"} <= {group for group, _ in started}, started
    assert all("ReaderScreen" in drawn for _, drawn in started), started
    assert session["reader"]["articles"] == [1, 3] and all("top" in p for p in session["reader"]["panes"])


async def test_session_gives_every_pane_its_scroll_back(seeded_db):
    """Issue 20 §1: a pane that was not active got its cursor back after a restart but not its
    scroll (it showed the article's top). Each pane shows the text it showed when the app quit."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "enter")  # articles 1 and 2
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        first = reader.active_view
        await press(pilot, *["j"] * 25)  # well down the first article: it scrolls
        await press(pilot, "tab")  # the first pane is not the active one now
        await settle(pilot)
        second = reader.active_view
        await press(pilot, *["j"] * 12)
        await settle(pilot)
        tops = [first.display_lines.top_offset(), second.display_lines.top_offset()]
        assert first.scroll_offset.y > 0 and tops[0] > 0 and tops[1] > 0
        await press(pilot, "q")
    again = app_on(seeded_db)
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        reader = again.screen
        assert isinstance(reader, ReaderScreen)
        views = [p.view for p in reader.panes]
        assert reader.active_view is views[1]
        assert [v.display_lines.top_offset() for v in views] == tops
        assert views[0].scroll_offset.y > 0


async def test_mouse_opens_a_row_and_selects_a_span(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(10, 1))
        await settle(pilot)
        assert articles.highlighted == 2
        await pilot.click(ArticleList, offset=(10, 1), times=2)
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        view = app.screen.active_view
        target = next(s for s in view.spans if view.article.text[s.start:s.end] == "Christopher Wray")
        x, y = view.display_lines.cell_of(target.start + 2)
        await pilot.click(ArticleView, offset=(x, y - view.scroll_offset.y))
        await settle(pilot)
        assert view.selected_span.key == target.key
        assert "'Christopher Wray'" in screen_text(app)


async def test_the_footer_fits_80_columns_and_follows_the_cursor_mode(seeded_db, tmp_path, monkeypatch):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot)

        def footer() -> str:
            return " ".join(screen_text(app).splitlines()[-1].split())

        entity_keys = ["j Next", "a Accept", "x Reject", "l Label", "u Undo", "d Done", "w Token",
                       "q Quit", "? Help"]
        assert all(key in footer() for key in entity_keys), footer()
        await press(pilot, "w")  # the token cursor: the keys that make a span
        assert all(key in footer() for key in ["w Token", "b Back", "v Select", "m Make span", "? Help"])
        assert "a Accept" not in footer()
        await press(pilot, "v", "w", "escape", "j")  # back to the entity cursor
        assert "a Accept" in footer() and "v Select" not in footer()
        await press(pilot, "a")  # and every key still works whatever the footer shows
        with other_store(seeded_db) as check:
            assert check.query("SELECT count(*) AS n FROM spans WHERE annotator='alice'")[0]["n"] == 1
    # A remapped key is shown as remapped.
    config = tmp_path / "parallax.toml"
    config.write_text('[keys]\n"reader.next" = "n,down"\n"reader.next_article" = "N"\n', encoding="utf-8")
    monkeypatch.setenv("PARALLAX_CONFIG", str(config))
    remapped = app_on(seeded_db)
    async with remapped.run_test(size=SMALL) as pilot:
        await settle(pilot)  # the session brings the reader back
        assert isinstance(remapped.screen, ReaderScreen)
        assert "n Next" in " ".join(screen_text(remapped).splitlines()[-1].split())


async def test_command_palette_searches_article_text_safely(seeded_db):
    """What the user types is searched as words: an unbalanced quote or FTS syntax is no error."""
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        await open_first(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, '"Alaouite')
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await settle(pilot)
        assert [v.article.id for v in app.screen.query(ArticleView)] == [3]


async def test_keys_typed_with_the_enter_that_opens_an_article_act_in_its_reader(seeded_db):
    """Enter and the keys after it arrive together (typed ahead, as a terminal delivers them):
    the keys after enter belong to the reader it opens; the library's cursor stays put."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        library = app.screen
        for name, character in (("enter", "\r"), ("j", "j"), ("j", "j"), ("w", "w")):
            app.post_message(events.Key(name, character))  # in one go, before any is handled
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        view = reader.active_view
        assert view.selected_span.key == view.spans[2].key  # j j moved the reader's entity cursor
        assert view.token_selection.token_mode  # and w took out its token cursor
        assert library.query_one(ArticleList).cursor == 0
