"""Promises the README makes about the app: the annotation memory is refreshed whenever an
article is opened (in a thread), and a label made in the picker goes away with its undo."""

from __future__ import annotations

import json

from app_helpers import (
    app_on,
    open_first,
    other_store,
    press,
    select_surface,
    selected_text,
    settle,
    type_text,
)
from store_helpers import LockHolder

from annotations.export import export
from annotations.model import ArticleRecord, SpanRecord
from tui.screens.dialogs import PickerDialog
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL = (80, 24)


def suggest_once(path, article_id: int, surface: str, label: str) -> None:
    """A model suggestion at the first mention of ``surface`` in one article only."""
    with other_store(path) as store:
        start = store.articles.get(article_id).text.index(surface)
        store.loading.add_suggestions(article_id, [SpanRecord(start, start + len(surface), label,
                                                              origin="model",
                                                      source="test-model 1.0")])


def hf_labels(folder) -> list[str]:
    """The label names of the English corpus of an HF export (one folder per language)."""
    return json.loads((folder / "en" / "labels.json").read_text())["label_names"]


def memory_spans(spans, text: str) -> list[tuple[str, str]]:
    return sorted({(text[s.start:s.end], s.label) for s in spans if s.origin == "memory"})


async def test_a_form_accepted_in_one_article_is_suggested_in_the_next_one_opened(seeded_db):
    suggest_once(seeded_db, 1, "Sahel", "LOC")
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Sahel")
        await press(pilot, "a")
        with other_store(seeded_db) as check:
            assert not any(s.origin == "memory" for s in check.view.spans(2))
        # Another process holds the write lock: the memory (in its NLP process) cannot store its
        # suggestions for article 2 until the test lets go, and the reader must work meanwhile.
        holder = LockHolder(seeded_db)
        try:
            await pilot.press("n")  # article 2 (library order), which mentions the Sahel twice
            for _ in range(200):
                await pilot.pause(0.05)
                if app.jobs.nlp_processes:
                    break
            assert app.jobs.nlp_processes and screen.active_view.article.id == 2
            first = screen.active_view.selected_span
            await pilot.press("j")
            await pilot.pause()
            assert screen.active_view.selected_span.start > first.start
            assert memory_spans(screen.active_view.spans, screen.active_view.article.text) == []
        finally:
            holder.release()
        await settle(pilot)
        text = screen.active_view.article.text
        assert text.count("Sahel") == 2
        assert memory_spans(screen.active_view.spans, text) == [("Sahel", "LOC")]
        with other_store(seeded_db) as check:
            stored = [s for s in check.view.spans(2) if s.origin == "memory"]
        assert [(text[s.start:s.end], s.label, s.status) for s in stored] == \
            [("Sahel", "LOC", "suggested")] * 2
        await select_surface(pilot, "Sahel")
        assert screen.active_view.selected_span.origin == "memory"


async def test_memory_folds_arabic_harakat(seeded_db):
    with other_store(seeded_db) as store:
        new_id = store.loading.add_article(ArticleRecord(text="زار الوفد الرِّباط يوم الثلاثاء.", title="زيارة",
                                                 lang="ar"))[0]
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.open_articles([4])  # the Arabic seed; its suggestions include الرباط (GPE)
        await settle(pilot)
        await select_surface(pilot, "الرباط")
        await press(pilot, "a")
        app.open_articles([new_id])
        await settle(pilot)
        view = app.screen.active_view
        assert view.article.id == new_id
        assert memory_spans(view.spans, view.article.text) == [("الرِّباط", "GPE")]


async def test_a_label_made_in_the_picker_goes_away_with_its_undo(seeded_db, tmp_path):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        article_id = screen.active_view.article.id
        surface = selected_text(app)
        await press(pilot, "l")
        await type_text(pilot, "spy_chief")  # a typo of a label nobody has
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert check.labels.names()[-1] == "spy_chief"
        await press(pilot, "u")
        assert selected_text(app) == surface
        with other_store(seeded_db, "bob") as check:  # bob: alice's redo stays possible
            assert "spy_chief" not in check.labels.names()
            check.decisions.set_article_status(article_id, "done")
            export(check, "hf", tmp_path / "hf")
        assert "B-PERSON" in hf_labels(tmp_path / "hf") and "B-spy_chief" not in hf_labels(tmp_path / "hf")
        await press(pilot, "l")  # the picker no longer offers it
        assert "spy_chief" not in app.screen.choices
        await press(pilot, "escape", "U")  # redo brings the label back with the decision
        with other_store(seeded_db) as check:
            assert check.labels.names()[-1] == "spy_chief"
            assert [s.label for s in check.view.spans(article_id) if not s.is_suggestion] == ["spy_chief"]
        with other_store(seeded_db, "bob") as check:
            export(check, "hf", tmp_path / "hf2")
        assert "B-spy_chief" in hf_labels(tmp_path / "hf2")


async def test_the_picker_offers_a_new_label_after_every_match(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot)
        await press(pilot, "l")
        picker = app.screen
        assert isinstance(picker, PickerDialog)
        await type_text(pilot, "lo")
        options = picker.query_one("#picker-options")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown[0] == "LOC" and shown[-1] == "+ new: lo" and len(shown) > 2
        assert options.highlighted == 0
        await press(pilot, "down", "enter")  # one arrow from LOC is another label, not "lo"
        assert isinstance(app.screen, ReaderScreen)
        with other_store(seeded_db) as check:
            assert "lo" not in check.labels.names()
        # A new name typed in full is still what enter takes.
        await press(pilot, "l")
        await type_text(pilot, "WEAPON")
        await press(pilot, "enter")
        with other_store(seeded_db) as check:
            assert check.labels.names()[-1] == "WEAPON"


async def test_articles_opened_quickly_share_one_nlp_child_at_a_time(seeded_db, monkeypatch):
    """Each NLP child loads spaCy: articles opened while one works wait and go to the next one
    together, so quick n/p presses never run several children at once on the annotator's CPU."""
    import threading

    from tui.jobs import Jobs

    calls: list[tuple[int, ...]] = []
    running = []  # how many run at once, seen by each call
    release = threading.Event()

    def opened(self, ids):
        running.append(sum(1 for w in self.host.workers if w.group == "opened" and w.is_running))
        calls.append(ids)
        if len(calls) == 1:
            release.wait(10)

    monkeypatch.setattr(Jobs, "_opened", opened)
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.jobs.articles_opened((1,))
        while not calls:
            await pilot.pause(0.01)
        app.jobs.articles_opened((2,))
        app.jobs.articles_opened((3, 2))
        release.set()
        await app.workers.wait_for_complete()
        assert calls == [(1,), (2, 3)]
        assert running == [1, 1]
        app.jobs.articles_opened((4,))  # the queue is free again: a later opening starts a new worker
        await app.workers.wait_for_complete()
        assert calls[-1] == (4,)


async def test_pre_annotation_after_a_big_import_gets_its_articles_whatever_their_number(tmp_path):
    """30,000 articles waiting for pre-annotation: the app hands their ids to the NLP process on its
    standard input (on the command line they made "[Errno 7] Argument list too long" at every
    start, and nothing was ever pre-annotated). Their language has no pipeline, so the run is quick
    and marks nothing; what matters is that it ran and said nothing failed."""
    path = tmp_path / "big.db"
    with other_store(path) as store:
        store.loading.add_articles([ArticleRecord(f"Article {i} about Rabat.",
                                                  lang="zz") for i in range(30_000)])
    app = app_on(path, preannotate=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        while any(w.group == "preannotate" and not w.is_finished for w in app.workers):
            await pilot.pause(0.1)
        await settle(pilot)
        assert "failed" not in app.status, app.status
        assert app.background == ""


async def test_an_article_opened_during_pre_annotation_gets_its_tokens_from_that_process(tmp_path,
                                                                                        monkeypatch):
    """A fresh folder: the seeds are pre-annotated while the annotator opens the first one. Its
    tokens come from the pre-annotation's process (no second one loading spaCy beside it)."""
    from annotations.importer import import_paths
    from seeds import seed_paths
    from tui.jobs import Jobs

    path = tmp_path / "fresh.db"
    with other_store(path) as store:
        import_paths(store, seed_paths())
    of_their_own: list[tuple[int, ...]] = []
    monkeypatch.setattr(Jobs, "_opened", lambda self, ids: of_their_own.append(ids))
    app = app_on(path, preannotate=True)
    async def until(condition, seconds: float = 60) -> None:  # a deadline for polling, not a timing
        for _ in range(int(seconds * 20)):
            if condition():
                return
            await pilot.pause(0.05)
        raise AssertionError("never happened")

    async with app.run_test(size=SMALL) as pilot:
        await until(lambda: app.jobs.nlp_inbox is not None)  # the pre-annotation's process has started
        await press(pilot, "enter")
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        await until(lambda: reader.active_view.tokens.ready)
        assert of_their_own == []
        while any(w.group == "preannotate" and not w.is_finished for w in app.workers):
            await pilot.pause(0.1)
        assert app.jobs.nlp_inbox is None and not app.jobs.nlp_processes
