"""Pilot tests of the reader: every key's decision is checked in the database through a second Store."""

from __future__ import annotations

import pytest
from app_helpers import (
    app_on,
    open_first,
    other_store,
    press,
    screen_text,
    select_surface,
    selected_text,
    settle,
    span_at,
    type_text,
)
from store_helpers import LockHolder

from annotations.importer import import_seeds
from annotations.store import Store
from annotations.text import fold
from tui.app import make_app
from tui.screens.dialogs import ConfirmDialog, PickerDialog
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import STATUS_WORDS, ArticleList

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL, BIG = (80, 24), (160, 48)


@pytest.mark.parametrize("size", [SMALL, BIG])


async def test_accept_is_committed_and_advances(seeded_db, size):
    app = app_on(seeded_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_first(pilot)
        first = screen.active_view.selected_span
        assert first.is_suggestion
        surface = selected_text(app)
        await press(pilot, "a")
        with other_store(seeded_db) as check:
            row = check.query("SELECT start, end, label, status, origin, source FROM spans "
                              "WHERE annotator='alice'")
        assert row == [{"start": first.start, "end": first.end, "label": first.label, "status": "accepted",
                        "origin": "model", "source": "test-model 1.0"}]
        assert app.status == f"saved: accept {first.label} '{surface}' · * does it to all alike"
        assert screen.active_view.selected_span.start > first.start  # moved on to the next entity
        assert app.status in screen_text(app)


async def test_accept_on_a_span_already_accepted_says_nothing_was_saved(seeded_db):
    """``a`` again on a span accepted as it stands writes nothing: the status says so (not
    "saved"), and the event log has the one accept."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        first = screen.active_view.selected_span
        surface = selected_text(app)
        await press(pilot, "a", "k")
        assert screen.active_view.selected_span.start == first.start
        await press(pilot, "a")
        assert app.status.startswith(f"already so, nothing to save: accept {first.label} '{surface}'")
        await press(pilot, "k", "x")
        assert app.status.startswith(f"saved: reject {first.label} '{surface}'")
        with other_store(seeded_db) as check:
            actions = [r["action"] for r in check.query("SELECT action FROM events ORDER BY id")
                       if r["action"] in ("accept", "reject")]
        assert actions == ["accept", "reject"]


async def test_reject_and_previous(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await press(pilot, "j")
        second = screen.active_view.selected_span
        await press(pilot, "k")
        await press(pilot, "down", "up")
        first = screen.active_view.selected_span
        assert first.start < second.start
        await press(pilot, "x")
        with other_store(seeded_db) as check:
            spans = {(s.start, s.end): s.status for s in check.view.spans(first.article_id)}
        assert spans[(first.start, first.end)] == "rejected"


async def test_accept_all_asks_then_accepts_everything(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        await press(pilot, "A")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        with other_store(seeded_db) as check:
            assert all(s.is_suggestion for s in check.view.spans(article_id))
        await press(pilot, "A", "y")
        with other_store(seeded_db) as check:
            spans = check.view.spans(article_id)
        assert spans and all(s.status == "accepted" for s in spans)
        assert app.status.startswith(f"saved: accepted all {len(spans)} ")


async def test_number_keys_and_label_picker(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        sel = screen.active_view.selected_span
        labels = app.store.labels.names()
        await press(pilot, "2")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).label == labels[1]
            assert span_at(check, sel).status == "corrected"
        await press(pilot, "l")
        assert isinstance(app.screen, PickerDialog)
        await type_text(pilot, "gp")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).label == "GPE"
        # a new valid label is added to the scheme
        await press(pilot, "l")
        await type_text(pilot, "WEAPON")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).label == "WEAPON"
            assert "WEAPON" in check.labels.names()
        # an invalid one is refused in the dialog; escape leaves everything as it was
        await press(pilot, "l")
        await type_text(pilot, "9 bad")
        await press(pilot, "enter")
        assert isinstance(app.screen, PickerDialog)
        await press(pilot, "escape")
        assert isinstance(app.screen, ReaderScreen)
        with other_store(seeded_db) as check:
            assert span_at(check, sel).label == "WEAPON"
            assert "9 bad" not in check.labels.names()


async def test_undo_and_redo_refresh_the_pane(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        await press(pilot, "a")
        assert sum(not s.is_suggestion for s in screen.active_view.spans) == 1
        await press(pilot, "u")
        with other_store(seeded_db) as check:
            assert all(s.is_suggestion for s in check.view.spans(article_id))
        assert all(s.is_suggestion for s in screen.active_view.spans)
        first = screen.active_view.selected_span  # the cursor is back on the span undone
        assert app.status == f"saved: undo accept {first.label} '{selected_text(app)}'"
        assert first.start == screen.active_view.spans[0].start
        await press(pilot, "U")
        with other_store(seeded_db) as check:
            assert sum(s.status == "accepted" for s in check.view.spans(article_id)) == 1
        assert sum(not s.is_suggestion for s in screen.active_view.spans) == 1
        await press(pilot, "U")
        assert app.status == "nothing to redo"


async def test_done_toggles_and_shows_in_title(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        await press(pilot, "d", "l")  # l: leave the suggestions undecided
        with other_store(seeded_db) as check:
            assert check.view.status(article_id) == "done"
        assert " · done ✓" in screen_text(app).splitlines()[0]
        await press(pilot, "d")
        with other_store(seeded_db) as check:
            assert check.view.status(article_id) == "in_progress"


async def test_boundaries_move_by_one_token(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Christopher Wray")
        text = screen.active_view.article.text

        async def now() -> str:
            """The selected span's text as committed (a decided span keeps its key)."""
            key = screen.active_view.selected_span.key
            assert key[0] == "span"
            with other_store(seeded_db) as check:
                span = check.view.span(key)
            return text[span.start:span.end]

        await press(pilot, "left_square_bracket")
        assert await now() == ", Christopher Wray"
        assert app.status == "saved: resize PERSON ', Christopher Wray'"
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert await now() == "Wray"
        await press(pilot, "left_square_bracket", "right_curly_bracket")
        assert await now() == "Christopher Wray,"
        await press(pilot, "left_curly_bracket")
        assert await now() == "Christopher Wray"


async def test_make_a_span_with_the_token_cursor(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "FBI")
        view = screen.active_view
        await press(pilot, "b", "b", "b", "b")  # token mode starts on "FBI", then "the", "of", "head"
        assert view.token_selection.token_mode
        assert view.article.text[slice(*view.token_selection.token_cursor)] == "head"
        await press(pilot, "v", "w", "w", "w")
        assert view.article.text[slice(*view.token_selection.selection)] == "head of the FBI"
        await press(pilot, "m")
        assert isinstance(app.screen, PickerDialog)
        await type_text(pilot, "ORG")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            made = [s for s in check.view.spans(1) if s.origin == "human"]
        assert [(view.article.text[s.start:s.end], s.label, s.status) for s in made] == \
            [("head of the FBI", "ORG", "accepted")]
        assert app.last_label == "ORG"
        # the next span made defaults to the last label used: enter takes it
        await press(pilot, "w", "w", "v", "m", "enter")
        with other_store(seeded_db) as check:
            assert sorted(s.label for s in check.view.spans(1) if s.origin == "human") == ["ORG", "ORG"]
        # a number key makes the selection a span with that label
        await press(pilot, "w", "v", "w", "1")
        with other_store(seeded_db) as check:
            assert sorted(s.label for s in check.view.spans(1) if s.origin == "human") == ["ORG", "ORG",
                                                                                           "PERSON"]


async def test_delete_a_span_and_reject_a_suggestion(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        view = screen.active_view
        suggestion = view.selected_span
        await press(pilot, "D")
        with other_store(seeded_db) as check:
            assert {(s.start, s.end): s.status for s in check.view.spans(1)}[(suggestion.start,
                                                                              suggestion.end)] \
                == "rejected"
        await press(pilot, "w", "w", "v", "w", "1")  # "Hammouchi and": not the rejected span's offsets
        with other_store(seeded_db) as check:
            made = [s for s in check.view.spans(1) if s.origin == "human"]
        assert [view.article.text[s.start:s.end] for s in made] == ["Hammouchi and"]
        view.select_key(made[0].key)
        await press(pilot, "delete")
        with other_store(seeded_db) as check:
            assert [s for s in check.view.spans(1) if s.origin == "human"] == []


async def test_tags_on_span_and_article_with_completion(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        sel = screen.active_view.selected_span
        await press(pilot, "t")
        await type_text(pilot, "needs review")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert span_at(check, sel).tags == ("needs review",)
        await press(pilot, "j", "t")
        await type_text(pilot, "need")
        picker = app.screen
        options = picker.query_one("#picker-options")
        assert options.get_option_at_index(0).prompt.plain == "needs review"
        await press(pilot, "enter")
        await press(pilot, "T")
        await type_text(pilot, "batch 1")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert check.tags.of_article(1) == ["batch 1"]
            assert check.tags.known()[0] == "needs review"
        assert "tags: needs review" in screen_text(app)
        await press(pilot, "t")
        await type_text(pilot, "-needs review")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert check.view.span(screen.active_view.selected_span.key).tags == ()


async def test_link_spellings_to_one_entity(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        await settle(pilot)
        await press(pilot, "j", "enter")  # article 2 has "Avril Haine" and "Avril Haines"
        await select_surface(pilot, "Avril Haine")
        await press(pilot, "e")
        picker = app.screen
        assert picker.query_one("#picker-input").value == "Avril Haine"
        await press(pilot, "ctrl+u")  # clear the input, then type the right name
        await type_text(pilot, "Avril Haines")
        await press(pilot, "enter")
        await select_surface(pilot, "Avril Haines")
        await press(pilot, "e", "enter")  # the existing entity comes first
        with other_store(seeded_db) as check:
            entities = check.entities.all()
            assert [e["name"] for e in entities] == ["Avril Haines"]
            linked = [s for s in check.view.spans(2) if s.entity_id == entities[0]["id"]]
            aliases = check.query("SELECT alias FROM aliases ORDER BY alias")
        text = app.store.articles.get(2).text
        assert sorted(text[s.start:s.end] for s in linked) == ["Avril Haine", "Avril Haines"]
        assert [a["alias"] for a in aliases] == ["Avril Haine", "Avril Haines"]
        assert "entity: Avril Haines" in screen_text(app)


async def test_copy_entity_sentence_and_article(seeded_db, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "1.2.3.4 1 5.6.7.8 22")  # no local clipboard over SSH
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Christopher Wray")
        text = screen.active_view.article.text
        await press(pilot, "c")
        assert app.clipboard == "Christopher Wray"
        # headless and over SSH nothing can reach a clipboard: the status bar says so
        assert app.status.startswith("entity: could not copy")
        await press(pilot, "y")
        assert app.clipboard.startswith("The meeting between") and app.clipboard.endswith("United States.")
        assert "Christopher Wray" in app.clipboard
        await press(pilot, "Y")
        assert app.clipboard == text


async def test_two_annotators_each_keep_their_own_work(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        sel = screen.active_view.selected_span
        with other_store(seeded_db, "bob") as bob:  # bob works at the same time, in his own process
            bob.decisions.reject(sel.key)
        await press(pilot, "a")
        with other_store(seeded_db, "bob") as bob:
            assert span_at(bob, sel).status == "rejected"
        with other_store(seeded_db, "alice") as alice:
            assert span_at(alice, sel).status == "accepted"


@pytest.mark.parametrize("key", ["q", "ctrl+c"])


async def test_quit_keys(seeded_db, key):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot)
        await press(pilot, "a")
        await pilot.press(key)
        await pilot.pause()
        assert not app.is_running
    with other_store(seeded_db) as check:
        assert check.query("SELECT count(*) AS n FROM spans")[0]["n"] == 1


async def test_a_failing_background_job_is_reported_and_the_app_goes_on(tmp_path, monkeypatch):
    """Pre-annotation fails in its process (here: the project names an English pipeline that is
    not installed); the status bar says why and the articles can still be annotated by hand."""
    monkeypatch.delenv("PARALLAX_CONFIG", raising=False)
    (tmp_path / "parallax.toml").write_text('[models]\nen = "en_no_such_pipeline"\n', encoding="utf-8")
    app = make_app(tmp_path / "parallax.db", annotator="alice", preannotate=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.status.startswith("pre-annotation failed: ")
        assert "en_no_such_pipeline" in app.status
        assert "pre-annotation failed: " in screen_text(app)
        await open_first(pilot)  # the articles are there to annotate by hand
        await press(pilot, "w")
        assert isinstance(app.screen, ReaderScreen)


async def test_first_run_imports_seeds_and_preannotates_in_background(tmp_path):
    path = tmp_path / "parallax.db"
    app = make_app(path, annotator="alice", preannotate=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.status.startswith("pre-annotation finished")
        assert len(app.screen.query_one(ArticleList).ids) == 5
    with other_store(path) as check:
        assert check.query("SELECT count(DISTINCT article_id) AS n FROM suggestions")[0]["n"] >= 4


async def test_the_reader_opens_while_pre_annotation_runs_and_shows_its_suggestions_after(tmp_path):
    """Pre-annotation runs in its own process; here it is held, deterministically, by a write lock
    another process keeps (its first write waits), so "the reader opens meanwhile" is a fact."""
    path = tmp_path / "parallax.db"
    with Store(path, annotator="alice") as store:
        import_seeds(store)  # imported, not pre-annotated yet
    holder = LockHolder(path)
    try:
        app = make_app(path, annotator="alice", preannotate=True)
        async with app.run_test(size=SMALL) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.jobs.nlp_processes and len(app.screen.query_one(ArticleList).ids) == 5:
                    break
            assert app.jobs.nlp_processes, "pre-annotation should be running in its process"
            await pilot.press("enter")  # the reader opens while pre-annotation waits
            for _ in range(100):
                await pilot.pause(0.05)
                if isinstance(app.screen, ReaderScreen):
                    break
            assert isinstance(app.screen, ReaderScreen) and not app.screen.active_view.spans
            assert [w for w in app.workers if w.group == "preannotate" and not w.is_finished]
            holder.release()
            await app.workers.wait_for_complete()
            await settle(pilot)
            assert app.status.startswith("pre-annotation finished")
            assert app.screen.active_view.spans, "suggestions appear in the open pane when they are ready"
    finally:
        holder.release()


def _shown(view) -> list:
    return sorted(view.spans, key=lambda s: (s.start, s.end, s.label, s.key))


@pytest.mark.parametrize("keys", [
    ["a", "x", "a", "2", "j", "3"],  # accept (moves on), reject, accept, relabel...
    ["}", "}", "{", "[", "]", "a", "]"],  # boundaries move away from the suggestion and back
    ["D", "j", "a", "k", "D", "u", "U"],  # delete a suggestion (rejects) and a decision; undo/redo
    ["w", "w", "v", "w", "1", "a", "b", "m"],  # new spans from the token cursor
])
async def test_the_view_after_each_decision_is_what_the_store_says(seeded_db, keys):
    """The reader re-reads only the decided span's neighbourhood; it must match a full read."""
    app = app_on(seeded_db)
    async with app.run_test(size=BIG) as pilot:
        screen = await open_first(pilot)
        await press(pilot, "j", "j")
        view = screen.active_view
        for key in keys:
            await press(pilot, key)
            if app.screen is not screen:  # a picker (m): take the highlighted label
                await press(pilot, "enter")
            with other_store(seeded_db) as check:
                stored = check.view.spans(view.article.id)
                status = check.view.status(view.article.id)
            assert _shown(view) == sorted(stored, key=lambda s: (s.start, s.end, s.label, s.key)), key
            assert [(s.start, -s.end) for s in view.spans] == sorted((s.start, -s.end) for s in view.spans)
            counts = {"accepted": sum(1 for s in stored if s.status in ("accepted", "corrected")),
                      "rejected": sum(1 for s in stored if s.status == "rejected")}
            title = screen.active_pane.query_one(".pane-title").render().plain
            suggested = sum(1 for s in stored if s.is_suggestion)
            assert f"✓{counts['accepted']} ✗{counts['rejected']} ?{suggested}" in title, (key, title)
            assert f" · {STATUS_WORDS[status]} ✓" in title
            span = view.selected_span
            if span is not None:  # every mention of the selected surface is lit, spans included
                folded = fold(view.article.text[span.start:span.end])
                same = [(s.start, s.end) for s in stored if fold(view.article.text[s.start:s.end]) == folded]
                assert set(same) <= set(view.highlights)


async def test_token_boundaries_come_from_the_nlp_process_when_an_article_is_first_opened(tmp_path):
    """spaCy does not run in the app: opening an article without stored tokens starts the NLP
    process, the token keys say to wait meanwhile, then land on spaCy's own tokens."""
    from app_helpers import make_seeded_db

    from annotations.tokenizers import token_offsets, tokenizer_name

    path = tmp_path / "parallax.db"
    make_seeded_db(path, tokens=False)
    app = app_on(path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, 1)
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.active_view
        if not view.tokens.ready:  # (a very fast machine may have them already)
            await pilot.press("w")
            await pilot.pause()
            assert app.status.startswith("token boundaries are still being computed")
            assert not view.token_selection.token_mode
        await app.workers.wait_for_complete()
        await settle(pilot)
        article = view.article
        expected = token_offsets(article.text, article.lang)
        await press(pilot, "w")  # the token cursor comes out on a token of spaCy's...
        first = view.token_selection.token_cursor
        assert first in expected
        await press(pilot, "w", "w")  # ...and moves along them
        assert view.token_selection.token_cursor == expected[expected.index(first) + 2]
    with other_store(path) as check:
        assert check.tokens.get(article.id, tokenizer_name(article.lang)) == expected
