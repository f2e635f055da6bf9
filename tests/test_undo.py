"""Undo and redo on the event log: each decision type, long random sequences, restarts,
the redo branch, and two annotators who never undo each other's work."""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import DecisionError, Store

TEXT = "Alice Martin met Bob Stone in Paris.\nThe FBI said Paris was calm."
SUGGESTED = [("Alice Martin", "PERSON", "model"), ("Bob Stone", "ORG", "model"),
             ("Bob Stone", "PERSON", "rules"), ("Paris", "GPE", "model"), ("Paris", "GPE", "memory"),
             ("FBI", "ORG", "model")]
LABELS = ["PERSON", "ORG", "GPE", "LOC"]


def at(surface: str) -> tuple[int, int]:
    start = TEXT.index(surface)
    return start, start + len(surface)


def setup_article(store: Store) -> int:
    aid = store.loading.add_article(ArticleRecord(text=TEXT, title="t"))[0]
    store.loading.add_suggestions(aid, [SpanRecord(*at(s), label, origin=o, source="test")
                                for s, label, o in SUGGESTED])
    return aid


def key_of(store: Store, aid: int, surface: str, *, human: bool = False) -> tuple[str, int]:
    """The key of what the annotator sees at ``surface`` (first match)."""
    start, end = at(surface)
    return next(s.key for s in store.view.spans(aid) if (s.start, s.end) == (start, end)
                and (not human or not s.is_suggestion))


def max_group(store: Store) -> int:
    return store.db.conn.execute("SELECT COALESCE(MAX(grp), 0) FROM events").fetchone()[0]


# -- each decision type ----------------------------------------------------------------------
# (preparation, decision): preparation brings the article to the state the decision needs.

Step = Callable[[Store, int], object]


def _nothing(store: Store, aid: int) -> None:
    pass


def _accepted_paris(store: Store, aid: int) -> None:
    store.decisions.accept(key_of(store, aid, "Paris"))


def _tagged_paris(store: Store, aid: int) -> None:
    store.tags.tag(store.decisions.accept(key_of(store, aid, "Paris")).key, "capital")
    store.tags.tag(key_of(store, aid, "FBI"), "agency")


def _linked_paris(store: Store, aid: int) -> None:
    store.decisions.link(key_of(store, aid, "Paris"), "Paris, France")


def _human_span(store: Store, aid: int) -> None:
    store.tags.tag(store.decisions.create_span(aid, *at("Paris was"), "LOC").key, "odd")


DECISIONS: dict[str, tuple[Step, Step]] = {
    "accept": (_nothing, lambda s, a: s.decisions.accept(key_of(s, a, "Paris"))),
    "accept a rejected span": (lambda s, a: s.decisions.reject(key_of(s, a, "FBI")),
                               lambda s, a: s.decisions.accept(key_of(s, a, "FBI"))),
    "reject": (_nothing, lambda s, a: s.decisions.reject(key_of(s, a, "FBI"))),
    "reject a decided span": (_accepted_paris, lambda s, a: s.decisions.reject(key_of(s, a, "Paris"))),
    "relabel": (_nothing, lambda s, a: s.decisions.relabel(key_of(s, a, "Bob Stone"), "PERSON")),
    "resize": (_nothing, lambda s, a: s.decisions.resize(key_of(s, a, "Alice Martin"), 0, 5)),
    "resize a decided span": (_accepted_paris, lambda s, a: s.decisions.resize(key_of(s, a, "Paris"),
                                                                               *at("in Paris"))),
    "create": (_nothing, lambda s, a: s.decisions.create_span(a, *at("calm"), "MISC")),
    "delete a hand-made span with its tags": (_human_span,
                                              lambda s, a: s.decisions.delete_span(key_of(s, a,
                                                                                          "Paris was"))),
    "delete a decided suggestion": (_tagged_paris, lambda s, a: s.decisions.delete_span(key_of(s, a,
                                                                                               "Paris"))),
    "delete an undecided suggestion": (_nothing, lambda s, a: s.decisions.delete_span(key_of(s, a, "FBI"))),
    "tag a suggestion": (_nothing, lambda s, a: s.tags.tag(key_of(s, a, "FBI"), "agency")),
    "tag a span": (_accepted_paris, lambda s, a: s.tags.tag(key_of(s, a, "Paris"), "capital")),
    "untag": (_tagged_paris, lambda s, a: s.tags.untag(key_of(s, a, "Paris"), "capital")),
    "tag the article": (_nothing, lambda s, a: s.tags.tag_article(a, "politics")),
    "untag the article": (lambda s, a: s.tags.tag_article(a, "politics"),
                          lambda s, a: s.tags.untag_article(a, "politics")),
    "link to a new entity": (_nothing,
                             lambda s, a: s.decisions.link(key_of(s, a, "Paris"), "Paris, France",
                                                           kb_id="Q90")),
    "link to an existing entity": (_linked_paris,
                                   lambda s, a: s.decisions.link(key_of(s, a, "Alice Martin"),
                                                                 "Paris, France")),
    "link by entity id": (_linked_paris, lambda s, a: s.decisions.link(key_of(s, a, "FBI"),
                                                                       s.entities.all()[0]["id"])),
    "unlink": (_linked_paris, lambda s, a: s.decisions.unlink(key_of(s, a, "Paris"))),
    "mark done": (_accepted_paris, lambda s, a: s.decisions.set_article_status(a, "done")),
    "mark done before any decision": (_nothing, lambda s, a: s.decisions.set_article_status(a, "done")),
    "back in progress": (lambda s, a: s.decisions.set_article_status(a, "done"),
                         lambda s, a: s.decisions.set_article_status(a, "in_progress")),
    "accept all": (_accepted_paris, lambda s, a: s.decisions.accept_all(a)),
    "reject all": (_accepted_paris, lambda s, a: s.decisions.reject_all(a)),
    "mark done accepting the undecided": (_accepted_paris,
                                          lambda s, a: s.decisions.set_article_status(a, "done",
                                                                                      undecided="accept")),
    "mark done rejecting the undecided": (_nothing,
                                          lambda s, a: s.decisions.set_article_status(a, "done",
                                                                                      undecided="reject")),
    "relabel to a new label": (_nothing, lambda s, a: s.decisions.relabel(key_of(s, a, "FBI"), "AGENCY")),
    "create with a new label": (_nothing, lambda s, a: s.decisions.create_span(a, *at("calm"), "MOOD")),
}


@pytest.mark.parametrize("name", list(DECISIONS))
def test_undo_and_redo_restore_exactly_the_rows(name, db_path, table_dump):
    prepare, decide = DECISIONS[name]
    store = Store(db_path, annotator="alice")
    aid = setup_article(store)
    prepare(store, aid)
    before = table_dump(store)
    groups = max_group(store)
    decide(store, aid)
    after = table_dump(store)
    assert after != before
    assert max_group(store) == groups + 1  # one decision, one undo step
    assert store.history.undo() is not None
    assert table_dump(store) == before
    assert store.history.redo() is not None
    assert table_dump(store) == after
    store.close()
    with Store(db_path, annotator="alice") as reopened:  # the log outlives the process
        assert reopened.history.undo() is not None
        assert table_dump(reopened) == before
        assert reopened.history.redo() is not None
        assert table_dump(reopened) == after
        assert reopened.history.redo() is None
        assert reopened.db.conn.execute("PRAGMA foreign_key_check").fetchall() == []


# The surfaces each decision's undo (and redo) reports as changed, in reading order: where
# the reader puts its cursor. A resize reports where the span is after the step.
_ALL_LEFT = ["Alice Martin", "Bob Stone", "FBI"]  # undecided once Paris is accepted
CHANGED = {
    "accept": ["Paris"], "accept a rejected span": ["FBI"], "reject": ["FBI"],
    "reject a decided span": ["Paris"], "relabel": ["Bob Stone"],
    "resize": (["Alice Martin"], ["Alice"]), "resize a decided span": (["Paris"], ["in Paris"]),
    "create": ["calm"], "delete a hand-made span with its tags": ["Paris was"],
    "delete a decided suggestion": ["Paris"], "delete an undecided suggestion": ["FBI"],
    "tag a suggestion": ["FBI"], "tag a span": ["Paris"], "untag": ["Paris"],
    "tag the article": [], "untag the article": [], "link to a new entity": ["Paris"],
    "link to an existing entity": ["Alice Martin"], "link by entity id": ["FBI"], "unlink": ["Paris"],
    "mark done": [], "mark done before any decision": [], "back in progress": [],
    "accept all": _ALL_LEFT, "reject all": _ALL_LEFT, "mark done accepting the undecided": _ALL_LEFT,
    "mark done rejecting the undecided": ["Alice Martin", "Bob Stone", "Paris", "FBI"],
    "relabel to a new label": ["FBI"], "create with a new label": ["calm"],
}


def _check_changed(store: Store, aid: int, result) -> list[str]:
    """The surfaces reported, each checked against what the annotator now sees there."""
    for changed in result.spans:
        there = {s.key: s for s in store.view.spans(aid) if (s.start, s.end) == (changed.start, changed.end)}
        if changed.key is None:
            assert there == {}, changed
        else:
            assert changed.key in there and there[changed.key].label == changed.label, changed
    return [TEXT[c.start:c.end] for c in result.spans]


@pytest.mark.parametrize("name", list(DECISIONS))
def test_undo_and_redo_say_which_spans_changed(name, store):
    assert set(CHANGED) == set(DECISIONS)
    prepare, decide = DECISIONS[name]
    aid = setup_article(store)
    prepare(store, aid)
    decide(store, aid)
    expected = CHANGED[name]
    on_undo, on_redo = expected if isinstance(expected, tuple) else (expected, expected)
    assert _check_changed(store, aid, store.history.undo()) == on_undo
    assert _check_changed(store, aid, store.history.redo()) == on_redo


def test_undo_of_a_reject_points_at_the_suggestion_again(store):
    """x on a suggestion, u: the result names the suggestion (the reader's cursor goes there)."""
    aid = setup_article(store)
    fbi = key_of(store, aid, "FBI")
    store.decisions.reject(fbi)
    store.decisions.accept(key_of(store, aid, "Alice Martin"))
    store.history.undo()
    result = store.history.undo()
    assert [(c.key, c.label) for c in result.spans] == [(fbi, "ORG")]
    assert [(c.key[0], c.label) for c in store.history.redo().spans] == [("span", "ORG")]


def test_undo_reports_the_action_and_the_articles(store):
    aid = setup_article(store)
    store.decisions.relabel(key_of(store, aid, "FBI"), "LOC")
    assert store.history.undo().action == "relabel"
    result = store.history.redo()
    assert (result.action, result.article_ids) == ("relabel", (aid,))
    assert store.history.undo() is not None and store.history.undo() is None


def test_accept_all_is_one_undo_step(store, table_dump):
    aid = setup_article(store)
    before = table_dump(store)
    assert store.decisions.accept_all(aid) == 4
    after = table_dump(store)
    assert not any(s.is_suggestion for s in store.view.spans(aid))
    store.history.undo()
    assert table_dump(store) == before
    assert [s.status for s in store.view.spans(aid)] == ["suggested"] * 5  # Bob Stone twice: ORG, PERSON
    store.history.redo()
    assert table_dump(store) == after


def test_a_new_decision_after_undo_discards_the_redo_branch(store, table_dump):
    aid = setup_article(store)
    start = table_dump(store)
    store.decisions.accept(key_of(store, aid, "Paris"))
    one = table_dump(store)
    store.decisions.reject(key_of(store, aid, "FBI"))
    store.history.undo()
    store.decisions.create_span(aid, *at("calm"), "MISC")
    assert store.history.redo() is None
    store.history.undo()
    assert table_dump(store) == one
    store.history.undo()
    assert table_dump(store) == start
    assert store.history.undo() is None


def test_a_decision_that_changes_nothing_keeps_the_redo_branch(store, table_dump):
    """Regression: accepting an already accepted span used to drop what could be redone."""
    aid = setup_article(store)
    paris = store.decisions.accept(key_of(store, aid, "Paris"))
    store.decisions.create_span(aid, *at("calm"), "MISC")
    after = table_dump(store)
    store.history.undo()
    groups = max_group(store)
    store.decisions.accept(paris.key)  # already accepted
    store.decisions.create_span(aid, paris.start, paris.end, "GPE")  # the same span again
    store.decisions.set_article_status(aid, "in_progress")  # already in progress
    store.tags.untag(paris.key, "never put")
    store.tags.untag_article(aid, "never put")
    assert max_group(store) == groups
    assert store.history.redo() is not None
    assert table_dump(store) == after


@pytest.mark.parametrize("decide", [
    lambda s, a: s.decisions.relabel(key_of(s, a, "FBI"), "spy_chief"),
    lambda s, a: s.decisions.create_span(a, *at("calm"), "spy_chief"),
    lambda s, a: s.decisions.link(s.decisions.relabel(key_of(s, a, "FBI"), "spy_chief").key, "FBI"),
], ids=["relabel", "create", "relabel then link"])
def test_undo_takes_back_a_label_the_decision_added(decide, store, table_dump):
    """A typo made in the label picker does not stay in the scheme (and the exports) after u."""
    aid = setup_article(store)
    before = table_dump(store)
    decide(store, aid)
    after = table_dump(store)
    assert store.labels.names()[-1] == "spy_chief"
    while store.history.undo():
        pass
    assert "spy_chief" not in store.labels.names()
    assert table_dump(store) == before
    while store.history.redo():
        pass
    assert store.labels.names()[-1] == "spy_chief"
    assert table_dump(store) == after


def test_undo_keeps_a_new_label_that_someone_else_uses(db_path):
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        aid = setup_article(alice)
        alice.decisions.relabel(key_of(alice, aid, "FBI"), "AGENCY")
        bob.decisions.relabel(key_of(bob, aid, "FBI"), "AGENCY")
        alice.history.undo()
        assert "AGENCY" in alice.labels.names()
        assert [s.label for s in alice.view.spans(aid) if s.start == at("FBI")[0]] == ["ORG"]
        assert [s.label for s in bob.view.spans(aid) if s.start == at("FBI")[0]] == ["AGENCY"]


def test_redo_brings_a_label_back_by_name_when_its_row_id_went_to_another(db_path):
    """The labels table reuses row ids: redo must not mistake bob's new label for alice's."""
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        aid = setup_article(alice)
        alice.decisions.relabel(key_of(alice, aid, "FBI"), "AGENCY")
        alice.history.undo()
        bob.decisions.relabel(key_of(bob, aid, "Paris"), "CITY")
        alice.history.redo()
        assert alice.labels.names()[-2:] == ["CITY", "AGENCY"]
        assert {s.label for s in alice.view.spans(aid) if not s.is_suggestion} == {"AGENCY"}
        assert {s.label for s in bob.view.spans(aid) if not s.is_suggestion} == {"CITY"}


def test_undo_survives_a_restart_for_many_steps(db_path, table_dump):
    with Store(db_path, annotator="alice") as store:
        aid = setup_article(store)
        states = [table_dump(store)]
        for surface in ("Alice Martin", "Bob Stone", "Paris", "FBI"):
            store.decisions.accept(key_of(store, aid, surface))
            states.append(table_dump(store))
    for expected in reversed(states[:-1]):
        with Store(db_path, annotator="alice") as store:
            store.history.undo()
            assert table_dump(store) == expected
    for expected in states[1:]:
        with Store(db_path, annotator="alice") as store:
            store.history.redo()
            assert table_dump(store) == expected


# -- two annotators ----------------------------------------------------------------------------


def _rows_of(store: Store, annotator: str) -> tuple[list, ...]:
    return tuple(store.query(f"SELECT * FROM {t} WHERE annotator=? ORDER BY id", (annotator,))
                 for t in ("spans", "tags", "article_status"))


def test_redo_never_lands_on_a_row_another_annotator_got_meanwhile(db_path):
    """Regression: SQLite handed an undone row's id to bob, and alice's redo overwrote bob's span."""
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        aid = alice.loading.add_article(ArticleRecord(text=TEXT, title="t"))[0]
        alice.decisions.create_span(aid, *at("Alice Martin"), "PERSON")
        alice.tags.tag_article(aid, "a")
        alice.history.undo()
        alice.history.undo()
        bob.decisions.create_span(aid, *at("Bob Stone"), "PERSON")
        bob.tags.tag_article(aid, "b")
        bobs = _rows_of(bob, "bob")
        alice.history.redo()
        alice.history.redo()
        assert _rows_of(bob, "bob") == bobs
        assert [s.label for s in alice.view.spans(aid)] == ["PERSON"]
        assert alice.tags.of_article(aid) == ["a"] and bob.tags.of_article(aid) == ["b"]
        assert alice.view.status(aid) == bob.view.status(aid) == "in_progress"


def test_undoing_a_link_keeps_an_entity_another_annotator_uses(db_path):
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        aid = setup_article(alice)
        alice.decisions.link(key_of(alice, aid, "Paris"), "Paris, France")
        bob_span = bob.decisions.link(key_of(bob, aid, "Paris"), "Paris, France")
        entities = alice.entities.all()
        aliases = alice.query("SELECT * FROM aliases")
        assert len(entities) == 1 and entities[0]["label"] == "GPE" and len(aliases) == 1
        alice.history.undo()
        assert alice.entities.all() == entities and alice.query("SELECT * FROM aliases") == aliases
        assert bob_span in bob.view.spans(aid) and bob_span.entity_id == entities[0]["id"]
        alice.history.redo()
        paris = next(s for s in alice.view.spans(aid) if s.start == at("Paris")[0])
        assert paris.entity_id == entities[0]["id"]
        # Without another user, undoing the link that created the entity removes it.
        bob.history.undo()
        alice.history.undo()
        assert alice.entities.all() == [] and alice.query("SELECT * FROM aliases") == []


_OPS = ["accept", "reject", "relabel", "resize", "create", "delete", "tag", "untag", "tag_article",
        "untag_article", "link", "unlink", "status", "accept_all", "reject_all", "done_and_decide",
        "undo", "redo", "restart"]
_LABELS_OR_NEW = [*LABELS, "NEW_ONE"]  # a label the decision adds to the scheme


def _apply(store: Store, aid: int, data: st.DataObject, op: str) -> None:
    """One random decision on what the annotator currently sees (DecisionError allowed)."""
    visible = store.view.spans(aid)
    if op in ("tag_article", "untag_article"):
        getattr(store.tags, op)(aid, data.draw(st.sampled_from(["x", "y"])))
        return
    if op == "status":
        store.decisions.set_article_status(aid, data.draw(st.sampled_from(["done", "in_progress"])))
        return
    if op in ("accept_all", "reject_all"):
        getattr(store.decisions, op)(aid)
        return
    if op == "done_and_decide":
        store.decisions.set_article_status(aid, "done", undecided=data.draw(st.sampled_from(["accept",
                                                                                             "reject"])))
        return
    if op == "create":
        start = data.draw(st.integers(0, len(TEXT) - 1))
        store.decisions.create_span(aid, start, data.draw(st.integers(start + 1, len(TEXT))),
                          data.draw(st.sampled_from(_LABELS_OR_NEW)))
        return
    if not visible:
        return
    key = data.draw(st.sampled_from(visible)).key
    if op == "relabel":
        store.decisions.relabel(key, data.draw(st.sampled_from(_LABELS_OR_NEW)))
    elif op == "resize":
        start = data.draw(st.integers(0, len(TEXT) - 1))
        store.decisions.resize(key, start, data.draw(st.integers(start + 1, len(TEXT))))
    elif op in ("tag", "untag"):
        getattr(store.tags, op)(key, data.draw(st.sampled_from(["t1", "t2"])))
    elif op == "link":
        store.decisions.link(key, data.draw(st.sampled_from(["E1", "E2"])))
    elif op == "delete":
        store.decisions.delete_span(key)
    else:
        getattr(store.decisions, op)(key)


_examples = itertools.count()


@pytest.fixture(scope="module")
def fast_dir(tmp_path_factory):
    """Real SQLite files on tmpfs when there is one: these tests are about logic, not fsync."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="parallax-undo-") as d:
            yield Path(d)
    else:
        yield tmp_path_factory.mktemp("undo")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), ops=st.lists(st.sampled_from(_OPS), min_size=1, max_size=25))
def test_random_sequences_undo_to_the_start_and_redo_to_the_end(fast_dir, table_dump, data, ops):
    """A model of the undo stack: every undo goes back exactly one changing decision."""
    path = fast_dir / f"h{next(_examples)}.db"
    store = Store(path, annotator="alice")
    try:
        aid = setup_article(store)
        done = [table_dump(store)]  # states after each decision still undoable
        undone: list[dict] = []
        for op in ops:
            if op == "restart":
                store.close()
                store = Store(path, annotator="alice")
            elif op == "undo":
                result = store.history.undo()
                assert (result is None) == (len(done) == 1)
                if result:
                    undone.append(done.pop())
                assert table_dump(store) == done[-1]
            elif op == "redo":
                result = store.history.redo()
                assert (result is None) == (not undone)
                if result:
                    done.append(undone.pop())
                assert table_dump(store) == done[-1]
            else:
                groups = max_group(store)
                try:
                    _apply(store, aid, data, op)
                except DecisionError:
                    assert max_group(store) == groups and table_dump(store) == done[-1]
                    continue
                if max_group(store) > groups:
                    done.append(table_dump(store))
                    undone.clear()
                else:
                    assert table_dump(store) == done[-1]
        final = undone[0] if undone else done[-1]  # everything decided, redone
        while store.history.undo():
            pass
        assert table_dump(store) == done[0]
        while store.history.redo():
            pass
        assert table_dump(store) == final
        assert store.db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), ops=st.lists(st.tuples(st.sampled_from(["alice", "bob"]),
                                              st.sampled_from(_OPS[:-3])), min_size=1, max_size=20))
def test_two_annotators_undoing_never_touch_each_other(fast_dir, data, ops):
    path = fast_dir / f"two{next(_examples)}.db"
    stores = {name: Store(path, annotator=name) for name in ("alice", "bob")}
    try:
        aid = setup_article(stores["alice"])
        for who, op in ops:
            try:
                _apply(stores[who], aid, data, op)
            except DecisionError:
                pass
        alice, bob = stores["alice"], stores["bob"]
        bob_rows = _rows_of(bob, "bob")
        bob_view = bob.view.spans(aid)
        while alice.history.undo():
            pass
        assert _rows_of(alice, "alice") == ([], [], [])
        assert _rows_of(bob, "bob") == bob_rows
        assert bob.view.spans(aid) == bob_view  # entities bob links to are still there
        assert alice.db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        for s in stores.values():
            s.close()


@pytest.mark.parametrize("how", ["accept", "reject"])
def test_a_bulk_decision_on_hundreds_of_suggestions_is_undone_and_redone_exactly(how, db_path, table_dump,
                                                                                   monkeypatch):
    """A big group (accept all, reject all) is written and undone set-wise; the rows must be
    exactly those the row-by-row path gives, and one undo takes the whole decision back."""
    from annotations.store import history

    def run(path: Path) -> tuple[dict, dict, dict, dict, object]:
        with Store(path, annotator="alice") as store:
            text = " ".join(f"Word{i} Paris" for i in range(400))
            aid, _ = store.loading.add_article(ArticleRecord(text=text, lang="en"))
            records = [SpanRecord(m, m + 5, "GPE" if n % 3 else "LOC", origin="model", source="t")
                       for n, m in enumerate(i for i in range(len(text)) if text.startswith("Paris", i))]
            store.loading.add_suggestions(aid, records, pipeline="t")
            store.loading.add_suggestions(aid, records[:50], pipeline="t2")  # duplicates: decided once
            before = table_dump(store)
            count = store.decisions.decide_all(aid, how)
            decided = table_dump(store)
            result = store.history.undo()
            undone = table_dump(store)
            store.history.redo()
            redone = table_dump(store)
        return before, decided, undone, redone, (count, result.action, len(result.spans))

    bulk = run(db_path)
    monkeypatch.setattr(history, "BULK_RESTORE", 10**9)  # the row-by-row path
    one_by_one = run(db_path.with_name("rows.db"))
    before, decided, undone, redone, summary = bulk
    assert summary == (400, f"{how}_all", 400)
    assert undone == before and redone == decided
    assert [_timeless(d) for d in (before, decided, undone, redone)] == [_timeless(d) for d in one_by_one[:4]]


def _timeless(dump: dict) -> dict:
    """A table dump with its timestamps blanked (two runs happen at different moments)."""
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$")
    return {table: [tuple("TS" if isinstance(v, str) and stamp.match(v) else v for v in row) for row in rows]
            for table, rows in dump.items()}
