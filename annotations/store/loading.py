"""Bulk loading: imported articles and pipeline suggestions.

Imports are not undoable decisions (undo is for what an annotator does in the
app); an imported span is stored as the importing annotator's decision with
origin ``import``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..model import ArticleRecord, SpanRecord
from ..text import content_hash
from .db import now

_ANSWER_STATUS = {"accept": "done", "reject": "rejected", "ignore": "ignored"}


class LoadingMixin:
    def add_article(self, record: ArticleRecord, *, annotator: str | None = None) -> tuple[int, bool]:
        """Store one article (text already normalized, spans already checked).

        Returns (article id, created). An article whose text is already stored
        is left as it is: importing the same file twice changes nothing.
        """
        with self.write():
            return self._add_article(record, annotator or self.annotator)

    def add_articles(self, records: Iterable[ArticleRecord], *,
                     annotator: str | None = None) -> list[tuple[int, bool]]:
        """Store many articles in one transaction."""
        with self.write():
            return [self._add_article(r, annotator or self.annotator) for r in records]

    def _add_article(self, record: ArticleRecord, annotator: str) -> tuple[int, bool]:
        conn = self.db.conn
        digest = content_hash(record.text)
        found = conn.execute("SELECT id FROM articles WHERE hash=?", (digest,)).fetchone()
        if found:
            return found[0], False
        title = record.title if record.title is not None else _title_of(record.text)
        cur = conn.execute(
            "INSERT INTO articles(hash, title, text, lang, source, meta, length, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (digest, title, record.text, record.lang or "en", record.source,
             json.dumps(record.meta, ensure_ascii=False), len(record.text), now()))
        article_id = cur.lastrowid
        stamp = now()
        if record.spans:
            conn.executemany(
                "INSERT INTO spans(article_id, annotator, start, end, label, status, origin, source, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'accepted', 'import', ?, ?, ?)",
                [(article_id, annotator, s.start, s.end, s.label, record.source, stamp, stamp)
                 for s in record.spans])
        status = _ANSWER_STATUS.get(record.answer or "")
        if status:
            conn.execute("INSERT INTO article_status(article_id, annotator, status, updated_at) "
                         "VALUES (?, ?, ?, ?)", (article_id, annotator, status, stamp))
        return article_id, True

    def add_suggestions(self, article_id: int, spans: Iterable[SpanRecord], *,
                        pipeline: str | None = None) -> int:
        """Store suggestions for an article; with ``pipeline``, also mark it as done by it.

        Suggestions already there are kept (decisions may point at them), so a
        re-run adds only what is new. Returns the number added.
        """
        stamp = now()
        rows = [(article_id, s.start, s.end, s.label, s.origin, s.source or "", stamp) for s in spans]
        with self.write():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO suggestions(article_id, start, end, label, origin, source, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            added = self.db.conn.total_changes - before
            if pipeline:
                self.db.conn.execute(
                    "INSERT OR REPLACE INTO preannotated(article_id, pipeline, ts) VALUES (?, ?, ?)",
                    (article_id, pipeline, stamp))
            return added

    def preannotated_ids(self, pipeline: str) -> set[int]:
        """Articles a pipeline has already been run on (for resuming)."""
        return {r[0] for r in self.db.conn.execute(
            "SELECT article_id FROM preannotated WHERE pipeline=?", (pipeline,))}


def _title_of(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:200]
    return "(untitled)"
