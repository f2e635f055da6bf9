"""Exports on a real database: gold and merge rules, --all, JSONL, CoNLL, HF, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from export_fixtures import EMOJI_TEXT, at, build_corpus, read_conll

from annotations.export import ExportError, export, select_articles, split_articles
from annotations.export.conll import DOCSTART
from annotations.store import Store


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "parallax.db"
    corpus = build_corpus(path)
    return path, corpus


@pytest.fixture
def reader(corpus_db):
    with Store(corpus_db[0], annotator="reader") as store:
        yield store


def triples(spans) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in spans}


# -- which articles and spans ------------------------------------------------------


def test_gold_is_done_articles_with_accepted_and_corrected_spans(corpus_db, reader):
    _, corpus = corpus_db
    chosen = {item.article.id: item for item in select_articles(reader)}
    assert set(chosen) == {corpus.ids["000"], corpus.ids["001"], corpus.ids["003"], corpus.ids["emoji"]}
    for article_id, item in chosen.items():
        assert triples(item.spans) == corpus.gold[article_id]
        assert all(s.status in ("accepted", "corrected") for s in item.spans)
    en = chosen[corpus.ids["000"]]
    text = corpus.texts[corpus.ids["000"]]
    statuses = {text[s.start:s.end]: s.status for s in en.spans}
    assert statuses["Christopher Wray"] == "corrected" and statuses["Sahel"] == "corrected"
    assert "Tuesday" not in statuses  # rejected


def test_merge_rule_latest_done_wins_and_annotator_picks_a_layer(tmp_path):
    path = tmp_path / "merge.db"
    corpus = build_corpus(path)
    en = corpus.ids["000"]
    fbi = (*at(corpus.texts[en], "FBI"), "ORG")
    with Store(path, annotator="reader") as store:
        item = next(i for i in select_articles(store) if i.article.id == en)
        assert item.annotator == "alice" and triples(item.spans) == corpus.gold[en]
        bob = {i.article.id: i for i in select_articles(store, annotator="bob")}
        assert set(bob) == {en, corpus.ids["001"]} and triples(bob[en].spans) == {fbi}
        with store.write():
            store.db.conn.execute("UPDATE article_status SET updated_at='2999-01-01T00:00:00.000+00:00' "
                                  "WHERE article_id=? AND annotator='bob'", (en,))
        item = next(i for i in select_articles(store) if i.article.id == en)
        assert item.annotator == "bob" and triples(item.spans) == {fbi}


def test_merge_tie_goes_to_the_alphabetically_first_annotator(tmp_path):
    # Same done time: the first name wins, whoever marked it first (aaron's row is the newest).
    path = tmp_path / "tie.db"
    corpus = build_corpus(path)
    en = corpus.ids["000"]
    first_word = (*at(corpus.texts[en], corpus.texts[en].split()[0]), "MISC")

    def tie_all() -> None:
        with Store(path, annotator="reader") as store, store.write():
            store.db.conn.execute("UPDATE article_status SET updated_at='2999-01-01T00:00:00.000+00:00' "
                                  "WHERE article_id=?", (en,))

    def gold_layer() -> tuple[str, set]:
        with Store(path, annotator="reader", readonly=True) as store:
            item = next(i for i in select_articles(store) if i.article.id == en)
            return item.annotator, triples(item.spans)

    tie_all()
    assert gold_layer() == ("alice", corpus.gold[en])  # alice and bob tie
    with Store(path, annotator="aaron") as aaron:
        aaron.decisions.create_span(en, *first_word)
        aaron.decisions.set_article_status(en, "done")
    tie_all()
    assert gold_layer() == ("aaron", {first_word})


def test_all_gives_best_available_spans_for_unfinished_articles(corpus_db, reader):
    _, corpus = corpus_db
    items = {i.article.id: i for i in select_articles(reader, everything=True)}
    assert set(items) == set(corpus.ids.values())
    fr = corpus.ids["004"]
    text = corpus.texts[fr]
    # alice accepted Hammouchi and left "Maroc" undecided: both are the best available.
    assert {(text[s.start:s.end], s.status) for s in items[fr].spans} == {
        ("Abdellatif Hammouchi", "accepted"), ("Maroc", "suggested")}
    assert items[fr].answer is None
    assert items[corpus.ids["002"]].spans == []  # nobody touched it, no suggestions
    assert triples(items[corpus.ids["001"]].spans) == corpus.gold[corpus.ids["001"]]


def test_split_is_deterministic_by_article_and_dev_never_empty(corpus_db, reader):
    items = select_articles(reader)
    first = split_articles(items, 0.8, seed=7)
    again = split_articles(list(reversed(items)), 0.8, seed=7)
    ids = [[i.article.id for i in part] for part in first]
    assert ids == [[i.article.id for i in part] for part in again]
    assert len(first[0]) == 3 and len(first[1]) == 1
    devs = {split_articles(items, 0.8, seed=s)[1][0].article.id for s in range(10)}
    assert len(devs) > 1  # the seed matters
    assert [len(p) for p in split_articles(items[:2], 0.99, seed=0)] == [1, 1]
    assert [len(p) for p in split_articles(items[:2], 0.01, seed=0)] == [1, 1]
    assert [len(p) for p in split_articles(items[:1], 0.8, seed=0)] == [1, 0]
    assert [len(p) for p in split_articles(items, 1.0, seed=0)] == [4, 0]


# -- JSONL ------------------------------------------------------------------------------


def jsonl_tasks(store, tmp_path, **options) -> list[dict]:
    out = tmp_path / "out.jsonl"
    export(store, "jsonl", out, **options)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_jsonl_has_prodigy_fields_and_inclusive_token_end(corpus_db, reader, tmp_path):
    _, corpus = corpus_db
    tasks = {t["meta"]["article_id"]: t for t in jsonl_tasks(reader, tmp_path)}
    assert set(tasks) == set(corpus.gold)
    for article_id, task in tasks.items():
        text = task["text"]
        assert text == corpus.texts[article_id]
        assert task["answer"] == "accept"
        assert isinstance(task["_input_hash"], int) and isinstance(task["_task_hash"], int)
        assert set(task["meta"]) >= {"title", "source", "lang", "article_id"}
        tokens = task["tokens"]
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
        assert {(s["start"], s["end"], s["label"]) for s in task["spans"]} == corpus.gold[article_id]
        for span in task["spans"]:
            assert span["status"] in ("accepted", "corrected") and span["origin"] and span["annotator"]
            if "token_start" in span:
                assert tokens[span["token_start"]]["start"] == span["start"]
                assert tokens[span["token_end"]]["end"] == span["end"]  # inclusive
    en = tasks[corpus.ids["000"]]
    by_text = {en["text"][s["start"]:s["end"]]: s for s in en["spans"]}
    assert by_text["Abdellatif Hammouchi"]["kb_id"] == "Q4665540"
    assert by_text["FBI"]["kb_id"].startswith("parallax:")
    assert "kb_id" not in by_text["Rabat"]
    assert "token_start" not in by_text["Hammouch"]  # ends inside "Hammouchi"
    ar = tasks[corpus.ids["003"]]
    assert {ar["text"][s["start"]:s["end"]]: "token_start" in s for s in ar["spans"]} == {
        "عبد اللطيف حموشي": True, "الرباط": False}
    emoji = tasks[corpus.ids["emoji"]]
    rabat = next(s for s in emoji["spans"] if s["label"] == "GPE")
    assert (rabat["start"], rabat["end"]) == at(EMOJI_TEXT, "Rabat")
    assert emoji["tokens"][rabat["token_start"]]["text"] == "Rabat"


def test_jsonl_hashes_are_stable_and_follow_the_content(corpus_db, reader, tmp_path):
    first = jsonl_tasks(reader, tmp_path)
    second = jsonl_tasks(reader, tmp_path)
    assert first == second
    assert len({t["_input_hash"] for t in first}) == len(first)
    bob = {t["meta"]["article_id"]: t for t in jsonl_tasks(reader, tmp_path, annotator="bob")}
    alice = {t["meta"]["article_id"]: t for t in first}
    en = corpus_db[1].ids["000"]
    assert bob[en]["_input_hash"] == alice[en]["_input_hash"]  # same text
    assert bob[en]["_task_hash"] != alice[en]["_task_hash"]  # other spans


def test_jsonl_all_keeps_every_layer_with_status_origin_annotator(corpus_db, reader, tmp_path):
    _, corpus = corpus_db
    tasks = {t["meta"]["article_id"]: t for t in jsonl_tasks(reader, tmp_path, everything=True)}
    assert set(tasks) == set(corpus.ids.values())
    en = tasks[corpus.ids["000"]]
    seen = {(en["text"][s["start"]:s["end"]], s["label"], s["status"], s["annotator"]) for s in en["spans"]}
    assert ("Tuesday", "DATE", "rejected", "alice") in seen
    assert ("FBI", "ORG", "accepted", "bob") in seen and ("FBI", "ORG", "accepted", "alice") in seen
    assert ("Christopher Wray", "PERSON", "corrected", "alice") in seen
    two = tasks[corpus.ids["001"]]
    undecided = [s for s in two["spans"] if s["status"] == "suggested"]
    assert [(two["text"][s["start"]:s["end"]], s["origin"], s["annotator"]) for s in undecided] == [
        ("Rabat", "model", None)]
    assert "answer" not in tasks[corpus.ids["004"]] and "answer" not in tasks[corpus.ids["002"]]
    assert en["answer"] == "accept"


# -- CoNLL and HF: round trips ------------------------------------------------------------


def expected_iob_spans(corpus, article_id) -> set[tuple[int, int, str]]:
    """Gold spans as IOB formats must hold them: overlap loser out, misaligned ones snapped."""
    text = corpus.texts[article_id]
    spans = set(corpus.gold[article_id])
    if article_id == corpus.ids["000"]:
        spans.discard((*at(text, "National Security and Territorial Surveillance"), "ORG"))
        h2 = at(text, "Hammouchi", 1)
        spans.discard((h2[0], h2[1] - 1, "PERSON"))
        spans.add((*h2, "PERSON"))
    if article_id == corpus.ids["003"]:
        spans.discard((*at(text, "الرباط"), "GPE"))
        spans.add((*at(text, "بالرباط"), "GPE"))
    return spans


def spans_from_tags(text: str, tokens: list[str], tags: list[str]) -> set[tuple[int, int, str]]:
    """Char spans back from a token sequence (found left to right in the text) and IOB2 tags."""
    spans, cursor, current = set(), 0, None
    for token, tag in zip(tokens, tags, strict=True):
        start = text.index(token, cursor)
        cursor = start + len(token)
        if tag.startswith("B-") or tag in ("O", "-"):  # "-": unknown (an undecided suggestion)
            if current:
                spans.add(tuple(current))
            current = [start, cursor, tag[2:]] if tag.startswith("B-") else None
        else:
            assert current is not None and tag[2:] == current[2], "I- tag without a B-"
            current[1] = cursor
    if current:
        spans.add(tuple(current))
    return spans


def test_conll_round_trips_to_the_same_spans(corpus_db, reader, tmp_path):
    _, corpus = corpus_db
    out = tmp_path / "gold.conll"
    result = export(reader, "conll", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == DOCSTART and lines.count(DOCSTART) == 4
    assert all(line == DOCSTART or line == "" or len(line.split(" ")) == 2 for line in lines)
    docs = read_conll(lines)
    ids = sorted(corpus.gold)
    for article_id, sentences in zip(ids, docs, strict=True):
        assert len(sentences) > 1 or article_id == corpus.ids["emoji"]
        tokens = [tok for sent in sentences for tok, _ in sent]
        tags = [tag for sent in sentences for _, tag in sent]
        found = spans_from_tags(corpus.texts[article_id], tokens, tags)
        assert found == expected_iob_spans(corpus, article_id)
    assert {(p.kind, p.text) for p in result.problems} == {
        ("misaligned", "Hammouch"), ("misaligned", "الرباط"),
        ("overlap", "National Security and Territorial Surveillance")}
    emoji_doc = docs[ids.index(corpus.ids["emoji"])]
    assert len(emoji_doc) == 2  # the line break ends a sentence


def test_hf_round_trips_with_integer_tags_and_a_label_file(corpus_db, reader, tmp_path):
    _, corpus = corpus_db
    folder = tmp_path / "hf"
    result = export(reader, "hf", folder, split=0.5, seed=3)
    assert sorted(p.name for p in folder.iterdir()) == ["ar", "en"]  # one corpus per language
    rows = {}
    for lang in ("ar", "en"):
        info = json.loads((folder / lang / "labels.json").read_text(encoding="utf-8"))
        names = info["label_names"]
        assert names[0] == "O" and names[1:3] == ["B-PERSON", "I-PERSON"]
        assert info["id2label"]["1"] == "B-PERSON" and info["label2id"]["I-PERSON"] == 2
        for part in ("train", "dev"):
            for line in (folder / lang / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                assert all(isinstance(t, int) for t in row["ner_tags"])
                assert len(row["tokens"]) == len(row["ner_tags"])
                rows.setdefault(part, {}).setdefault(row["article_id"], []).append(row)
    assert result.articles == {"train": 3, "dev": 1}
    assert result.languages == {"ar": {"train": 1, "dev": 0}, "en": {"train": 2, "dev": 1}}
    assert set(rows["train"]).isdisjoint(rows["dev"])
    assert set(rows["train"]) | set(rows["dev"]) == set(corpus.gold)
    for article_id in corpus.gold:
        sents = sorted(rows["train"].get(article_id) or rows["dev"][article_id], key=lambda r: r["sentence"])
        tokens = [t for r in sents for t in r["tokens"]]
        tags = [names[i] if i != -100 else "-" for r in sents for i in r["ner_tags"]]
        found = spans_from_tags(corpus.texts[article_id], tokens, tags)
        assert found == expected_iob_spans(corpus, article_id)


def test_importing_exported_jsonl_gives_back_the_same_spans(corpus_db, reader, tmp_path):
    from annotations.importer import import_paths

    _, corpus = corpus_db
    out = tmp_path / "gold.jsonl"
    export(reader, "jsonl", out)
    with Store(tmp_path / "again.db", annotator="carol") as fresh:
        report = import_paths(fresh, [out])
        assert report.problems == [] and report.imported == 4
        again = {i.article.text: i for i in select_articles(fresh)}
        assert {i.article.text: i.annotator for i in again.values()} == {
            corpus.texts[a]: "carol" for a in corpus.gold}
        for article_id, spans in corpus.gold.items():
            item = again[corpus.texts[article_id]]
            assert triples(item.spans) == spans
            assert item.article.lang == reader.articles.get(article_id).lang
            assert item.article.title == reader.articles.get(article_id).title


# -- errors and the command line ---------------------------------------------------------


def test_export_refuses_when_there_is_no_gold_and_bad_outputs(tmp_path, corpus_db, reader):
    with Store(tmp_path / "empty.db", annotator="x") as empty:
        with pytest.raises(ExportError, match="no article is marked done"):
            export(empty, "spacy", tmp_path / "out")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        export(reader, "spacy", tmp_path / "file.txt")
    with pytest.raises(ExportError, match="is a folder"):
        export(reader, "jsonl", tmp_path)
    with pytest.raises(ExportError, match="no article is marked done by 'nobody'"):
        export(reader, "jsonl", tmp_path / "x.jsonl", annotator="nobody")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def test_cli_export_reports_what_did_not_align(corpus_db, tmp_path):
    path, corpus = corpus_db
    done = run_cli("export", "--format", "spacy", "--output", str(tmp_path / "sp"), "--db", str(path))
    assert done.returncode == 0, done.stderr
    for lang in ("en", "ar"):
        assert all((tmp_path / "sp" / lang / f"{part}.spacy").is_file() for part in ("train", "dev"))
    en = corpus.ids["000"]
    h2 = at(corpus.texts[en], "Hammouchi", 1)
    line = next(x for x in done.stderr.splitlines() if "'Hammouch'" in x)
    assert f"article {en} " in line and f"{h2[0]}-{h2[1] - 1}" in line and "ends inside the token" in line
    assert "marked missing" in line
    assert "starts inside the token 'بالرباط'" in done.stderr
    assert "exported 17 spans in 4 articles (3 train, 1 dev)" in done.stderr + done.stdout
    piped = run_cli("export", "--format", "jsonl", "--output", "-", "--db", str(path), "--annotator", "bob")
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 2
    assert all(json.loads(x)["meta"]["annotator"] == "bob" for x in piped.stdout.splitlines())
    missing = run_cli("export", "--format", "conll", "--output", str(tmp_path / "x"),
                      "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 1 and "no such database" in missing.stderr
    assert not (tmp_path / "nope.db").exists()


def test_cli_help_documents_formats_and_rules():
    from click.testing import CliRunner

    from tui.cli import main

    text = CliRunner().invoke(main, ["export", "--help"]).output
    for word in ("spacy", "jsonl", "conll", "hf", "most recently", "--all", "missing"):
        assert word in text


def test_alignment_trims_whitespace_reports_cuts_and_never_marks_an_entity_missing():
    from annotations.export.docbin import article_doc
    from annotations.export.gold import ExportArticle, ExportSpan
    from annotations.model import Article

    text = "Abdellatif Hammouchi visited Rabat today.\n   \nWashingtonians cheered."
    article = Article(1, "t", text, "en", None, "h")
    spans = [ExportSpan(*at(text, " Rabat "), "GPE", "accepted", "human"),  # whitespace around: trimmed
             ExportSpan(*at(text, "\n   \n"), "MISC", "accepted", "human"),  # nothing but whitespace
             ExportSpan(at(text, "Hammouchi")[0] + 1, at(text, "visited")[0] + 3, "PERSON", "accepted",
                        "human"),  # cuts two tokens
             ExportSpan(*at(text, "Abdellatif Hammouchi"), "PERSON", "accepted", "human"),
             ExportSpan(*at(text, "Washington"), "GPE", "accepted", "human")]
    doc, problems = article_doc(ExportArticle(article, spans, "alice", "accept"))
    assert [(e.text, e.label_) for e in doc.ents] == [("Abdellatif Hammouchi", "PERSON"), ("Rabat", "GPE")]
    reasons = {p.text: p.reason for p in problems}
    assert reasons["\n   \n"] == "covers only whitespace"
    cut = text[at(text, "Hammouchi")[0] + 1:at(text, "visited")[0] + 3]
    assert reasons[cut] == "starts inside the token 'Hammouchi' and ends inside the token 'visited'"
    assert reasons["Washington"] == "ends inside the token 'Washingtonians'"
    # The cut span overlaps the entity: only its tokens outside the entity are missing.
    assert [t.text for t in doc if t.ent_iob_ == ""] == ["visited", "Washingtonians"]
    assert doc[1].ent_iob_ == "I" and doc[1].ent_type_ == "PERSON"
    assert [(s.text, s.label_) for s in doc.spans["sc"]] == [
        ("Rabat", "GPE"), ("Abdellatif Hammouchi", "PERSON")]
