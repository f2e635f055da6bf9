"""Undecided suggestions in a done article are unknown in every export, never "not an entity".

The article: the first English seed, with nine suggestions; alice decides four
(accept, relabel, reject, accept), makes a span of her own on Sahara's offsets
(which decides that suggestion too) and marks it done, leaving Morocco, Rabat,
Tuesday and Sahel undecided (issue 7 §4: they used to go out as ``O``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from export_fixtures import at, read_conll, suggest

from annotations.export import export
from annotations.importer import import_paths
from annotations.model import ArticleRecord, SpanRecord
from annotations.stats import compute_stats
from annotations.store import RecordError, Store
from annotations.text import normalize
from seeds import seed_paths

UNDECIDED = ["Morocco", "Rabat", "Tuesday", "Sahel"]


@pytest.fixture(scope="module")
def done_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("unknown") / "parallax.db"
    text = normalize(seed_paths()[0].read_text(encoding="utf-8"))
    with Store(path, annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, source="000.txt", lang="en"))
        keys = suggest(alice, aid, text, [
            ("Abdellatif Hammouchi", "PERSON", "model"), ("FBI", "ORG", "model"),
            ("Christopher Wray", "ORG", "model"), ("Morocco", "GPE", "model"), ("Rabat", "GPE", "rules"),
            ("Tuesday", "DATE", "model"), ("Sahel", "LOC", "memory"), ("United States", "GPE", "model"),
            ("Sahara", "LOC", "model")])
        alice.decisions.accept(keys[("Abdellatif Hammouchi", "PERSON")])
        alice.decisions.relabel(keys[("Christopher Wray", "ORG")], "PERSON")
        alice.decisions.reject(keys[("FBI", "ORG")])
        alice.decisions.accept(keys[("United States", "GPE")])
        alice.decisions.create_span(aid, *at(text, "Sahara"), "GPE")  # same offsets, her own label
        alice.decisions.set_article_status(aid, "done")
    return path, aid, text


@pytest.fixture
def store(done_db):
    with Store(done_db[0], annotator="reader") as s:
        yield s


def test_the_store_rule_is_what_the_reader_shows(done_db, store):
    _, aid, text = done_db
    shown = [(s.start, s.end, s.label) for s in store.view.spans(aid, "alice") if s.is_suggestion]
    rule = [(s.start, s.end, s.label) for s in store.view.undecided(aid, "alice")]
    assert sorted(rule) == sorted(shown)
    assert sorted(text[s:e] for s, e, _ in rule) == sorted(UNDECIDED)
    assert len(store.view.undecided(aid, "bob")) == 9  # bob decided nothing
    assert store.undecided.by_article({aid: None}) == {aid: store.view.undecided(aid, "alice")}


def test_docbin_marks_undecided_tokens_missing_not_o(done_db, store, tmp_path):
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    _, aid, text = done_db
    result = export(store, "spacy", tmp_path / "corpus", split=1.0)
    assert result.undecided == 4
    [doc] = DocBin().from_disk(tmp_path / "corpus" / "en" / "train.spacy").get_docs(Vocab())
    assert {(e.text, e.label_) for e in doc.ents} == {
        ("Abdellatif Hammouchi", "PERSON"), ("Christopher Wray", "PERSON"), ("United States", "GPE"),
        ("Sahara", "GPE")}
    missing = [t for t in doc if t.ent_iob_ == ""]
    assert sorted({t.text for t in missing}) == sorted(UNDECIDED)
    for word in UNDECIDED:  # every mention the suggestion covers, and only that one
        start, end = at(text, word)
        assert [t.ent_iob_ for t in doc.char_span(start, end)] == [""]
    assert len(missing) == 4
    fbi = doc.char_span(*at(text, "FBI"))
    assert [t.ent_iob_ for t in fbi] == ["O"]  # rejected: "not an entity" is what alice said
    assert doc[0].ent_iob_ == "O"
    # What spaCy's NER trains on: None (no loss) for the unknown tokens, never "O".
    import spacy
    from spacy.training import Example

    tags = Example(spacy.blank("en").make_doc(doc.text), doc).get_aligned_ner()
    assert sorted(doc[i].text for i, tag in enumerate(tags) if tag is None) == sorted(UNDECIDED)


def test_jsonl_lists_undecided_under_its_own_key_not_in_spans(done_db, store, tmp_path):
    _, aid, text = done_db
    export(store, "jsonl", tmp_path / "gold.jsonl")
    [task] = [json.loads(line) for line in (tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {text[s["start"]:s["end"]] for s in task["spans"]} == {
        "Abdellatif Hammouchi", "Christopher Wray", "United States", "Sahara"}
    undecided = {text[u["start"]:u["end"]]: u for u in task["undecided"]}
    assert sorted(undecided) == sorted(UNDECIDED)
    assert undecided["Rabat"]["origin"] == "rules" and undecided["Sahel"]["label"] == "LOC"
    assert task["tokens"][undecided["Rabat"]["token_start"]]["text"] == "Rabat"


def test_conll_tags_undecided_tokens_dash_and_hf_ignores_them(done_db, store, tmp_path):
    _, aid, text = done_db
    export(store, "conll", tmp_path / "gold.conll")
    [doc] = read_conll((tmp_path / "gold.conll").read_text(encoding="utf-8").splitlines())
    tagged = [pair for sent in doc for pair in sent]
    assert sorted(tok for tok, tag in tagged if tag == "-") == sorted(UNDECIDED)
    assert ("Hammouchi", "I-PERSON") in tagged and ("FBI", "O") in tagged
    export(store, "hf", tmp_path / "hf", split=1.0)
    info = json.loads((tmp_path / "hf" / "en" / "labels.json").read_text(encoding="utf-8"))
    assert info["unknown_id"] == -100
    rows = [json.loads(x) for x in (tmp_path / "hf" / "en" / "train.jsonl").read_text().splitlines()]
    pairs = [(tok, tag) for r in rows for tok, tag in zip(r["tokens"], r["ner_tags"], strict=True)]
    assert sorted(tok for tok, tag in pairs if tag == -100) == sorted(UNDECIDED)
    assert [tag for tok, tag in pairs if tok == "Hammouchi"][0] == info["label2id"]["I-PERSON"]


def test_a_suggestion_overlapping_an_entity_leaves_only_its_own_tokens_unknown(tmp_path):
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    text = "Officials met in Rabat Morocco on Tuesday."
    with Store(tmp_path / "o.db", annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, lang="en"))
        keys = suggest(alice, aid, text, [("Rabat", "GPE", "model"), ("Rabat Morocco", "GPE", "model")])
        alice.decisions.accept(keys[("Rabat", "GPE")])
        alice.decisions.set_article_status(aid, "done")
        export(alice, "spacy", tmp_path / "c", split=1.0)
    [doc] = DocBin().from_disk(tmp_path / "c" / "en" / "train.spacy").get_docs(Vocab())
    assert [(t.text, t.ent_iob_) for t in doc][3:6] == [("Rabat", "B"), ("Morocco", ""), ("on", "O")]


def test_an_undecided_suggestion_cutting_a_token_leaves_the_whole_token_unknown(tmp_path):
    """A suggestion whose ends fall inside a token (the model saw "Rabat" in "Rabatville") and
    that nobody decided is unknown in every format: the whole token is missing in a DocBin,
    "-" in CoNLL and -100 in HF files; it must not go out as "O" because it does not align."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    text = "Officials met in Rabatville on Tuesday."
    with Store(tmp_path / "cut.db", annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, lang="en"))
        keys = suggest(alice, aid, text, [("Rabat", "GPE", "model"), ("Tuesday", "DATE", "model")])
        alice.decisions.accept(keys[("Tuesday", "DATE")])
        alice.decisions.set_article_status(aid, "done")
        export(alice, "spacy", tmp_path / "c", split=1.0)
        export(alice, "conll", tmp_path / "gold.conll")
        export(alice, "hf", tmp_path / "hf", split=1.0)
    [doc] = DocBin().from_disk(tmp_path / "c" / "en" / "train.spacy").get_docs(Vocab())
    assert [(t.text, t.ent_iob_) for t in doc] == [
        ("Officials", "O"), ("met", "O"), ("in", "O"), ("Rabatville", ""), ("on", "O"), ("Tuesday", "B"),
        (".", "O")]
    [conll] = read_conll((tmp_path / "gold.conll").read_text(encoding="utf-8").splitlines())
    assert [pair for sent in conll for pair in sent][3] == ("Rabatville", "-")
    [row] = [json.loads(x) for x in (tmp_path / "hf" / "en" / "train.jsonl").read_text().splitlines()]
    assert (row["tokens"][3], row["ner_tags"][3]) == ("Rabatville", -100)


def test_stats_counts_undecided_suggestions_in_done_articles(done_db):
    path, _, _ = done_db
    with Store(path, annotator="reader") as store:
        stats = compute_stats(store)
    assert (stats["gold"]["undecided"], stats["gold"]["undecided_articles"]) == (4, 1)
    assert stats["quality"]["undecided"] == 4
    # Only what alice decided counts: 2 right (Hammouchi, United States), 3 wrong (FBI rejected,
    # Wray/ORG relabelled, Sahara/LOC where she made GPE), 2 missed (Wray/PERSON, Sahara/GPE).
    overall = stats["quality"]["overall"]
    assert (overall["tp"], overall["fp"], overall["fn"]) == (2, 3, 2)
    out = subprocess.run([sys.executable, "-m", "annotations", "stats", "--db", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert "Undecided suggestions in done articles: 4 in 1 articles" in out.stdout, out.stderr


def test_jsonl_round_trip_keeps_undecided_suggestions_unknown(done_db, store, tmp_path):
    first = tmp_path / "gold.jsonl"
    export(store, "jsonl", first)
    with Store(tmp_path / "fresh.db", annotator="carol") as fresh:
        report = import_paths(fresh, [first])
        assert report.ok and report.imported == 1
        [aid] = report.article_ids
        assert fresh.view.status(aid) == "done"
        assert len(fresh.view.undecided(aid)) == 4
        again = tmp_path / "again.jsonl"
        export(fresh, "jsonl", again)
    one, two = (json.loads(p.read_text(encoding="utf-8")) for p in (first, again))
    assert [(u["start"], u["end"], u["label"], u["origin"]) for u in one["undecided"]] == [
        (u["start"], u["end"], u["label"], u["origin"]) for u in two["undecided"]]
    assert [(s["start"], s["end"], s["label"]) for s in one["spans"]] == [
        (s["start"], s["end"], s["label"]) for s in two["spans"]]


@pytest.mark.parametrize("fmt,name", [("conll", "gold.conll"), ("spacy", "corpus/en/train.spacy")])
def test_files_with_unknown_tokens_import_with_their_spans_but_not_done(done_db, store, tmp_path, fmt, name):
    """Re-imported as done, the unknown tokens would go out as "O" on the next export."""
    target = tmp_path / ("gold.conll" if fmt == "conll" else "corpus")
    export(store, fmt, target, split=1.0)
    with Store(tmp_path / "fresh.db", annotator="carol") as fresh:
        report = import_paths(fresh, [tmp_path / name])
        assert report.ok and report.imported == 1, [str(p) for p in report.problems]
        [aid] = report.article_ids
        assert fresh.view.status(aid) == "todo"
        assert len(fresh.view.spans(aid)) == 4
        [notice] = [n for n in report.notices if "not marked done" in n.message]
        assert "4 tokens" in notice.message


def test_the_rule_in_sql_counts_what_the_rule_in_python_finds(done_db):
    """The library counts open suggestions in SQL (UNDECIDED_SQL); it must agree with undecided_among."""

    path, aid, _ = done_db
    with Store(path, annotator="alice") as store:
        [row] = store.library.rows([aid], "alice")
        assert row.suggested == len(store.view.undecided(aid)) == 4
        [fresh] = store.library.rows([aid], "bob")
        assert fresh.suggested == len(store.view.undecided(aid, "bob")) == 9


def test_the_two_rules_agree_on_what_a_done_layer_and_an_owner_are_shown(tmp_path):
    """Suggestions added after a layer marked its article done, and another annotator's memory
    suggestions: the SQL rule (the library's counts) and the Python rule (the reader) hide the
    same ones."""

    path = tmp_path / "p.db"
    text = "Rabat met the FBI in the Sahel on Tuesday."
    with Store(path, annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, lang="en"))
        suggest(alice, aid, text, [("Rabat", "GPE", "model"), ("FBI", "ORG", "model")])
        alice.decisions.set_article_status(aid, "done")  # leaves Rabat and FBI undecided
        suggest(alice, aid, text, [("Sahel", "LOC", "model")])  # after: not alice's to see
        alice.loading.add_suggestions(aid, [SpanRecord(*at(text, "Tuesday"), "DATE", origin="memory")],
                              annotator="bob")  # bob's memory
        for who, expected in (("alice", {"Rabat", "FBI"}), ("bob", {"Rabat", "FBI", "Sahel", "Tuesday"}),
                              ("carol", {"Rabat", "FBI", "Sahel"})):
            found = {text[s.start:s.end] for s in alice.view.undecided(aid, who)}
            assert found == expected, who
            assert alice.library.rows([aid], who)[0].suggested == len(expected), who


def test_the_two_rules_agree_on_superseded_suggestions(tmp_path):
    """Re-suggesting supersedes the old model's suggestions: a layer that has not marked the article
    done no longer sees them, a done layer still sees what it held, everyone else sees the new
    model's; the SQL rule (library counts) and the Python rule (reader, export) agree throughout."""

    path = tmp_path / "p.db"
    text = "Rabat met the FBI in the Sahel on Tuesday."
    with Store(path, annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=text, lang="en"))
        suggest(alice, aid, text, [("Rabat", "GPE", "model"), ("FBI", "ORG", "model"),
                                   ("Tuesday", "DATE", "rules")])
        alice.decisions.accept(("suggestion", _id(alice, aid, text, "Rabat")))  # decided: stays hers
        new = [SpanRecord(*at(text, "FBI"), "ORG"), SpanRecord(*at(text, "Sahel"), "LOC")]
        kept, superseded = alice.loading.resuggest(aid, new, "parallax en-2")
        assert (kept, superseded) == (2, 1)  # FBI made again (kept), Rabat's row superseded
        rows = {r["label"] + ":" + text[r["start"]:r["end"]]: r for r in alice.query(
            "SELECT start, end, label, source, superseded_at FROM suggestions WHERE article_id=?", (aid,))}
        assert rows["GPE:Rabat"]["superseded_at"] is not None  # kept: alice's span refers to it
        assert rows["ORG:FBI"]["source"] == "parallax en-2" and rows["ORG:FBI"]["superseded_at"] is None
        for who, expected in (("alice", {"FBI", "Sahel", "Tuesday"}), ("bob", {"FBI", "Sahel", "Tuesday"})):
            found = {text[s.start:s.end] for s in alice.view.undecided(aid, who)}
            assert found == expected, who
            assert alice.library.rows([aid], who)[0].suggested == len(expected), who
        assert "Rabat" in {text[s.start:s.end] for s in alice.view.spans(aid) if not s.is_suggestion}

        # A done layer keeps what it held, superseded or not; the others do not see it.
        alice.decisions.set_article_status(aid, "done")
        with alice.write() as conn:  # as if a newer model had superseded FBI after alice was done
            conn.execute("UPDATE suggestions SET superseded_at='x' WHERE article_id=? AND label='ORG'",
                         (aid,))
        for who, expected in (("alice", {"FBI", "Sahel", "Tuesday"}), ("bob", {"Sahel", "Tuesday"})):
            found = {text[s.start:s.end] for s in alice.view.undecided(aid, who)}
            assert found == expected, who
            assert alice.library.rows([aid], who)[0].suggested == len(expected), who
        with pytest.raises(RecordError):  # a done article is never re-suggested
            alice.loading.resuggest(aid, [], "parallax en-3")


def _id(store: Store, aid: int, text: str, surface: str) -> int:
    start, end = at(text, surface)
    [row] = store.query("SELECT id FROM suggestions WHERE article_id=? AND start=? AND end=?",
                        (aid, start, end))
    return row["id"]
