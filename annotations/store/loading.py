"""Bulk loading: imported articles and pipeline suggestions.

Imports are not undoable decisions (undo is for what an annotator does in the
app); an imported span is stored as the importing annotator's decision with
origin ``import``, linked to an entity when the file gives a ``kb_id``, and a
record's undecided suggestions are stored as suggestions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from ..model import EVERY_ARTICLE, ArticleRange, ArticleRecord, ArticleStatus, SpanRecord
from ..text import content_hash, fold
from .db import now
from .errors import RecordError
from .sql_values import ACCEPTED, DONE, IMPORT, MODEL, REJECTED
from .undecided import EVERYONE, open_sql

if TYPE_CHECKING:
    from .connection import Connection

_ANSWER_STATUS = {"accept": "done", "reject": "rejected", "ignore": "ignored"}
SUGGESTION_ORIGINS = ("model", "rules", "memory")
LOCAL_KB_PREFIX = "parallax:"  # the export's id for an entity without a knowledge-base id


BULK_CHECKPOINT_PAGES = 65_536  # WAL pages (256 MB at 4 KB) between checkpoints during an import


class Loading:
    """Articles and suggestions coming in: imports (``annotator`` is whose imported spans they are
    by default) and pre-annotation."""

    def __init__(self, cx: Connection, annotator: str) -> None:
        self.cx = cx
        self.annotator = annotator
        # Entities an import created, by the knowledge-base id that made them (not Parallax's own
        # ids, matched by name), and those of them named after a mention's text for want of a
        # name (a later span's ``entity`` names them).
        self._made: dict[str, int] = {}
        self._unnamed: dict[int, str] = {}

    @contextmanager
    def bulk_loading(self) -> Iterator[None]:
        """Copy the WAL into the database every ~256 MB while loading, not after every batch.

        SQLite checkpoints after any commit that leaves more than 1,000 pages (4 MB)
        in the WAL, so a batch-by-batch import rewrote the growing FTS index and
        B-trees into the database file after every batch. Each batch is still its
        own durable commit; the WAL is checkpointed once more at the end so the
        next decision does not pay for the import.
        """
        conn = self.cx.conn
        if self.cx.readonly:
            yield
            return
        before = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
            with suppress(sqlite3.Error):  # a reader may hold pages back; the next commits finish it
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def add_article(self, record: ArticleRecord, *, annotator: str | None = None) -> tuple[int, bool]:
        """Store one article (text already normalized, spans already checked).

        Returns (article id, created). An article whose text is already stored
        is left as it is: importing the same file twice changes nothing.
        """
        return self.add_articles([record], annotator=annotator)[0]

    def add_articles(self, records: Iterable[ArticleRecord], *,
                     annotator: str | None = None) -> list[tuple[int, bool]]:
        """Store many articles in one transaction; (article id, created) for each, in order.

        Set-wise, for import speed: one query finds the texts already stored,
        one ``executemany`` inserts the rest, one query reads their ids back. A
        text repeated within ``records`` is stored once (later copies: created False).
        """
        annotator = annotator or self.annotator
        records = list(records)
        digests = [content_hash(r.text) for r in records]
        with self.cx.write():
            conn = self.cx.conn
            stored = _ids_by_hash(conn, digests)
            first: dict[str, int] = {}  # hash -> index of its first new record
            for index, digest in enumerate(digests):
                if digest not in stored:
                    first.setdefault(digest, index)
            stamp = now()
            conn.executemany(
                "INSERT INTO articles(hash, title, text, lang, source, meta, length, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_article_row(records[index], digest, stamp) for digest, index in first.items()])
            created = _ids_by_hash(conn, list(first))
            spans, statuses, suggestions = [], [], []
            for digest, index in first.items():
                record, article_id = records[index], created[digest]
                spans += [(article_id, annotator, s.start, s.end, s.label, record.source,
                           self._imported_link(record.text, s, stamp) if s.kb_id else None,
                           fold(record.text[s.start:s.end]), stamp, stamp)
                          for s in record.spans]
                suggestions += [(article_id, s.start, s.end, s.label,
                                 s.origin if s.origin in SUGGESTION_ORIGINS else "model",
                                 s.source or record.source or "", fold(record.text[s.start:s.end]), stamp)
                                for s in record.suggestions]
                status = _ANSWER_STATUS.get(record.answer or "")
                if status:
                    statuses.append((article_id, annotator, status, stamp))
            if spans:
                conn.executemany(
                    "INSERT INTO spans(article_id, annotator, start, end, label, status, origin, source, "
                    "entity_id, folded, created_at, updated_at) "
                    f"VALUES (?, ?, ?, ?, ?, {ACCEPTED}, {IMPORT}, ?, ?, ?, ?, ?)", spans)
            if suggestions:
                conn.executemany(
                    "INSERT OR IGNORE INTO suggestions(article_id, start, end, label, origin, source, "
                    "folded, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", suggestions)
            if statuses:
                conn.executemany("INSERT INTO article_status(article_id, annotator, status, updated_at) "
                                 "VALUES (?, ?, ?, ?)", statuses)
                # A record imported as done keeps the suggestions it left undecided, nothing added later.
                conn.execute(
                    "INSERT INTO undecided_at_done(article_id, annotator, suggestion_id) "
                    "SELECT g.article_id, st.annotator, g.id FROM article_status st JOIN suggestions g "
                    f"ON g.article_id = st.article_id WHERE st.status = {DONE} AND g.annotator = '' "
                    "AND g.superseded_at IS NULL "
                    "AND st.article_id IN (SELECT value FROM json_each(?)) AND st.annotator = ? AND "
                    + open_sql("g", "st.annotator") + " ORDER BY g.id",
                    (json.dumps([row[0] for row in statuses if row[2] == ArticleStatus.DONE]), annotator))
        return [(stored[digest], False) if digest in stored else (created[digest], first[digest] == index)
                for index, digest in enumerate(digests)]

    def _imported_link(self, text: str, span: SpanRecord, stamp: str) -> int:
        """The entity an imported span is linked to, found or created; its surface form becomes an alias.

        A knowledge-base id finds the entity holding it (else a new one gets it). Parallax's
        own ``parallax:N`` ids name an entity of the exporting database, so they are matched
        by the entity's name (the file's, else the span's text) and never stored as kb_id. A
        new entity is named by the first span that gives its name (``entity``), whichever
        span comes first: one made from a mention's text takes the name when a span gives it.
        """
        conn = self.cx.conn
        surface = text[span.start:span.end]
        given = " ".join((span.entity or "").split())
        name = given or " ".join(surface.split()) or surface
        kb_id = span.kb_id or ""
        local = kb_id.startswith(LOCAL_KB_PREFIX)
        if not local and kb_id in self._made:
            entity_id = self._made[kb_id]
        else:
            if local:
                row = conn.execute("SELECT id FROM entities WHERE name=? ORDER BY id", (name,)).fetchone()
            else:
                row = conn.execute("SELECT id FROM entities WHERE kb_id=?", (kb_id,)).fetchone()
            if row:
                entity_id = row[0]
            else:
                entity_id = conn.execute(
                    "INSERT INTO entities(name, label, kb_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                    (name, span.label, None if local else kb_id, stamp)).fetchone()[0]
                if not local:
                    self._made[kb_id] = entity_id
                    if not given:
                        self._unnamed[entity_id] = name
        if given and entity_id in self._unnamed:
            conn.execute("UPDATE entities SET name=? WHERE id=? AND name=?",
                         (given, entity_id, self._unnamed.pop(entity_id)))
        conn.execute("INSERT OR IGNORE INTO aliases(entity_id, alias, folded) VALUES (?, ?, ?)",
                     (entity_id, surface, fold(surface)))
        return entity_id

    def add_links(self, article_id: int, spans: Iterable[SpanRecord], *,
                  annotator: str | None = None) -> int:
        """Links from entity-linking tasks on a stored article: the annotator's span at each
        mention's offsets (added as an imported span if there is none) is linked to the entity
        of its ``kb_id``. Not an undoable decision, like any import. Returns the links made."""
        annotator = annotator or self.annotator
        made = 0
        with self.cx.write():
            conn = self.cx.conn
            text = conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()[0]
            stamp = now()
            for s in spans:
                entity_id = self._imported_link(text, s, stamp) if s.kb_id else None
                row = conn.execute("SELECT id FROM spans WHERE article_id=? AND annotator=? AND start=? AND "
                                   f"end=? ORDER BY status = {REJECTED}, id LIMIT 1",
                                   (article_id, annotator, s.start, s.end)).fetchone()
                if row is None:
                    conn.execute("INSERT INTO spans(article_id, annotator, start, end, label, status, "
                                 "origin, source, entity_id, folded, created_at, updated_at) VALUES "
                                 f"(?, ?, ?, ?, ?, {ACCEPTED}, {IMPORT}, NULL, ?, ?, ?, ?)",
                                 (article_id, annotator, s.start, s.end, s.label, entity_id,
                                  fold(text[s.start:s.end]), stamp, stamp))
                elif entity_id is not None:
                    conn.execute("UPDATE spans SET entity_id=?, updated_at=? WHERE id=?",
                                 (entity_id, stamp, row[0]))
                made += entity_id is not None
        return made

    def add_suggestions(self, article_id: int, spans: Iterable[SpanRecord], *,
                        pipeline: str | None = None, annotator: str = EVERYONE) -> int:
        """Store suggestions for an article; with ``pipeline``, also mark it as done by it.

        ``annotator`` is whom they are for: everyone (pipelines, rules, shared memory), or
        the one annotator whose annotation memory made them. Suggestions already there are
        kept (decisions may point at them), so a re-run adds only what is new. A layer that
        marked the article done is not shown them (:mod:`.undecided`). Returns the number added.
        """
        stamp = now()
        spans = list(spans)
        text = ""
        if spans:  # the folded form of each (forms.py) is read from the stored text
            row = self.cx.conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
            text = row[0] if row else ""
        rows = [(article_id, s.start, s.end, s.label, s.origin, s.source or "", fold(text[s.start:s.end]),
                 stamp, annotator) for s in spans]
        with self.cx.write():
            before = self.cx.conn.total_changes
            self.cx.conn.executemany(
                "INSERT OR IGNORE INTO suggestions(article_id, start, end, label, origin, source, "
                "folded, created_at, annotator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            added = self.cx.conn.total_changes - before
            if pipeline:
                self.cx.conn.execute(
                    "INSERT OR REPLACE INTO preannotated(article_id, pipeline, ts) VALUES (?, ?, ?)",
                    (article_id, pipeline, stamp))
            return added

    def resuggest(self, article_id: int, spans: Iterable[SpanRecord], source: str,
                  pipeline: str | None = None) -> tuple[int, int]:
        """An adopted model's suggestions for an article, in place of the model suggestions of
        any other source: those are marked superseded (the rows stay, for the spans, tags and undo
        steps that refer to them; :mod:`.undecided` no longer shows them to a layer that has not
        marked the article done). A suggestion the new model makes again is kept and takes its
        source. Only for articles nobody has marked done: the caller picks them, and this refuses
        a done one (gold changes only by a decision). The article is marked done for ``pipeline``
        (default: ``source``). Returns (added or kept, superseded).
        """
        spans = list(spans)
        with self.cx.write():
            conn = self.cx.conn
            if conn.execute(f"SELECT 1 FROM article_status WHERE article_id=? AND status={DONE} LIMIT 1",
                            (article_id,)).fetchone():
                raise RecordError(f"article {article_id} is marked done: it is not re-suggested")
            stamp = now()
            conn.execute(f"UPDATE suggestions SET superseded_at=? WHERE article_id=? AND origin={MODEL} "
                         "AND annotator='' AND superseded_at IS NULL AND source != ?",
                         (stamp, article_id, source))
            text = ""
            if spans:
                row = conn.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
                text = row[0] if row else ""
            conn.executemany(
                "INSERT INTO suggestions(article_id, start, end, label, origin, source, folded, created_at, "
                f"annotator) VALUES (?, ?, ?, ?, {MODEL}, ?, ?, ?, '') "
                "ON CONFLICT (article_id, start, end, label, origin, annotator) "
                "DO UPDATE SET source=excluded.source, superseded_at=NULL",
                [(article_id, s.start, s.end, s.label, source, fold(text[s.start:s.end]), stamp)
                 for s in spans])
            superseded = conn.execute("SELECT count(*) FROM suggestions WHERE article_id=? "
                                      "AND superseded_at=?", (article_id, stamp)).fetchone()[0]
            conn.execute("INSERT OR REPLACE INTO preannotated(article_id, pipeline, ts) VALUES (?, ?, ?)",
                         (article_id, pipeline or source, stamp))
        return len(spans), superseded

    def preannotated_among(self, pipeline: str, ids: Iterable[int]) -> set[int]:
        """Those of ``ids`` a pipeline has already been run on (a page at a time, for resuming)."""
        return {r[0] for r in self.cx.conn.execute(
            "SELECT article_id FROM preannotated WHERE pipeline = ? "
            "AND article_id IN (SELECT value FROM json_each(?))",
            (pipeline, json.dumps([int(i) for i in ids]))).fetchall()}

    def preannotated_count(self, pipeline: str, lang: str, within: ArticleRange = EVERY_ARTICLE) -> int:
        """How many articles of a language (within a range) a pipeline has already been run on."""
        first, last = within.bounds()
        return self.cx.conn.execute(
            "SELECT count(*) FROM preannotated p JOIN articles a ON a.id = p.article_id "
            "WHERE p.pipeline = ? AND a.lang = ? AND a.id BETWEEN ? AND ?",
            (pipeline, lang, first, last)).fetchone()[0]


def _title_of(text: str) -> str:
    """The first non-blank line, stripped (without splitting or copying a long text)."""
    text = text.lstrip()
    end = text.find("\n")
    return (text if end < 0 else text[:end]).strip()[:200] or "(untitled)"


def _article_row(record: ArticleRecord, digest: str, stamp: str) -> tuple:
    title = record.title if record.title is not None else _title_of(record.text)
    meta = json.dumps(record.meta, ensure_ascii=False) if record.meta else "{}"
    return (digest, title, record.text, record.lang or "en", record.source, meta, len(record.text), stamp)


def _ids_by_hash(conn, digests: list[str]) -> dict[str, int]:
    """{content hash: article id} for the given hashes that are stored (one indexed query)."""
    if not digests:
        return {}
    return dict(conn.execute("SELECT hash, id FROM articles WHERE hash IN (SELECT value FROM json_each(?))",
                             (json.dumps(digests),)).fetchall())
