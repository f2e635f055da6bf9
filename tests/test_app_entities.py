"""Pilot tests of one story across articles: the entity panel, > <, f, * and the conflicts view,
each checked in the database through a second Store."""

from __future__ import annotations

import threading

import pytest
from app_helpers import app_on, burst, other_store, press, select_surface, selected_text, settle, type_text
from story_helpers import WRAY_AR, article_with, make_story_db, sahel_view

from annotations.store.bulk import Bulk, BulkDecision, BulkTarget
from tui.screens.conflicts import ConflictsScreen
from tui.screens.dialogs import PickerDialog
from tui.screens.jump import JumpDialog
from tui.screens.propagate import PropagateDialog
from tui.screens.reader import ReaderScreen
from tui.widgets.entity_panel import EntityPanel
from tui.writes import BulkDecide

SIZE = (80, 24)
LOC = "4"  # the fourth label of the default scheme


@pytest.fixture
def story_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path)
    return path


async def open_article(pilot, index: int = 0) -> ReaderScreen:
    await settle(pilot)
    await press(pilot, *(["j"] * index), "enter")
    assert isinstance(pilot.app.screen, ReaderScreen)
    return pilot.app.screen


async def test_the_panel_lights_every_mention_and_reaches_the_arabic_one(story_db):
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        panel = screen.query_one(EntityPanel)
        assert not panel.children  # its title and list are built when first shown (issue 20)
        await press(pilot, "E")
        assert panel.shown and panel.has_focus_within
        assert [e.name for e in panel.data.entities] == ["Christopher Wray"]
        await press(pilot, "enter")  # choose it
        wray_id = panel.data.entities[0].id
        assert screen.chosen_entity == wray_id
        view = screen.active_view
        lit = {view.article.text[s:e] for s, e in view.highlights}
        assert lit == {"Christopher Wray"} and len(view.highlights) == 2  # linked, and its alias as written
        # look-alikes: the same form unlinked in other articles; l links the highlighted one
        candidates = panel.data.candidates
        assert {m.article_id for m, _ in candidates} >= {2, 5}
        await press(pilot, "j", "j")  # the article rows
        while not isinstance(panel.highlighted_row(), type(candidates[0][0])):
            await press(pilot, "j")
        target = panel.highlighted_row()
        await press(pilot, "l")
        with other_store(story_db) as check:
            linked = [s for s in check.view.spans(target.article_id)
                      if (s.start, s.end) == (target.start, target.end)]
            assert [s.entity_id for s in linked] == [wray_id]
        # > goes from mention to mention across articles, opening them, up to the Arabic one
        await press(pilot, "escape")
        assert not panel.has_focus_within
        for _ in range(8):
            if screen.active_view.article.lang == "ar":
                break
            await press(pilot, "greater_than_sign")
        view = screen.active_view
        assert view.article.lang == "ar" and selected_text(app) == WRAY_AR
        assert view.selected_span.entity_id == wray_id
        start = view.article.text.index(WRAY_AR)
        assert (start, start + len(WRAY_AR)) in view.highlights  # lit whatever the script
        assert screen.panes[0].article.lang == "en" and screen.panes[-1].view is view  # opened beside
        await press(pilot, "less_than_sign")
        assert screen.active_view.article.lang != "ar"
        await press(pilot, "E", "E")  # focus the panel, then hide it
        assert not panel.shown


async def test_keys_go_to_the_panel_while_it_has_the_focus(story_db):
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        selected = screen.active_view.selected_span
        await press(pilot, "E", "a", "x", "4")
        with other_store(story_db) as check:
            assert [s.status for s in check.view.spans(selected.article_id)
                    if (s.start, s.end) == (selected.start, selected.end)] == ["suggested"]
        await press(pilot, "escape", "a")  # back in the pane: a accepts
        with other_store(story_db) as check:
            assert [s.status for s in check.view.spans(selected.article_id)
                    if (s.start, s.end) == (selected.start, selected.end)] == ["accepted"]


async def test_star_relabels_every_sahel_and_one_u_restores_them(story_db):
    with other_store(story_db) as check:
        before = sahel_view(check)
    assert {label for label, _ in before.values()} == {"PERSON", "LOC"}
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        await select_surface(pilot, "Sahel")
        await press(pilot, LOC)
        assert app.status.endswith("· * does it to all alike")
        await press(pilot, "asterisk")
        assert isinstance(app.screen, PropagateDialog)
        await settle(pilot)
        corpus = app.screen.previews["corpus"]
        assert corpus.changes == len(before) - 1 and len(corpus.articles) == 4
        await press(pilot, "c")
        await settle(pilot)
        with other_store(story_db) as check:
            after = sahel_view(check)
        assert set(after) == set(before) and {label for label, _ in after.values()} == {"LOC"}
        assert app.status.startswith("saved: accept as LOC every 'Sahel' in the corpus: 11 mentions")
        counts = screen.active_view.status_counts()
        title = screen.panes[0].query_one(".pane-title").render().plain
        assert f" · in progress ✓{counts['accepted'] + counts.get('corrected', 0)} " in title
        await press(pilot, "u")
        with other_store(story_db) as check:
            undone = sahel_view(check)
        assert {k: v for k, v in undone.items() if v[1] != "suggested"} == {
            k: ("LOC", "corrected") for k, v in undone.items() if v[1] != "suggested"}  # the one by hand
        assert sum(1 for v in undone.values() if v[1] == "suggested") == len(before) - 1
        await press(pilot, "asterisk", "o")  # the open article only
        await settle(pilot)
        with other_store(story_db) as check:
            scoped = sahel_view(check)
        english = screen.active_view.article.id
        assert {v[0] for k, v in scoped.items() if k[0] == english} == {"LOC"}
        assert {v[1] for k, v in scoped.items() if k[0] != english} == {"suggested"}


async def test_undo_of_a_star_typed_in_the_second_pane_leaves_the_cursor_in_that_pane(story_db):
    """The undo changes Sahel in both open articles: it puts the cursor on the one it changed in
    the pane where the annotator is (pane 2), not on the first article's."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "enter")  # the first two articles side by side
        screen = app.screen
        assert isinstance(screen, ReaderScreen) and len(screen.panes) == 2
        await press(pilot, "tab")
        second = screen.panes[1]
        assert screen.active_pane is second
        await select_surface(pilot, "Sahel")
        await press(pilot, LOC, "asterisk")
        await settle(pilot)
        await press(pilot, "o")
        await settle(pilot)
        assert app.status.startswith("saved: accept as LOC every 'Sahel' in the open articles")
        with other_store(story_db) as check:
            relabelled = {a for (a, _), (label, status) in sahel_view(check).items() if status == "corrected"}
        assert relabelled == {p.article.id for p in screen.panes}  # both articles changed
        await press(pilot, "u")
        assert app.status.startswith("saved: undo accept as LOC every 'Sahel' (")
        assert screen.active_pane is second
        assert selected_text(app) == "Sahel"


async def test_star_typed_with_a_decision_in_one_burst_repeats_that_decision(story_db):
    """* repeats the decision typed just before it, even when both keys arrive together (the
    decision is remembered as it is typed, not when a message about it is handled later)."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await open_article(pilot)
        await select_surface(pilot, "Sahel")
        await press(pilot, LOC)
        assert app.status.endswith("· * does it to all alike")  # accept as LOC: the one remembered
        await burst(pilot, "x", "asterisk")
        assert isinstance(app.screen, PropagateDialog)
        assert app.screen.last.kind == "reject" and app.screen.last.text == "Sahel"


async def test_f_jumps_to_a_word_in_any_script_then_m_makes_the_span(tmp_path):
    story_db = tmp_path / "parallax.db"
    make_story_db(story_db, link_wray=False)  # no span on كريستوفر راي yet
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        with other_store(story_db) as check:
            arabic = article_with(check, WRAY_AR)
            order = check.articles.ids()
        screen = await open_article(pilot, order.index(arabic))
        await press(pilot, "f")
        assert isinstance(app.screen, JumpDialog)
        await type_text(pilot, "حمو")
        await press(pilot, "enter")
        view = screen.active_view
        start, end = view.token_selection.token_cursor
        assert view.article.text[start:end].startswith("حموشي")
        await press(pilot, "f")
        await type_text(pilot, "رباط")  # a word with the article and a particle attached: بالرباط
        await press(pilot, "enter")
        rabat = view.token_selection.token_cursor
        assert view.article.text[rabat[0]:rabat[1]].startswith("بالرباط")
        await press(pilot, "f")
        await type_text(pilot, "الامريكي")  # a plain alef finds the hamza one: الأمريكي
        await press(pilot, "enter")
        found = view.token_selection.token_cursor
        assert view.article.text[found[0]:found[1]].startswith("الأمريكي")
        await press(pilot, "f", "ح", "م", "و", "enter")
        assert view.token_selection.token_cursor == (start, end)
        await press(pilot, "f")
        await press(pilot, "k", "r")  # Latin letters find nothing here: the cursor stays
        await press(pilot, "enter")
        assert view.token_selection.token_cursor == (start, end) and "no word starts with 'kr'" in app.status
        await press(pilot, "f", "ك", "ر", "ي", "enter", "v", "w", "m")
        assert isinstance(app.screen, PickerDialog)
        await press(pilot, "escape")
        await press(pilot, "f", "escape")  # cancelled: nothing moves
        await press(pilot, "1")  # the selection becomes a PERSON span
        with other_store(story_db) as check:
            made = [s for s in check.view.spans(arabic) if s.origin == "human" and s.label == "PERSON"]
        assert [view.article.text[s.start:s.end] for s in made] == [WRAY_AR]


async def test_the_conflicts_view_resolves_and_u_takes_it_back(story_db):
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
        with other_store(story_db) as check:
            assert {v for v in sahel_view(check).values()} == {("LOC", "corrected"), ("LOC", "accepted")}
        assert "surface:sahel" not in [c.key for c in screen.conflicts]
        await press(pilot, "u")
        await settle(pilot)
        with other_store(story_db) as check:
            assert {v[1] for v in sahel_view(check).values()} == {"suggested"}
        assert "surface:sahel" in [c.key for c in screen.conflicts]  # back in the list, above
        await press(pilot, "k")
        assert screen.current.key == "surface:sahel"
        await press(pilot, "i")
        with other_store(story_db) as check:
            assert check.entities.dismissed_conflicts() == {("surface", "surface:sahel")}
        await settle(pilot)
        while not screen.current.key.startswith("names:avril"):
            await press(pilot, "j")
        await press(pilot, "e")
        assert isinstance(app.screen, PickerDialog)
        await press(pilot, "enter")
        await settle(pilot)
        with other_store(story_db) as check:
            entity = next(e for e in check.entities.all() if e["name"].startswith("Avril"))
            linked = {check.articles.get(a).text[s.start:s.end] for a in check.articles.ids()
                      for s in check.view.spans(a) if s.entity_id == entity["id"]}
        assert linked == {"Avril Haines", "Avril Haine", "Avril Hainse"}
        await press(pilot, "u", "u")
        await settle(pilot)
        with other_store(story_db) as check:
            assert check.entities.dismissed_conflicts() == set()
            assert not any(e["name"].startswith("Avril") for e in check.entities.all())


async def test_enter_in_the_conflicts_view_goes_to_each_place(story_db):
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        await settle(pilot)
        places = app.screen.current_places
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        span = reader.active_view.selected_span
        assert (reader.active_view.article.id, span.start, span.end) == (
            places[0].article_id, places[0].start, places[0].end)
        await press(pilot, "C")
        await settle(pilot)
        await press(pilot, "enter")  # the next place, in its pane
        span = app.screen.active_view.selected_span
        assert (app.screen.active_view.article.id, span.start) == (places[1].article_id, places[1].start)


async def test_a_bulk_decision_in_the_background_shows_progress_and_keeps_later_ones_in_order(
        story_db, monkeypatch):
    """A decision typed while a bulk one is written waits its turn: it is written after it (the
    Sahel rejected, not relabelled; the last undo step the reject, the one before it the bulk).
    The bulk write is held open halfway (its progress said) until the test lets it go on."""
    app = app_on(story_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_article(pilot)
        selected = screen.active_view.selected_span
        gate, done = threading.Event(), []
        decide = Bulk.decide

        def held(bulk, target, decision, *, progress=None):
            progress(6, 12)
            assert gate.wait(30)
            return decide(bulk, target, decision, progress=progress)

        monkeypatch.setattr(Bulk, "decide", held)
        write = BulkDecide(BulkTarget(forms=("sahel",)), BulkDecision("label", label="LOC"), "every Sahel")
        app.decisions.submit("every Sahel", write, lambda result, late: done.append(result), background=True)
        for _ in range(50):
            await pilot.pause(0.01)
            if "6 of 12" in app.status:
                break
        assert app.status == "saving every Sahel: 6 of 12 mention(s)…"
        await pilot.press("j", "k")  # the screen answers meanwhile
        assert selected_text(app) == "Sahel"
        await pilot.press("x")
        assert app.status == f"reject {selected.label} 'Sahel' will be saved after the 1 decision typed " \
                             "before it"

        def status_there(check):
            return [s.status for s in check.view.spans(selected.article_id)
                    if (s.start, s.end) == (selected.start, selected.end)]

        with other_store(story_db) as check:
            assert status_there(check) == ["suggested"]
        gate.set()
        for _ in range(400):
            await pilot.pause(0.05)
            if not app.decisions.waiting:
                break
        await settle(pilot)
        assert done and done[0].changed == 12  # the Sahel was not rejected yet when it was written
        assert app.status.startswith("saved: reject LOC 'Sahel'")
        with other_store(story_db) as check:
            assert status_there(check) == ["rejected"]
            assert check.history.undo().action == "reject"
            assert check.history.undo().action == "relabel every"
