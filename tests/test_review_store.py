"""The reviewed layer in the store: taking versions, undo, review states, the library filter, export."""

from __future__ import annotations

from team_helpers import make_team_db, offsets

from annotations.export.gold import select_articles
from annotations.review import clusters, disagreements
from annotations.store import LibraryFilter, Store
from annotations.store.review import MODEL_LAYER, LayerSpan, review_layer


def review(db, article_id):
    store = Store(db, annotator="lead")
    layers = [store.review.layer_entities(article_id, name) for name in ("alice", "bob")]
    return store, clusters(layers)


def test_clusters_show_where_alice_and_bob_differ(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    store, found = review(db, article_id)
    with store:
        text = store.articles.get(article_id).text
        by_text = {text[c.start:c.end]: c for c in found}
        assert set(by_text) == {"Abdellatif Hammouchi", "Sahel", "FBI"}
        assert [found[i] for i in disagreements(found)] == [by_text["Sahel"], by_text["Abdellatif Hammouchi"]]
        sahel = by_text["Sahel"]
        assert [[s.label for s in v] for v in sahel.versions] == [["PERSON"], ["LOC"]]
        hammouchi = by_text["Abdellatif Hammouchi"]
        assert [text[s.start:s.end] for v in hammouchi.versions for s in v] == ["Abdellatif Hammouchi",
                                                                                  "Hammouchi"]


def test_taking_versions_makes_the_reviewed_gold(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    store, found = review(db, article_id)
    with store:
        text = store.articles.get(article_id).text
        by_text = {text[c.start:c.end]: c for c in found}
        assert store.review.states([article_id]) == {article_id: "disputed"}
        sahel, hammouchi = by_text["Sahel"], by_text["Abdellatif Hammouchi"]
        store.review.take(article_id, sahel.start, sahel.end, "bob")
        store.review.take(article_id, hammouchi.start, hammouchi.end, "alice")
        agreed = [(c.start, c.end) for c in found if c.agrees]
        store.review.take_all(article_id, agreed, "alice")
        layer = review_layer("lead")
        assert {(text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id, layer)} == {
            ("Sahel", "LOC"), ("Abdellatif Hammouchi", "PERSON"), ("FBI", "ORG")}
        # a reviewed range leaves nothing undecided: the suggestion inside it is rejected
        start, end = offsets(text, "Abdellatif Hammouchi")
        assert not [s for s in store.view.undecided(article_id, layer) if s.start < end and s.end > start]
        # alice's and bob's own layers are untouched
        assert {(text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id, "bob")} == {
            ("Hammouchi", "PERSON"), ("Sahel", "LOC"), ("FBI", "ORG")}
        # undo takes back the last step only (the agreed ones), in the review layer's own log
        assert store.history.undo() is None  # lead's own annotation log is empty
        store.review.undo()
        assert {s.label for s in store.review.layer_entities(article_id, layer)} == {"LOC", "PERSON"}
        store.review.redo()
        store.review.set_status(article_id, "done", undecided="reject")
        assert store.review.states([article_id]) == {article_id: "reviewed"}
    with Store(db, annotator="alice") as alice:  # alice marks it done again, after the review
        alice.decisions.set_article_status(article_id, "in_progress")
        alice.decisions.set_article_status(article_id, "done")
    with Store(db, readonly=True) as reader:
        gold = {item.article.id: item for item in select_articles(reader)}
        assert gold[article_id].annotator == "review:lead"
        assert {(text[s.start:s.end], s.label) for s in gold[article_id].spans} == {
            ("Sahel", "LOC"), ("Abdellatif Hammouchi", "PERSON"), ("FBI", "ORG")}
        alice = {item.article.id: item for item in select_articles(reader, annotator="alice")}
        assert ("Sahel", "PERSON") in {(text[s.start:s.end], s.label) for s in alice[article_id].spans}


def test_decide_anew_and_no_entity(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    with Store(db, annotator="lead") as store:
        text = store.articles.get(article_id).text
        start, end = offsets(text, "Sahel")
        store.review.replace(article_id, start, end, [LayerSpan(start, end, "GPE")])
        assert [(s.label) for s in store.review.layer_entities(article_id, "review:lead")] == ["GPE"]
        store.review.replace(article_id, start, end, [])  # no entity here
        assert store.review.layer_entities(article_id, "review:lead") == []
        # the model's version: its suggestions in the range
        start, end = offsets(text, "FBI")
        store.review.take(article_id, start, end, MODEL_LAYER)
        assert [(text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id,
                                                                                    "review:lead")] == [
            ("FBI", "ORG")]


def test_library_shows_and_filters_review_states(tmp_path):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    with Store(db, annotator="alice") as store:
        other = store.articles.ids()[1]
        store.decisions.set_article_status(other, "done")  # alice alone: awaiting review
        states = {r.id: r.review for r in store.library.rows(store.articles.ids())}
        assert states[article_id] == "disputed" and states[other] == "awaiting"
        assert [s for i, s in states.items() if i not in (article_id, other)] == ["", "", ""]
        assert list(store.library.first_ids(LibraryFilter(review="disputed"))) == [article_id]
        assert list(store.library.first_ids(LibraryFilter(review="awaiting"))) == [other]
        assert list(store.library.first_ids(LibraryFilter(search="Sahel", review="disputed"))) == [article_id]
    with Store(db, annotator="lead") as lead:
        lead.review.set_status(article_id, "done", undecided="reject")
        assert list(lead.library.first_ids(LibraryFilter(review="reviewed"))) == [article_id]
        assert list(lead.library.first_ids(LibraryFilter(review="disputed"))) == []


def test_taking_every_agreement_settles_what_all_rejected(tmp_path):
    """alice and bob rejected every suggestion but the ones they made entities of: taking every
    agreement rejects those in the reviewed layer too, so only the disagreements are left."""
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    store, found = review(db, article_id)
    with store:
        agreed = [(c.start, c.end) for c in found if c.agrees]
        layer = review_layer("lead")
        assert store.view.undecided(article_id, layer)  # nothing reviewed yet
        store.review.take_all(article_id, agreed, "alice", ["alice", "bob"])
        left = store.view.undecided(article_id, layer)
        text = store.articles.get(article_id).text
        # what is left undecided lies in the two disagreements only
        assert {text[s.start:s.end] for s in left} <= {"Abdellatif Hammouchi"}
        assert [(text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id, layer)] == [
            ("FBI", "ORG")]
        store.review.undo()  # one step
        assert store.review.layer_entities(article_id, layer) == [] and store.view.undecided(article_id,
                                                                                             layer)
