"""The review screen, the agreement view, the reader showing another layer and --readonly, driven
with Pilot and checked in the database."""

from __future__ import annotations

import json
import subprocess
import sys

from app_helpers import press, screen_text, settle
from team_helpers import make_team_db

from annotations.export.gold import select_articles
from annotations.store import Store
from tui.app import make_app
from tui.screens.agreement import AgreementScreen
from tui.screens.reader import ReaderScreen
from tui.screens.review import ReviewScreen

pytest_plugins = ["app_fixtures"]


def lead_app(db, **kwargs):
    return make_app(db, annotator="lead", preannotate=False, **kwargs)


def entities(db, article_id, layer):
    with Store(db, readonly=True) as store:
        text = store.articles.get(article_id).text
        return sorted((text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id, layer))


async def test_review_takes_versions_and_exports_the_reviewed_layer(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    app = lead_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        assert isinstance(app.screen, ReviewScreen)
        text = screen_text(app)
        assert "1/3 DISAGREE ≠ · 'Sahel'" in text and "1 alice: PERSON 'Sahel' · 2 bob: LOC 'Sahel'" in text
        assert "≠ Abdellatif Hammouchi" in text  # the gutter marks the line of a disagreement
        await press(pilot, "2")  # bob's Sahel; the cursor moves on to the next cluster
        assert entities(db, article_id, "review:lead") == [("Sahel", "LOC")]
        assert "'Abdellatif Hammouchi'" in screen_text(app)
        await press(pilot, "1", "A", "d")  # alice's boundaries, every agreement, done
        with Store(db, annotator="lead", readonly=True) as store:
            assert store.review.status(article_id) == "done"
            assert store.review.states([article_id]) == {article_id: "reviewed"}
        await press(pilot, "u")  # back in progress: the review has its own undo log
        with Store(db, annotator="lead", readonly=True) as store:
            assert store.review.status(article_id) == "in_progress"
        await press(pilot, "U")
    expected = [("Abdellatif Hammouchi", "PERSON"), ("FBI", "ORG"), ("Sahel", "LOC")]
    assert entities(db, article_id, "review:lead") == expected
    # alice and bob's own layers are as they left them
    assert ("Sahel", "PERSON") in entities(db, article_id, "alice")
    assert ("Hammouchi", "PERSON") in entities(db, article_id, "bob")
    # the export takes the reviewed layer by default, alice's with --annotator alice
    out = subprocess.run([sys.executable, "-m", "annotations", "export", "--format", "jsonl", "--output", "-",
                          "--db", str(db)], capture_output=True, text=True, check=True).stdout
    (task,) = [json.loads(line) for line in out.splitlines()]
    assert task["meta"]["annotator"] == "review:lead"
    assert sorted((task["text"][s["start"]:s["end"]], s["label"]) for s in task["spans"]) == expected
    with Store(db, readonly=True) as store:
        (alice,) = select_articles(store, annotator="alice")
        assert ("Sahel", "PERSON") in {(alice.article.text[s.start:s.end], s.label) for s in alice.spans}


async def test_review_decides_anew_and_says_no_entity(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    app = lead_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "R", "l")  # on Sahel: a label picked anew
        await pilot.press(*"GPE")
        await press(pilot, "enter")
        assert entities(db, article_id, "review:lead") == [("Sahel", "GPE")]
        await press(pilot, "x")  # the cursor moved to Abdellatif Hammouchi: no entity there
        assert entities(db, article_id, "review:lead") == [("Sahel", "GPE")]
        with Store(db, readonly=True) as store:
            text = store.articles.get(article_id).text
            rejected = [text[s.start:s.end] for s in store.view.spans(article_id, "review:lead")
                        if s.status == "rejected"]
        assert "Abdellatif Hammouchi" in rejected
        await press(pilot, "n")
        assert "no more disagreements" in screen_text(app)


async def test_agreement_view_shows_the_cli_figures(tmp_path):
    db = tmp_path / "team.db"
    make_team_db(db)
    app = lead_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "R", "g")
        assert isinstance(app.screen, AgreementScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "alice vs bob: 1 article(s) both marked done" in text
        assert "Cohen's kappa" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_reader_shows_another_layer_read_only(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    app = make_app(db, annotator="alice", preannotate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReaderScreen)
        own = {(s.start, s.end, s.label) for s in app.screen.active_view.spans if s.is_gold}
        await press(pilot, "L")
        assert "showing bob's layer, read-only" in screen_text(app)
        shown = {(s.start, s.end, s.label) for s in app.screen.active_view.spans if s.is_gold}
        with Store(db, readonly=True) as store:
            bob = {(s.start, s.end, s.label) for s in store.view.spans(article_id, "bob") if s.is_gold}
        assert shown == bob != own
        before = entities(db, article_id, "bob")
        await press(pilot, "x")
        assert "read-only: reject is not possible, showing bob's layer" in screen_text(app)
        await press(pilot, "l")
        assert isinstance(app.screen, ReaderScreen)  # no picker opened
        assert entities(db, article_id, "bob") == before
        await press(pilot, "L")
        assert "showing your layer (alice)" in screen_text(app)


async def test_readonly_app_writes_nothing(tmp_path, table_dump):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    with Store(db, readonly=True) as store:
        before = table_dump(store)
    app = make_app(db, annotator="bob", preannotate=False, readonly=True)  # --annotator: whose layer
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "read-only: looking only" in screen_text(app)
        await press(pilot, "enter")
        shown = {(s.start, s.end, s.label) for s in app.screen.active_view.spans if s.is_gold}
        with Store(db, readonly=True) as store:
            assert shown == {(s.start, s.end, s.label) for s in store.view.spans(article_id,
                                                                                 "bob") if s.is_gold}
        for key in ("a", "x", "d", "u", "1", "A", "t"):
            await press(pilot, key)
            assert "read-only" in screen_text(app), key
            assert isinstance(app.screen, ReaderScreen), key
        await press(pilot, "escape", "R", "2")
        assert "read-only: taking a version is not possible" in screen_text(app)
    with Store(db, readonly=True) as store:
        assert table_dump(store) == before


async def test_the_command_palette_opens_the_agreement_view(tmp_path):
    db = tmp_path / "team.db"
    make_team_db(db)
    app = lead_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await pilot.press(*"agreement")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, AgreementScreen)
        assert "alice vs bob" in screen_text(app)
