"""Two (or three) annotators who disagree: on the seeds, and on one tiny article whose every
agreement figure is worked out by hand in tests/test_agreement.py."""

from __future__ import annotations

from app_helpers import make_seeded_db

from annotations.model import ArticleRecord
from annotations.store import Store

TINY_TEXT = "Abdellatif Hammouchi visited the Sahel with the FBI."
# Tokens: Abdellatif Hammouchi visited the Sahel with the FBI .  (9, none of them whitespace)
TINY_LAYERS = {
    "alice": [("Abdellatif Hammouchi", "PERSON"), ("Sahel", "PERSON"), ("FBI", "ORG")],
    "bob": [("Hammouchi", "PERSON"), ("Sahel", "LOC"), ("FBI", "ORG")],
    "carol": [("Abdellatif Hammouchi", "PERSON"), ("Sahel", "LOC"), ("FBI", "ORG")],
}
# On the first seed article: where alice and bob differ (the first mention of each surface).
SEED_LAYERS = {
    "alice": [("Abdellatif Hammouchi", "PERSON"), ("Sahel", "PERSON"), ("FBI", "ORG")],
    "bob": [("Hammouchi", "PERSON"), ("Sahel", "LOC"), ("FBI", "ORG")],
}


def offsets(text: str, surface: str, after: int = 0) -> tuple[int, int]:
    """The first mention of ``surface`` at or after ``after``; "Hammouchi" alone is the one
    inside the first "Abdellatif Hammouchi"."""
    start = text.index(surface, after)
    return start, start + len(surface)


def annotate(path, article_id: int, layers: dict[str, list[tuple[str, str]]], *, done: bool = True) -> None:
    """Each annotator rejects every suggestion, makes exactly their spans and marks the article done."""
    for name, spans in layers.items():
        with Store(path, annotator=name) as store:
            text = store.articles.get(article_id).text
            store.decisions.reject_all(article_id)
            for surface, label in spans:
                store.decisions.create_span(article_id, *offsets(text, surface), label)
            if done:
                store.decisions.set_article_status(article_id, "done")


def make_tiny_db(path, annotators=("alice", "bob")) -> int:
    """A database with the tiny article annotated by ``annotators``; returns its id."""
    with Store(path, annotator="alice") as store:
        article_id, _ = store.loading.add_article(ArticleRecord(TINY_TEXT, title="Tiny", lang="en"))
    annotate(path, article_id, {name: TINY_LAYERS[name] for name in annotators})
    return article_id


def make_team_db(path) -> int:
    """The seeds with hand-placed suggestions; alice and bob each finish the first article,
    disagreeing on Sahel (PERSON or LOC) and on where "Abdellatif Hammouchi" starts. Returns
    the article's id."""
    make_seeded_db(path)
    with Store(path, annotator="alice") as store:
        article_id = store.articles.ids()[0]
    annotate(path, article_id, SEED_LAYERS)
    return article_id
