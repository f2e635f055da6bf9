"""The count of a view's forms (annotations/store/view_forms.py) against a recount from scratch:
every article's view read as the reader shows it, on places suggested several times over."""

from __future__ import annotations

from itertools import combinations

import pytest
from story_helpers import make_story_db, places_by_reading, recount

from annotations.model import SpanRecord
from annotations.store import Store


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
