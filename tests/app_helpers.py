"""Helpers for the app tests: a seeded database with known suggestions, waiting, screen text,
and moving around the reader."""

from __future__ import annotations

import re

from textual import events

from annotations.importer import import_seeds
from annotations.model import SpanRecord
from annotations.store import Store
from tui.app import make_app
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen

SOURCE = "test-model 1.0"
# (regex, label) suggested wherever they occur; \b keeps "Avril Haine" off "Avril Haines".
SUGGEST = [
    (r"Christopher Wray", "PERSON"),
    (r"Abdellatif Hammouchi|Hammouchi", "PERSON"),
    (r"Avril Hain(?:es|e|se)\b", "PERSON"),
    (r"\bFBI\b", "ORG"),
    (r"\bMorocco\b|\bMaroc\b", "GPE"),
    (r"\bthe United States\b", "GPE"),
    (r"\bRabat\b", "GPE"),
    ("حموشي", "PERSON"),
    ("الرباط", "GPE"),
]


def add_test_suggestions(store: Store) -> None:
    """Suggestions at every match of SUGGEST in every article, marked as pre-annotated."""
    for article_id in store.articles.ids():
        text = store.articles.get(article_id).text
        records = []
        for pattern, label in SUGGEST:
            taken = {(r.start, r.end) for r in records}
            for m in re.finditer(pattern, text):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    records.append(SpanRecord(m.start(), m.end(), label, origin="model", source=SOURCE))
        store.loading.add_suggestions(article_id, records, pipeline=SOURCE)


def make_seeded_db(path, *, tokens: bool = True) -> None:
    """The five seeds with SUGGEST's suggestions; with ``tokens``, their token boundaries stored
    too (what the app's NLP process does when an article is first opened)."""
    with Store(path, annotator="alice") as store:
        report = import_seeds(store)
        assert report.imported == 5, report.summary()
        add_test_suggestions(store)
        if tokens:
            store_tokens(store)


def store_tokens(store: Store) -> None:
    """Every article's spaCy tokens, stored as the NLP process stores them."""
    from annotations.tokenizers import token_offsets, tokenizer_name

    store.tokens.save([(article_id, tokenizer_name(lang), token_offsets(store.articles.get(article_id).text,
                                                                        lang))
                       for article_id, lang in store.articles.langs()])


def other_store(path, annotator: str = "alice") -> Store:
    """A second connection to check what the app committed."""
    return Store(path, annotator=annotator)


async def settle(pilot, rounds: int = 3) -> None:
    """Let messages, screens and workers finish."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 1)


async def burst(pilot, *keys: str) -> None:
    """Send every key at once, as a terminal delivers keys typed ahead or pasted (no pause for
    the app to handle one before the next arrives), then let the app catch up."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))
    await settle(pilot, 1)


# -- the reader ------------------------------------------------------------------------------


def app_on(path, **kwargs):
    kwargs.setdefault("preannotate", False)
    return make_app(path, annotator="alice", **kwargs)


def selected_text(app) -> str:
    view = app.screen.active_view
    span = view.selected_span
    return view.article.text[span.start:span.end]


def span_at(store, span):
    """The annotator's current view of the span at ``span``'s offsets (keys change once decided)."""
    found = [s for s in store.view.spans(span.article_id) if (s.start, s.end) == (span.start, span.end)]
    assert len(found) == 1, found
    return found[0]


async def open_first(pilot) -> ReaderScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, LibraryScreen)
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, ReaderScreen)
    return pilot.app.screen


async def select_surface(pilot, surface: str) -> None:
    """Move the entity cursor (j) until it is on ``surface``."""
    for _ in range(60):
        if selected_text(pilot.app) == surface:
            return
        await press(pilot, "j")
    raise AssertionError(f"no span {surface!r} reached with j")
