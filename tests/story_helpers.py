"""The seeds as one story for the entity tests: Sahel suggested as PERSON in the English articles
and LOC in the French one (as the real pipelines do), and Christopher Wray linked in English and
in Arabic, on top of tests/app_helpers.py's hand-placed suggestions."""

from __future__ import annotations

import re

from app_helpers import make_seeded_db

from annotations.model import SpanRecord
from annotations.store import Store
from annotations.text import fold

WRAY_AR = "كريستوفر راي"


def article_with(store: Store, needle: str) -> int:
    return next(a for a in store.articles.ids() if needle in store.articles.get(a).text)


def sahel_view(store: Store) -> dict[tuple[int, int], tuple[str, str]]:
    """(article, start) -> (label, status) of every Sahel the store's annotator sees."""
    out = {}
    for article_id in store.articles.ids():
        text = store.articles.get(article_id).text
        for span in store.view.spans(article_id):
            if text[span.start:span.end] == "Sahel":
                out[(article_id, span.start)] = (span.label, span.status)
    return out


def add_sahel(store: Store) -> None:
    """Sahel suggested as PERSON in English and LOC in French, wherever it occurs."""
    for article_id in store.articles.ids():
        article = store.articles.get(article_id)
        label = {"en": "PERSON", "fr": "LOC"}.get(article.lang)
        if label:
            store.loading.add_suggestions(article_id, [SpanRecord(m.start(), m.end(), label, origin="model",
                                                          source="test-model 1.0")
                                               for m in re.finditer(r"\bSahel\b", article.text)])


def make_story_db(path, *, link_wray: bool = True) -> None:
    make_seeded_db(path)
    with Store(path, annotator="alice") as store:
        add_sahel(store)
        if link_wray:
            english = store.articles.ids()[0]
            wray = next(s for s in store.view.spans(english)
                        if store.articles.get(english).text[s.start:s.end] == "Christopher Wray")
            store.decisions.link(wray.key, "Christopher Wray")
            arabic = article_with(store, WRAY_AR)
            start = store.articles.get(arabic).text.index(WRAY_AR)
            span = store.decisions.create_span(arabic, start, start + len(WRAY_AR), "PERSON")
            store.decisions.link(span.key, "Christopher Wray")


def places_by_reading(store: Store, annotator: str) -> dict[str, set[tuple[int, int, int, str]]]:
    """folded -> every (article, start, end, label) the reader shows the annotator."""
    places: dict[str, set[tuple[int, int, int, str]]] = {}
    for article_id in store.articles.ids():
        text = store.articles.get(article_id).text
        for span in store.view.spans(article_id, annotator, include_rejected=False):
            places.setdefault(fold(text[span.start:span.end]), set()).add(
                (article_id, span.start, span.end, span.label))
    return places


def recount(places: dict[str, set[tuple[int, int, int, str]]]) -> dict[str, tuple[dict[str, int], int]]:
    """folded -> (mentions per label, articles), from :func:`places_by_reading`."""
    out = {}
    for folded, found in places.items():
        labels: dict[str, int] = {}
        for *_, label in found:
            labels[label] = labels.get(label, 0) + 1
        out[folded] = (labels, len({p[0] for p in found}))
    return out
