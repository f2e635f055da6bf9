"""Fixing every identical mention at once (store level): one set-wise write, one undo step."""

from __future__ import annotations

import json

import pytest
from story_helpers import add_sahel, make_story_db, sahel_view

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import DecisionError, Store
from annotations.store.bulk import BulkDecision, BulkTarget
from annotations.store.forms import add_mention_forms
from annotations.store.history import BULK_RESTORE, CHANGED_SPANS_SHOWN, NAMED_ARTICLES
from annotations.store.restore import Restorer
from annotations.store.schema import MIGRATIONS

SAHEL = BulkTarget(forms=("sahel",))


@pytest.fixture
def story(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path, link_wray=False)
    with Store(path, annotator="alice") as store:
        yield store


def test_one_propagation_relabels_every_sahel_and_one_undo_restores_all(story, table_dump):
    before_view, before_rows = sahel_view(story), table_dump(story)
    labels = {label for label, _ in before_view.values()}
    assert labels == {"PERSON", "LOC"} and len(before_view) == 12  # 11 English, 1 French
    preview = story.bulk.preview(SAHEL, BulkDecision("label", label="LOC"))
    assert preview.changes == 12 and preview.already == 0
    assert sum(n for _, _, n in preview.articles) == 12 and len(preview.articles) == 4
    result = story.bulk.decide(SAHEL, BulkDecision("label", label="LOC"))
    assert result.changed == 12 and len(result.article_ids) == 4
    after = sahel_view(story)
    assert set(after) == set(before_view)
    assert set(after.values()) == {("LOC", "corrected"), ("LOC", "accepted")}
    # the French mention was suggested LOC already: accepted; the English ones were PERSON: corrected
    assert [v for k, v in after.items() if v[1] == "accepted"] == [("LOC", "accepted")]
    for article_id in result.article_ids:  # each article touched is the annotator's, in progress
        assert story.view.status(article_id) == "in_progress"
    undone = story.history.undo()
    assert undone.action == "relabel every" and set(undone.article_ids) == set(result.article_ids)
    assert sahel_view(story) == before_view
    assert table_dump(story) == before_rows  # every row, status rows included, as it was
    assert story.history.undo() is None  # one group: nothing else was logged
    story.history.redo()
    assert sahel_view(story) == after


def test_reject_and_link_every_mention(story):
    story.bulk.decide(SAHEL, BulkDecision("reject"))
    assert {v for v in sahel_view(story).values()} == {("PERSON", "rejected"), ("LOC", "rejected")}
    result = story.bulk.decide(SAHEL, BulkDecision("link", entity_name="Sahel"))
    entity = story.entities.all()[0]
    assert (entity["name"], entity["label"]) == ("Sahel", "PERSON")  # the most common label of its mentions
    linked = [s for a in story.articles.ids() for s in story.view.spans(a) if s.entity_id == result.entity_id]
    assert len(linked) == 12 and all(s.status in ("accepted", "corrected") for s in linked)
    assert story.entities.alias_forms(entity["id"]) == ["sahel"]
    story.history.undo()  # the link: the entity and its alias go, the spans are rejected again
    assert story.entities.all() == [] and {v[1] for v in sahel_view(story).values()} == {"rejected"}


def test_scope_other_annotators_and_decided_mentions(story):
    english = story.articles.ids()[0]
    text = story.articles.get(english).text
    first = next(s for s in story.view.spans(english) if text[s.start:s.end] == "Sahel")
    story.decisions.relabel(first.key, "GPE")  # decided already: changed by the propagation too
    with Store(story.path, annotator="bob") as bob:
        bob.bulk.decide(SAHEL, BulkDecision("label", label="MISC"))
    result = story.bulk.decide(BulkTarget(forms=("sahel",), article_ids=(english,)),
                               BulkDecision("label", label="LOC"))
    assert result.article_ids == (english,)
    view = sahel_view(story)
    assert {v[0] for k, v in view.items() if k[0] == english} == {"LOC"}
    assert {v[0] for k, v in view.items() if k[0] != english} == {"PERSON", "LOC"}  # out of scope
    with Store(story.path, annotator="bob") as bob:  # bob's layer is his own
        assert {v[0] for v in sahel_view(bob).values()} == {"MISC"}


def test_stopping_from_progress_writes_nothing(story, table_dump):
    before = table_dump(story)
    calls = []

    def stop(done: int, total: int) -> None:
        calls.append((done, total))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        story.bulk.decide(SAHEL, BulkDecision("label", label="LOC"), progress=stop)
    assert calls == [(12, 12)] and table_dump(story) == before


def test_relabelling_an_entity_relabels_its_mentions_and_the_entity(story):
    wray = [s for a in story.articles.ids() for s in story.view.spans(a)
            if story.articles.get(a).text[s.start:s.end] == "Christopher Wray"]
    for span in wray:
        story.decisions.link(span.key, "Christopher Wray")
    entity_id = story.entities.all()[0]["id"]
    story.bulk.decide(BulkTarget(entity_id=entity_id), BulkDecision("label", label="ORG"))
    assert story.entities.get(entity_id)["label"] == "ORG"
    linked = {s.label for a in story.articles.ids() for s in story.view.spans(a) if s.entity_id == entity_id}
    assert linked == {"ORG"}
    story.history.undo()
    assert story.entities.get(entity_id)["label"] == "PERSON"


def test_bad_bulk_decisions_are_refused(story):
    with pytest.raises(DecisionError):
        BulkDecision("accept")
    with pytest.raises(DecisionError):
        BulkDecision("label")
    with pytest.raises(DecisionError):
        story.bulk.decide(BulkTarget(), BulkDecision("reject"))
    with pytest.raises(DecisionError):
        story.bulk.decide(SAHEL, BulkDecision("label", label="not a label"))


ARTICLES, PER_ARTICLE = NAMED_ARTICLES + 10, 10  # more articles than an UndoResult names in full


@pytest.fixture
def many(tmp_path):
    """Ten mentions of Sahel in each of ARTICLES articles, every other one already decided."""
    path = tmp_path / "many.db"
    with Store(path, annotator="alice") as store:
        for n in range(ARTICLES):
            text = f"Article {n}. " + " ".join(f"Sahel {i}." for i in range(PER_ARTICLE))
            (article_id, _), = store.loading.add_articles([ArticleRecord(text=text, lang="en")])
            starts = [i for i in range(len(text)) if text.startswith("Sahel", i)]
            store.loading.add_suggestions(article_id, [SpanRecord(s, s + 5, "PERSON", origin="model",
                                                                  source="m")
                                               for s in starts])
            for span in store.view.spans(article_id)[::2]:  # decided: updated by the bulk decision
                store.decisions.reject(span.key)
        yield store


def test_a_big_group_is_undone_and_redone_setwise(many, table_dump, monkeypatch):
    store = many
    before = table_dump(store)
    result = store.bulk.decide(SAHEL, BulkDecision("label", label="LOC"))
    total = ARTICLES * PER_ARTICLE
    assert result.changed == total > BULK_RESTORE
    kinds = store.query("SELECT before IS NULL AS inserted, count(*) AS n FROM events WHERE tbl='spans' "
                        "AND action='relabel every' GROUP BY 1 ORDER BY 1")
    assert [(k["inserted"], k["n"]) for k in kinds] == [(0, total // 2), (1, total // 2)]  # both restored
    after = table_dump(store)
    calls = []
    real = Restorer.restore_spans_setwise
    monkeypatch.setattr(Restorer, "restore_spans_setwise",
                        lambda self, grp, reverse: calls.append(reverse) or real(self, grp, reverse))
    undone = store.history.undo()
    assert calls == [True] and table_dump(store) == before
    assert len(undone.article_ids) == ARTICLES and len(undone.spans) == CHANGED_SPANS_SHOWN
    store.history.redo()
    assert calls == [True, False] and table_dump(store) == after


@pytest.mark.parametrize("setwise", [True, False])
def test_undo_of_a_big_group_keeps_a_link_imported_since(many, monkeypatch, setwise):
    """Undo puts a column back only where it still holds what the decision wrote: a link an
    entity-linking import made since on one of the relabelled spans (not an undoable decision)
    stays through undo and redo, on the set-wise path of a big group as on the row-by-row one."""
    from annotations.store import history

    store = many
    if not setwise:
        monkeypatch.setattr(history, "BULK_RESTORE", 10**9)
    calls = []
    real = Restorer.restore_spans_setwise
    monkeypatch.setattr(Restorer, "restore_spans_setwise",
                        lambda self, grp, reverse: calls.append(reverse) or real(self, grp, reverse))
    store.bulk.decide(SAHEL, BulkDecision("label", label="LOC"))
    [row] = store.query("SELECT e.article_id, s.id, s.start, s.end FROM events e "
                        "JOIN spans s ON s.id = e.row_id WHERE e.action = 'relabel every' "
                        "AND e.before IS NOT NULL ORDER BY e.id LIMIT 1")
    assert store.loading.add_links(row["article_id"], [SpanRecord(row["start"], row["end"], "LOC",
                                                                  kb_id="Q1234",
                                                          entity="Sahel")]) == 1
    (entity,) = store.entities.all()

    def span() -> tuple:
        [now] = store.query("SELECT label, status, entity_id FROM spans WHERE id=?", (row["id"],))
        return now["label"], now["status"], now["entity_id"]

    assert span() == ("LOC", "corrected", entity["id"])
    store.history.undo()
    assert span() == ("PERSON", "rejected", entity["id"])  # the decision's columns back, the link kept
    store.history.redo()
    assert span() == ("LOC", "corrected", entity["id"])
    assert calls == ([True, False] if setwise else [])


def test_undo_of_a_big_group_keeps_a_new_label_someone_else_uses(many, monkeypatch):
    """bob relabels every Sahel with a label of his own: one group holding the new label and a
    status row in each article, restored set-wise (the threshold lowered below its 31 rows);
    alice then uses that label. bob's undo takes his decisions back but leaves the label in the
    scheme, as the row-by-row path does."""
    from annotations.store import history

    monkeypatch.setattr(history, "BULK_RESTORE", ARTICLES - 10)
    calls = []
    real = Restorer.restore_set_wise
    monkeypatch.setattr(Restorer, "restore_set_wise",
                        lambda self, images, *rest: calls.append(len(images)) or real(self, images, *rest))
    with Store(many.path, annotator="bob") as bob:
        bob.bulk.decide(SAHEL, BulkDecision("label", label="REGION"))
        first = many.articles.ids()[0]
        mine = many.decisions.relabel(many.view.spans(first)[0].key, "REGION")
        assert bob.history.undo().action == "relabel every"
        assert calls == [ARTICLES + 1]  # the set-wise path, for the label and status rows
        assert "REGION" in many.labels.names()
        assert {s.label for a in many.articles.ids() for s in bob.view.spans(a)} == {"PERSON"}
        assert [s.label for s in many.view.spans(first) if s.key == mine.key] == ["REGION"]


def test_the_log_images_are_the_rows_themselves(story):
    """The set-wise log writes the images a single decision would (json_object of every column)."""
    story.bulk.decide(SAHEL, BulkDecision("label", label="LOC"))
    rows = story.query("SELECT tbl, row_id, before, after FROM events WHERE tbl='spans' ORDER BY id")
    assert rows
    for row in rows:
        current = story.query("SELECT * FROM spans WHERE id=?", (row["row_id"],))[0]
        assert json.loads(row["after"]) == current and row["before"] is None


def test_folded_forms_are_stored_for_every_mention(story):
    conn = story.db.conn
    assert conn.execute("SELECT count(*) FROM suggestions WHERE folded IS NULL").fetchone()[0] == 0
    article_id = story.articles.ids()[3]
    text = story.articles.get(article_id).text
    start = text.index("حموشي،")
    span = story.decisions.create_span(article_id, start, start + 6, "PERSON")  # the comma too: then resized
    assert conn.execute("SELECT folded FROM spans WHERE id=?", (span.span_id,)).fetchone()[0] == "حموشي،"
    story.decisions.resize(span.key, start, start + 5)
    assert conn.execute("SELECT folded FROM spans WHERE id=?", (span.span_id,)).fetchone()[0] == "حموشي"
    story.history.undo()  # the resize: the folded form goes back with the offsets
    assert conn.execute("SELECT folded FROM spans WHERE id=?", (span.span_id,)).fetchone()[0] == "حموشي،"


def test_rows_without_a_folded_form_are_still_found_and_filled(story):
    """A tool that writes rows without the column (a bare sqlite3 copy): reads compute the form,
    the first bulk decision fills it."""
    story.db.conn.execute("UPDATE suggestions SET folded = NULL")
    assert [m.text for m in story.entities.mentions_of_forms(["sahel"])][:1] == ["Sahel"]
    assert story.bulk.preview(SAHEL, BulkDecision("reject")).changes == 12
    assert story.bulk.decide(SAHEL, BulkDecision("reject")).changed == 12
    assert story.db.conn.execute("SELECT count(*) FROM suggestions WHERE folded IS NULL").fetchone()[0] == 0


def test_an_older_database_gets_the_folded_forms(tmp_path):
    """Migration: a database from before it (no folded column) is brought forward and filled."""
    path = tmp_path / "old.db"
    make_story_db(path, link_wray=False)
    with Store(path, annotator="alice") as store:
        conn = store.db.conn
        for index in ("suggestions_folded", "spans_folded", "spans_view"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute("ALTER TABLE suggestions DROP COLUMN folded")
        conn.execute("ALTER TABLE spans DROP COLUMN folded")
        conn.execute("DROP TABLE dismissed_conflicts")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(add_mention_forms)}")  # the one before
    with Store(path, annotator="alice") as store:
        assert story_forms(store) and None not in story_forms(store)
        assert store.bulk.preview(SAHEL, BulkDecision("reject")).changes == 12


def story_forms(store: Store) -> list[str | None]:
    return [r[0] for r in store.db.conn.execute("SELECT folded FROM suggestions")]


def test_sahel_helper_matches_the_real_pipelines_labels(tmp_path):
    """The story's Sahel suggestions are what en_core_web_sm does on the seeds (PERSON) and
    fr_core_news_sm (LOC): checked on the labels only, so this stays a fixture, not a model test."""
    with Store(tmp_path / "p.db", annotator="alice") as store:
        from annotations.importer import import_seeds

        import_seeds(store)
        add_sahel(store)
        labels = {(store.articles.get(a).lang,
                   s.label) for a in store.articles.ids() for s in store.view.spans(a)}
    assert labels == {("en", "PERSON"), ("fr", "LOC")}
