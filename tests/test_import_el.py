"""Links in: Prodigy entity-linking tasks (the choice interface) import as links, and links exported
as kb_id come back; one task per mention, several tasks on one text add up."""

from __future__ import annotations

import json

from annotations.export import export
from annotations.importer import import_paths
from annotations.store import Store

TEXT = "Avril Haine met Abdellatif Hammouchi in Rabat. Later A. Hammouchi said so."
HTML = "<a href='https://www.wikidata.org/wiki/Q1'>Q1</a>: Moroccan official"


def task(start: int, end: int, label: str, options: list[dict], accept: list, answer: str = "accept") -> dict:
    return {"text": TEXT, "spans": [{"start": start, "end": end, "label": label}], "options": options,
            "accept": accept, "answer": answer, "config": {"choice_style": "single"}}


def write(path, tasks) -> str:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks), encoding="utf-8")
    return str(path)


def links(store: Store) -> dict[str, tuple[str, str | None] | None]:
    """surface -> (entity name, kb_id), or None for a span without a link."""
    out = {}
    for article_id in store.articles.ids():
        text = store.articles.get(article_id).text
        for span in store.view.spans(article_id):
            entity = store.entities.get(span.entity_id) if span.entity_id else None
            out[text[span.start:span.end]] = (entity["name"], entity["kb_id"]) if entity else None
    return out


def test_entity_linking_tasks_import_as_links(tmp_path):
    nil = {"id": "NIL_otherLink", "text": "Link not in options"}
    path = write(tmp_path / "el.jsonl", [
        task(0, 11, "PERSON", [{"id": "KB-haines", "text": "Avril Haines"}, nil], ["KB-haines"]),
        task(16, 36, "PERSON", [{"id": "KB-hammouchi", "html": HTML}, nil], ["KB-hammouchi"]),
        task(53, 65, "PERSON", [{"id": "KB-hammouchi", "text": "Abdellatif Hammouchi"}], ["KB-hammouchi"]),
        task(40, 45, "GPE", [{"id": "KB-rabat", "text": "Rabat"}, nil], ["NIL_otherLink"]),
        task(40, 45, "GPE", [{"id": "KB-rabat", "text": "Rabat"}], ["KB-rabat"], answer="reject"),
    ])
    with Store(tmp_path / "p.db", annotator="alice") as store:
        report = import_paths(store, [path])
        assert report.ok and report.imported == 1 and report.duplicates == 4
        assert any("entity-linking tasks" in str(n) for n in report.notices)
        assert links(store) == {
            "Avril Haine": ("Avril Haines", "KB-haines"),
            "Abdellatif Hammouchi": ("Abdellatif Hammouchi", "KB-hammouchi"),  # html: the mention's text
            "A. Hammouchi": ("Abdellatif Hammouchi", "KB-hammouchi"),
            "Rabat": None,  # NIL: the mention, no link; the rejected task adds nothing
        }
        assert store.view.status(store.articles.ids()[0]) == "todo"  # not gold: one link is not NER
        assert import_paths(store, [path]).ok  # again: nothing new, nothing broken
        assert len(store.entities.all()) == 2


def test_an_ignored_entity_linking_task_links_nothing(tmp_path):
    """Prodigy's "ignore" (skip this one) decides nothing, like "reject": the option in its
    "accept" list must not become a link, nor its mention a span."""
    path = write(tmp_path / "el.jsonl", [
        task(0, 11, "PERSON", [{"id": "KB-haines", "text": "Avril Haines"}], ["KB-haines"]),
        task(40, 45, "GPE", [{"id": "KB-rabat", "text": "Rabat"}], ["KB-rabat"], answer="ignore"),
    ])
    with Store(tmp_path / "p.db", annotator="alice") as store:
        report = import_paths(store, [path])
        assert report.ok and report.imported == 1, [str(p) for p in report.problems]
        assert links(store) == {"Avril Haine": ("Avril Haines", "KB-haines")}
        assert [e["kb_id"] for e in store.entities.all()] == ["KB-haines"]


def test_bad_entity_linking_tasks_name_the_line(tmp_path):
    path = write(tmp_path / "bad.jsonl", [
        task(0, 11, "PERSON", [{"id": "A"}, {"id": "B"}], ["A", "B"]),
        task(0, 11, "PERSON", [{"id": "A"}], ["C"]),
        {**task(0, 11, "PERSON", [], []), "options": "A"},
    ])
    with Store(tmp_path / "p.db", annotator="alice") as store:
        report = import_paths(store, [path])
    problems = [str(p) for p in report.problems]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert "2 options accepted" in problems[0] and "not among the \"options\"" in problems[1]


def test_links_exported_as_kb_id_come_back(tmp_path):
    path = write(tmp_path / "el.jsonl", [
        task(0, 11, "PERSON", [{"id": "KB-haines", "text": "Avril Haines"}], ["KB-haines"])])
    with Store(tmp_path / "a.db", annotator="alice") as store:
        import_paths(store, [path])
        store.decisions.set_article_status(store.articles.ids()[0], "done")
        export(store, "jsonl", tmp_path / "out.jsonl")
    with Store(tmp_path / "b.db", annotator="bob") as store:
        assert import_paths(store, [str(tmp_path / "out.jsonl")]).ok
        assert links(store) == {"Avril Haine": ("Avril Haines", "KB-haines")}


def test_links_are_not_imported_into_an_article_its_annotator_has_done(tmp_path):
    """Gold changes only by a decision: alice marked the article done, so a file of linking tasks
    leaves her layer as it was and says so; bob, who has not finished it, gets the links."""
    first = write(tmp_path / "one.jsonl", [task(0, 11, "PERSON", [{"id": "KB-haines"}], [])])
    path = write(tmp_path / "el.jsonl", [
        task(0, 11, "PERSON", [{"id": "KB-haines", "text": "Avril Haines"}], ["KB-haines"])])
    with Store(tmp_path / "p.db", annotator="alice") as store:
        import_paths(store, [first])
        store.decisions.set_article_status(store.articles.ids()[0], "done")
        before = links(store)
        report = import_paths(store, [path])
        assert links(store) == before
        assert any("marked done by alice" in str(n) for n in report.notices)
    with Store(tmp_path / "p.db", annotator="bob") as bob:
        import_paths(bob, [path])
        assert links(bob)["Avril Haine"] == ("Avril Haines", "KB-haines")
