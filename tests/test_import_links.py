"""Entity links survive export -> import: kb_id in Prodigy JSONL spans and in DocBin ents/spans."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from export_fixtures import at, suggest

from annotations.export import export
from annotations.importer import import_paths
from annotations.model import ArticleRecord
from annotations.store import Store

TEXT = ("Abdellatif Hammouchi received Christopher Wray of the FBI in Rabat.\n"
        "Hammouchi and Wray spoke for an hour; the Federal Bureau of Investigation sent a note.")


@pytest.fixture(scope="module")
def linked_db(tmp_path_factory):
    """Hammouchi linked with a Wikidata id (both mentions), FBI and its long name to one entity without."""
    path = tmp_path_factory.mktemp("links") / "parallax.db"
    with Store(path, annotator="alice") as alice:
        aid, _ = alice.loading.add_article(ArticleRecord(text=TEXT, lang="en"))
        keys = suggest(alice, aid, TEXT, [("Abdellatif Hammouchi", "PERSON", "model"),
                                          ("FBI", "ORG", "model"), ("Christopher Wray", "PERSON", "model")])
        alice.decisions.link(keys[("Abdellatif Hammouchi", "PERSON")], "Abdellatif Hammouchi",
                             kb_id="Q4665540")
        second = alice.decisions.create_span(aid, *at(TEXT, "Hammouchi", 1), "PERSON")
        alice.decisions.link(second.key, "Abdellatif Hammouchi")
        alice.decisions.link(keys[("FBI", "ORG")], "Federal Bureau of Investigation")
        long_name = alice.decisions.create_span(aid, *at(TEXT, "Federal Bureau of Investigation"), "ORG")
        alice.decisions.link(long_name.key, "Federal Bureau of Investigation")
        alice.decisions.accept(keys[("Christopher Wray", "PERSON")])
        alice.decisions.set_article_status(aid, "done")
    return path


def links(store: Store, annotator: str) -> dict[str, tuple[str, str | None]]:
    """surface form -> (entity name, kb_id) for every span the annotator linked."""
    out = {}
    for aid in store.articles.ids():
        text = store.articles.get(aid).text
        for span in store.view.spans(aid, annotator):
            if span.entity_id is not None:
                entity = store.entities.get(span.entity_id)
                out[text[span.start:span.end]] = (entity["name"], entity["kb_id"])
    return out


EXPECTED = {
    "Abdellatif Hammouchi": ("Abdellatif Hammouchi", "Q4665540"),
    "Hammouchi": ("Abdellatif Hammouchi", "Q4665540"),
    "FBI": ("Federal Bureau of Investigation", None),
    "Federal Bureau of Investigation": ("Federal Bureau of Investigation", None),
}


@pytest.mark.parametrize("fmt,name", [("jsonl", "gold.jsonl"), ("spacy", "corpus/en/train.spacy")])
def test_export_then_import_into_a_fresh_database_keeps_the_links(linked_db, tmp_path, fmt, name):
    with Store(linked_db, annotator="reader", readonly=True) as store:
        assert links(store, "alice") == EXPECTED
        export(store, fmt, tmp_path / ("gold.jsonl" if fmt == "jsonl" else "corpus"), split=1.0)
    with Store(tmp_path / "fresh.db", annotator="carol") as fresh:
        report = import_paths(fresh, [tmp_path / name])
        assert report.ok and report.imported == 1, [str(p) for p in report.problems]
        assert links(fresh, "carol") == EXPECTED
        # One entity per identity (not one per span), with every surface form as an alias.
        assert sorted((e["name"], e["label"], e["kb_id"]) for e in fresh.entities.all()) == [
            ("Abdellatif Hammouchi", "PERSON", "Q4665540"), ("Federal Bureau of Investigation", "ORG", None)]
        aliases = fresh.query("SELECT e.name, a.alias FROM aliases a JOIN entities e ON e.id = a.entity_id "
                              "ORDER BY e.name, a.alias")
        assert [(r["name"], r["alias"]) for r in aliases] == [
            ("Abdellatif Hammouchi", "Abdellatif Hammouchi"), ("Abdellatif Hammouchi", "Hammouchi"),
            ("Federal Bureau of Investigation", "FBI"),
            ("Federal Bureau of Investigation", "Federal Bureau of Investigation")]


def test_a_known_kb_id_links_to_the_entity_already_there(tmp_path):
    rows = [{"text": f"Wray met Hammouchi ({i}).", "answer": "accept", "spans": [
        {"start": 9, "end": 18, "label": "PERSON", "kb_id": "Q4665540"}]} for i in range(2)]
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with Store(tmp_path / "k.db", annotator="carol") as store:
        assert import_paths(store, [path]).imported == 2
        [entity] = store.entities.all()
        found = (entity["name"], entity["kb_id"], entity["label"])
        assert found == ("Hammouchi", "Q4665540", "PERSON")
        linked = [s for aid in store.articles.ids() for s in store.view.spans(aid)
                  if s.entity_id == entity["id"]]
        assert len(linked) == 2


def test_a_new_kb_id_takes_the_name_a_later_span_gives(tmp_path):
    """Spans sharing a new kb_id: the entity is named by the span that gives a name (``entity``),
    not after the text of the earliest span, in the same file or a later one; another entity
    already named keeps its name."""
    first = {"text": "Hammouchi met Wray.", "answer": "accept", "spans": [
        {"start": 0, "end": 9, "label": "PERSON", "kb_id": "Q4665540"},
        {"start": 14, "end": 18, "label": "PERSON", "kb_id": "Q7183", "entity": "Christopher Wray"}]}
    second = {"text": "Abdellatif Hammouchi spoke to Christopher A. Wray.", "answer": "accept", "spans": [
        {"start": 0, "end": 20, "label": "PERSON", "kb_id": "Q4665540", "entity": "Abdellatif Hammouchi"},
        {"start": 30, "end": 49, "label": "PERSON", "kb_id": "Q7183", "entity": "Chris Wray"}]}
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text(json.dumps(first) + "\n", encoding="utf-8")
    two.write_text(json.dumps(second) + "\n", encoding="utf-8")
    with Store(tmp_path / "n.db", annotator="carol") as store:
        assert import_paths(store, [one, two]).imported == 2
        names = sorted((e["kb_id"], e["name"]) for e in store.entities.all())
        aliases = sorted(r["alias"] for r in store.query("SELECT alias FROM aliases"))
    assert names == [("Q4665540", "Abdellatif Hammouchi"), ("Q7183", "Christopher Wray")]
    assert aliases == ["Abdellatif Hammouchi", "Christopher A. Wray", "Hammouchi", "Wray"]


def test_cli_import_of_an_export_keeps_links(linked_db, tmp_path):
    """Through the real commands, as a user moving annotations between databases would."""
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)

    out = cli("export", "--format", "jsonl", "--output", "gold.jsonl", "--db", str(linked_db))
    assert out.returncode == 0, out.stderr
    back = cli("import", "gold.jsonl", "--db", "fresh.db", "--annotator", "carol")
    assert back.returncode == 0, back.stderr
    again = cli("export", "--format", "jsonl", "--output", "again.jsonl", "--db", "fresh.db")
    assert again.returncode == 0, again.stderr
    spans = json.loads((tmp_path / "again.jsonl").read_text(encoding="utf-8"))["spans"]
    by_text = {TEXT[s["start"]:s["end"]]: s for s in spans}
    assert by_text["Hammouchi"]["kb_id"] == "Q4665540"
    assert by_text["FBI"]["entity"] == "Federal Bureau of Investigation"
    assert by_text["FBI"]["kb_id"] == by_text["Federal Bureau of Investigation"]["kb_id"]
    assert "kb_id" not in by_text["Christopher Wray"]
