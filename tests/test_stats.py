"""``compute_stats`` and ``parallax stats`` on real databases, numbers worked out by hand."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from export_fixtures import build_corpus, suggest

from annotations.model import ArticleRecord
from annotations.stats import compute_stats, metrics
from annotations.store import Store


@pytest.fixture(scope="module")
def corpus_stats(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "parallax.db"
    corpus = build_corpus(path)
    with Store(path, annotator="reader") as store:
        return path, corpus, compute_stats(store)


def test_counts_articles_spans_and_progress(corpus_stats):
    _, _, stats = corpus_stats
    assert stats["articles"] == {"total": 6, "by_lang": {"en": 4, "ar": 1, "fr": 1}}
    spans = stats["spans"]
    # alice: 000 has 9 gold + 1 rejected, 003 has 2, emoji 4, 004 has 1;
    # bob: 001 has 2 + 1 rejected, 000 has 1.
    assert spans["total"] == 21
    assert spans["by_status"] == {"accepted": 17, "corrected": 2, "rejected": 2}
    assert spans["by_origin"]["model"] == {"accepted": 5, "corrected": 2, "rejected": 2}
    assert spans["by_origin"]["human"] == {"accepted": 10}
    assert spans["by_label"]["DATE"] == {"rejected": 2}
    assert list(spans["by_label"]) == ["PERSON", "ORG", "GPE", "LOC", "DATE"]  # scheme order
    assert stats["suggestions"]["total"] == 13
    assert stats["suggestions"]["by_origin"] == {"model": 11, "rules": 1, "memory": 1}
    assert stats["suggestions"]["undecided"] == 2  # "Rabat" in 001 and "Maroc" in 004
    assert stats["gold"]["articles"] == 4 and stats["gold"]["spans"] == 17
    # "Rabat" in 001: bob marked it done without deciding it (004's "Maroc" is not in a done article).
    assert (stats["gold"]["undecided"], stats["gold"]["undecided_articles"]) == (1, 1)
    people = {p["annotator"]: p for p in stats["annotators"]}
    # alice's gold spans are those of the articles she marked done: not 004's, in progress
    assert people["alice"] == {"annotator": "alice", "done": 3, "in_progress": 1, "rejected": 0,
                                    "ignored": 0, "spans": 15, "total": 6}
    assert (people["bob"]["done"], people["bob"]["in_progress"], people["bob"]["spans"]) == (2, 0, 3)


def test_suggestion_quality_per_origin_and_label(corpus_stats):
    _, _, stats = corpus_stats
    q = stats["quality"]
    # Evaluated: 000 (alice's layer, 9 gold) and 001 (bob's, 2 gold); 003 and emoji have no suggestions.
    assert q["articles"] == 2
    overall = q["overall"]
    # bob left "Rabat" (model) undecided in 001, which he marked done: unknown, so neither tp nor fp.
    assert q["undecided"] == 1
    assert (overall["tp"], overall["fp"], overall["fn"]) == (6, 4, 5)
    assert overall["precision"] == pytest.approx(6 / 10) and overall["recall"] == pytest.approx(6 / 11)
    model = q["by_origin"]["model"]
    assert (model["tp"], model["fp"], model["fn"]) == (4, 4, 7)
    assert model["recall"] == pytest.approx(4 / 11)
    assert (q["by_origin"]["rules"]["tp"], q["by_origin"]["rules"]["fp"]) == (1, 0)
    person = overall["by_label"]["PERSON"]
    assert (person["tp"], person["fp"], person["fn"]) == (2, 1, 2)  # "Christopher" is not "Christopher Wray"
    assert overall["by_label"]["DATE"]["precision"] == 0.0 and overall["by_label"]["DATE"]["recall"] is None
    assert overall["by_label"]["LOC"]["precision"] is None  # "Sahel" was suggested as ORG


def test_quality_follows_done_status_and_the_merge_rule(tmp_path):
    path = tmp_path / "q.db"
    text = "Hammouchi met Wray in Rabat."
    with Store(path, annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, lang="en"))
        keys = suggest(alice, aid, text, [("Hammouchi", "PERSON", "model"), ("Wray", "ORG", "model"),
                                          ("Rabat", "GPE", "rules")])
        alice.decisions.accept(keys[("Hammouchi", "PERSON")])
        alice.decisions.relabel(keys[("Wray", "ORG")], "PERSON")
        alice.decisions.accept(keys[("Rabat", "GPE")])
        assert compute_stats(alice)["quality"]["articles"] == 0  # in progress: not evaluated
        alice.decisions.set_article_status(aid, "done")
        q = compute_stats(alice)["quality"]
        assert (q["overall"]["tp"], q["overall"]["fp"], q["overall"]["fn"]) == (2, 1, 1)
        assert q["by_origin"]["rules"]["precision"] == 1.0
    with Store(path, annotator="bob") as bob:
        bob.decisions.accept(keys[("Wray", "ORG")])
        bob.decisions.set_article_status(aid, "done")
        with bob.write():
            bob.db.conn.execute("UPDATE article_status SET updated_at='2999-01-01T00:00:00.000+00:00' "
                                "WHERE annotator='bob'")
        q = compute_stats(bob)["quality"]  # bob marked it done last: his layer (only Wray/ORG) is gold
        # Hammouchi and Rabat are undecided in bob's layer: unknown, not false positives.
        assert (q["overall"]["tp"], q["overall"]["fp"], q["overall"]["fn"]) == (1, 0, 0)
        assert q["undecided"] == 2
        bob.decisions.reject(keys[("Rabat", "GPE")])
        q = compute_stats(bob)["quality"]
        assert (q["overall"]["tp"], q["overall"]["fp"], q["overall"]["fn"], q["undecided"]) == (1, 1, 0, 1)


def test_metrics_without_counts_are_none():
    assert metrics(0, 0, 0) == {"tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None, "f1": None}
    assert metrics(0, 2, 3)["f1"] == 0.0
    assert metrics(3, 1, 0)["f1"] == pytest.approx(2 * 0.75 / 1.75)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def test_cli_stats_json_and_table(corpus_stats, tmp_path):
    path, _, stats = corpus_stats
    as_json = run_cli("stats", "--json", "--db", str(path))
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == json.loads(json.dumps(stats))
    table = run_cli("stats", "--db", str(path))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "Articles: 6  (gold: 4 articles, 17 spans)"
    assert lines[1] == ("Undecided suggestions in done articles: 1 in 1 articles "
                        '(exported as unknown, not as "not an entity")')
    assert any(line.split() == ["overall", "all", "60.0%", "54.5%", "57.1%", "6", "4", "5"] for line in lines)
    assert any(line.split() == ["alice", "3", "1", "0", "0", "6", "15"] for line in lines)
    missing = run_cli("stats", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 1 and "no such database" in missing.stderr


def test_cli_stats_table_is_terminal_safe(tmp_path):
    path = tmp_path / "evil.db"
    evil = "mallory\x1b]52;c;ZXZpbA==\x07\x9b2J"
    with Store(path, annotator=evil) as store:
        aid, _ = store.loading.add_article(ArticleRecord(text="Rabat is a city.", lang="en"))
        store.decisions.create_span(aid, 0, 5, "GPE")
    out = run_cli("stats", "--db", str(path))
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\x9b" not in out.stdout and "\x07" not in out.stdout
    assert "mallory" in out.stdout


def test_cli_stats_help_defines_the_quality_numbers():
    from click.testing import CliRunner

    from tui.cli import main

    text = CliRunner().invoke(main, ["stats", "--help"]).output
    for phrase in ("--json", "precision", "recall", "same start, end and label", "per origin"):
        assert phrase in " ".join(text.lower().split())


def test_undecided_by_everyone_counted_set_wise_is_the_rule(tmp_path):
    """``stats`` counts the suggestions nobody decided from the spans (set-wise, for 100,000
    articles); it must give what the rule gives read article by article: several origins at a
    place once, a span of anyone at the offsets decides them all, and a span made from one of
    two suggestions there and then resized away decides only that one."""
    text = "Hammouchi met Wray in Rabat and Sahel in Paris."
    with Store(tmp_path / "u.db", annotator="alice") as alice:
        article_id = alice.loading.add_article(ArticleRecord(text=text, lang="en"))[0]
        keys = suggest(alice, article_id, text, [
            ("Hammouchi", "PERSON", "model"), ("Wray", "PERSON", "model"), ("Rabat", "GPE", "model"),
            ("Sahel", "LOC", "model"), ("Paris", "GPE", "model")])
        suggest(alice, article_id, text, [("Hammouchi", "PERSON", "rules"), ("Rabat", "GPE", "rules"),
                                          ("Paris", "LOC", "rules")])
        alice.decisions.reject(keys[("Wray", "PERSON")])
        alice.decisions.resize(keys[("Rabat", "GPE")], text.index("in Rabat"), text.index(" and"))
        with Store(tmp_path / "u.db", annotator="bob") as bob:
            bob.decisions.accept(keys[("Sahel", "LOC")])
        by_rule = alice.undecided.by_article(dict.fromkeys(alice.articles.ids()))
        # Hammouchi (model and rules: once), Rabat (the rules' one), Paris GPE and Paris LOC
        assert compute_stats(alice)["suggestions"]["undecided"] == sum(map(len, by_rule.values())) == 4


def test_a_source_is_scored_on_the_gold_of_its_own_articles(tmp_path):
    """The model's suggestions in one done article and the rules' in another: the model's
    prediction set is the same overall-by-origin and for its source, but the source is scored on
    its own article's gold only (a score is reused only for equal predictions and equal gold)."""
    first, second = "Hammouchi met Wray.", "Talks in Rabat and Paris."
    with Store(tmp_path / "s.db", annotator="alice") as alice:
        a = alice.loading.add_article(ArticleRecord(text=first, lang="en"))[0]
        b = alice.loading.add_article(ArticleRecord(text=second, lang="en"))[0]
        model = suggest(alice, a, first, [("Hammouchi", "PERSON", "model"), ("Wray", "PERSON", "model")])
        rules = suggest(alice, b, second, [("Rabat", "GPE", "rules")])
        alice.decisions.accept(model[("Hammouchi", "PERSON")])
        alice.decisions.reject(model[("Wray", "PERSON")])
        alice.decisions.accept(rules[("Rabat", "GPE")])
        alice.decisions.create_span(b, second.index("Paris"), second.index("Paris") + 5, "GPE")
        for article_id in (a, b):
            alice.decisions.set_article_status(article_id, "done")
        q = compute_stats(alice)["quality"]
    by_model = q["by_origin"]["model"]
    assert (by_model["tp"], by_model["fp"], by_model["fn"]) == (1, 1, 2)  # Rabat, Paris: in scope
    source = q["by_source"]["test-model"]
    assert (source["articles"], source["tp"], source["fp"], source["fn"]) == (1, 1, 1, 0)


def test_places_of_one_origin_count_once_per_annotator_memory(tmp_path):
    """Suggestions of one origin are one per place and label (the table's unique key) unless
    memories of several annotators suggest the same place: then it still counts once."""
    from annotations.model import SpanRecord

    text = "Hammouchi met Wray in Rabat."
    with Store(tmp_path / "m.db", annotator="alice") as store:
        article_id = store.loading.add_article(ArticleRecord(text=text, lang="en"))[0]
        suggest(store, article_id, text, [("Hammouchi", "PERSON", "model"), ("Wray", "PERSON", "model")])
        assert store.corpus.suggestion_counts()[2] == 2
        rabat = SpanRecord(text.index("Rabat"), text.index("Rabat") + 5, "GPE", origin="memory",
                           source="memory")
        for who in ("alice", "bob"):
            store.loading.add_suggestions(article_id, [rabat], annotator=who)
        with store.write() as conn:  # memory alone: the model's suggestions gone
            conn.execute("DELETE FROM suggestions WHERE origin = 'model'")
        by_origin, _, places = store.corpus.suggestion_counts()
        assert by_origin == {"memory": 2} and places == 1
