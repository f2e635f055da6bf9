"""The count of a view's forms (annotations/store/view_forms.py) against a recount from scratch:
every article's view read as the reader shows it, on places suggested several times over."""

from __future__ import annotations

import sqlite3
from itertools import combinations

import pytest
from story_helpers import make_story_db, places_by_reading, recount

from annotations.model import SpanRecord
from annotations.store import Store
from annotations.store.view_forms import _SPAN_REPEATS


@pytest.fixture
def story_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path)
    return path


def _untouched(store: Store, annotator: str) -> list[int]:
    """Articles where the annotator has no span and no status (the count's fast path)."""
    return [a for a in store.articles.ids() if store.view.status(a, annotator) == "todo"
            and not store.view.decided_offsets(a, annotator) and store.view.spans(a, annotator)]


def _suggest_again(store: Store, article_id: int, span, label: str, origin: str, annotator: str = "") -> None:
    store.loading.add_suggestions(article_id, [SpanRecord(span.start, span.end, label, origin=origin)],
                                  annotator=annotator)


def test_a_place_suggested_by_several_origins_and_memories_counts_once(story_db):
    """Where the annotator never worked, a place (offsets and label) that the model, the rules,
    everyone's memory and the annotator's own memory all suggest is one mention and one
    article, as the reader shows it; another annotator's memory there is not in the view. The
    articles of several forms together (a names conflict) are each counted once, too."""
    with Store(story_db, annotator="alice") as store:
        first, second, third = _untouched(store, "alice")[:3]
        shared = store.view.spans(first, "alice")[0]
        _suggest_again(store, first, shared, shared.label, "rules")
        _suggest_again(store, first, shared, shared.label, "memory")
        _suggest_again(store, first, shared, shared.label, "memory", "alice")
        _suggest_again(store, first, shared, shared.label, "memory", "bob")
        _suggest_again(store, first, shared, "EVENT", "memory", "alice")  # another label: a mention more
        model = store.view.spans(first, "alice")[-1]  # a place the model suggests, for everyone and alice
        _suggest_again(store, first, model, model.label, "model", "alice")
        again = store.view.spans(second, "alice")[-1]  # only memories, no model suggestion there
        _suggest_again(store, second, again, "NORP", "memory", "alice")
        _suggest_again(store, second, again, "NORP", "rules")
        worked = store.view.spans(third, "alice")[0]  # and in an article alice works in
        _suggest_again(store, third, worked, worked.label, "rules")
        _suggest_again(store, third, worked, worked.label, "memory", "alice")
        store.decisions.accept(store.view.spans(third, "alice")[-1].key)
        for who in ("alice", "bob", "carol"):
            places = places_by_reading(store, who)
            read = store.entities.view_forms_read(who)
            assert {f.folded: (f.labels, f.articles) for f in read.forms} == recount(places)
            forms = sorted(places)
            for group in [*combinations(forms[:8], 2), forms[:5], forms]:
                articles = len({p[0] for f in group for p in places[f]})
                assert read.articles(list(group)) == articles == store.entities.view_articles(group, who)



def test_a_superseded_suggestion_is_not_counted_where_the_annotator_never_worked(story_db):
    """An adopted model re-suggests an article nobody worked in: the old model's suggestions
    there are superseded, no longer shown, and no longer counted."""
    with Store(story_db, annotator="alice") as store:
        article = _untouched(store, "alice")[0]
        old = store.view.spans(article, "alice")
        store.loading.resuggest(article, [SpanRecord(old[0].start, old[0].end, "EVENT", origin="model")],
                                "parallax en-2")
        assert len(store.view.spans(article, "alice")) < len(old)
        places = places_by_reading(store, "alice")
        read = store.entities.view_forms_read("alice")
        assert {f.folded: (f.labels, f.articles) for f in read.forms} == recount(places)
        forms = sorted(places)
        for group in [*combinations(forms[:8], 2), forms]:
            articles = len({p[0] for f in group for p in places[f]})
            assert read.articles(list(group)) == articles == store.entities.view_articles(group, "alice")


def _copy_span(path, span_id: int, *, folded_null: bool) -> None:
    """Another row of the span (what a tool or an old merge can write), without its folded form."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO spans (article_id, annotator, start, end, label, status, origin, source, "
                     "entity_id, created_at, updated_at, folded) SELECT article_id, annotator, start, end, "
                     "label, status, origin, source, entity_id, created_at, updated_at, "
                     f"{'NULL' if folded_null else 'folded'} FROM spans WHERE id = ?", (span_id,))
    conn.close()


def test_a_place_decided_twice_counts_once(story_db):
    """Two spans of one annotator at one place and label count as the one mention the reader
    shows, and so does a span without its folded form beside the same span with it, or two
    without; a span alone without its folded form counts as any other."""
    with Store(story_db, annotator="alice") as store:
        article = _untouched(store, "alice")[0]
        shown = store.view.spans(article, "alice")
        assert len(shown) >= 4
        for span in shown[:4]:
            store.decisions.accept(span.key)
        ids = [r["id"] for r in store.query(
            "SELECT id FROM spans WHERE annotator = 'alice' AND article_id = ? ORDER BY start", (article,))]
    twice, unfolded_twin, unfolded_pair, unfolded_alone = ids[:4]
    _copy_span(story_db, twice, folded_null=False)
    _copy_span(story_db, unfolded_twin, folded_null=True)
    _copy_span(story_db, unfolded_pair, folded_null=True)
    _copy_span(story_db, unfolded_pair, folded_null=True)
    conn = sqlite3.connect(story_db)
    with conn:
        conn.execute("UPDATE spans SET folded = NULL WHERE id IN (?, ?)", (unfolded_pair, unfolded_alone))
    conn.close()
    with Store(story_db, annotator="alice") as store:
        for who in ("alice", "bob"):
            places = places_by_reading(store, who)
            read = store.entities.view_forms_read(who)
            assert {f.folded: (f.labels, f.articles) for f in read.forms} == recount(places)
            forms = sorted(places)
            for group in [*combinations(forms[:6], 2), forms]:
                articles = len({p[0] for f in group for p in places[f]})
                assert read.articles(list(group)) == articles == store.entities.view_articles(group, who)


def test_a_suggestion_is_decided_by_a_span_made_from_it_or_at_its_offsets(story_db):
    """Where the annotator works, a suggestion is no longer in the view once a span was made from
    it (even resized to other offsets) or once a span of theirs sits at its offsets (made by hand,
    with another label); another annotator still sees it."""
    with Store(story_db, annotator="alice") as store:
        article = _untouched(store, "alice")[0]
        resized, covered, *_ = [s for s in store.view.spans(article, "alice") if s.end - s.start > 2]
        store.decisions.resize(resized.key, resized.start, resized.end - 1)
        store.decisions.create_span(article, covered.start, covered.end, "EVENT" if covered.label != "EVENT"
                                    else "DATE")
        for who in ("alice", "bob"):
            places = places_by_reading(store, who)
            read = store.entities.view_forms_read(who)
            assert {f.folded: (f.labels, f.articles) for f in read.forms} == recount(places)


def test_the_spans_repeats_are_found_in_the_order_of_the_spans_view_index(story_db):
    """The annotator's spans repeated at one place are found in a walk of the spans_view index
    (the spans not rejected, by form and place), without a sort of every span: a column equal to a value
    in the WHERE would drop out of the GROUP BY and leave it out of the index's order."""
    with Store(story_db, annotator="alice", readonly=True) as store:
        plan = [r[3] for r in store.db.conn.execute(f"EXPLAIN QUERY PLAN {_SPAN_REPEATS}",
                                                    {"annotator": "alice"}).fetchall()]
    assert any("COVERING INDEX spans_view" in step for step in plan), plan
    assert sum("TEMP B-TREE FOR GROUP BY" in step for step in plan) == 1, plan  # the few repeats, by form
