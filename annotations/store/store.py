"""The store facade: the one object the CLI, the NLP layer and the app talk to.

Reads live here; decisions (writes that an annotator makes, logged for undo)
live in :mod:`annotations.store.decisions`, and bulk loading (imports,
suggestions) in :mod:`annotations.store.loading`.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..config import Config, config_path, load_config
from ..model import Article, Span
from .bulk import BulkMixin
from .damage import close_connection, ensure_sound, found_damaged
from .db import connect, default_db_path, write_transaction
from .decisions import DecisionsMixin
from .entities import EntitiesMixin
from .errors import StoreError, error_for, is_damage
from .files import belongs_to
from .loading import LoadingMixin
from .presence import PresenceMixin
from .review import ReviewMixin
from .tokens import TokensMixin
from .undecided import (
    EVERYONE,
    ORDER_BY_ORIGIN,
    SUGGESTION_COLUMNS,
    Suggestion,
    UndecidedMixin,
    shown_to,
    undecided_among,
)

if TYPE_CHECKING:
    from sqlite_utils import Database


def _shared(value: str | None) -> str | None:
    """One string object for the label, origin and source every span of an article repeats
    (SQLite hands out a new one per row): ~3 MB of a 1 MB article's 25,000 spans."""
    return sys.intern(value) if value is not None else None


def default_annotator() -> str:
    """``PARALLAX_ANNOTATOR`` if set, else the OS user name."""
    try:
        return os.environ.get("PARALLAX_ANNOTATOR") or getpass.getuser()
    except Exception:  # no user name in some containers
        return "annotator"


class Store(ReviewMixin, DecisionsMixin, LoadingMixin, TokensMixin, UndecidedMixin, EntitiesMixin,
            BulkMixin, PresenceMixin):
    """A Parallax database opened for one annotator.

    Each Store owns one SQLite connection, which belongs to the thread that
    opened it (open another Store in a worker thread or process; with
    ``check_same_thread=False`` writes from several threads are serialized).
    Every decision is committed before its method returns. ``timeout`` is how
    long a statement waits for another process's lock (default BUSY_TIMEOUT_S);
    ``lock_wait`` how long a write waits for the write lock before raising
    StoreBusy (default: ``timeout``): the app's own writes wait briefly and
    finish in the background instead of freezing the screen. Before its first
    write a Store makes sure the file is not damaged (:func:`ensure_sound`, once
    per process); with ``background_check`` it raises StoreBusy until another
    thread has done that, instead of reading the whole file itself.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, annotator: str | None = None,
                 readonly: bool = False, config: Config | None = None, create: bool = True,
                 check_same_thread: bool = True, timeout: float | None = None,
                 lock_wait: float | None = None, background_check: bool = False):
        self.path = str(path or default_db_path())
        self.annotator = annotator or default_annotator()
        self.readonly = readonly
        self.lock_wait = lock_wait
        self.background_check = background_check
        self._sound = False  # checked for damage (once per process, before the first write)
        self._write_lock = threading.RLock()
        # The config first: a bad parallax.toml must not leave a new, empty database behind.
        self.config = config or load_config(config_path(self.path))
        self.db = connect(self.path, readonly=readonly, create=create,
                          check_same_thread=check_same_thread, timeout=timeout)
        try:
            if not readonly and not self.db.conn.execute("SELECT 1 FROM labels LIMIT 1").fetchone():
                self.ensure_sound()  # a new database: nothing to read, so this is instant
                with self.write():  # re-checked under the lock: another process may be first
                    if not self.db.conn.execute("SELECT 1 FROM labels LIMIT 1").fetchone():
                        self.set_labels(self.config.labels)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                found_damaged(self.path)
            self.close()
            raise error_for(self.path, exc) from exc
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; a file this process has not found sound keeps its -wal as it is
        (:func:`~.damage.close_connection`)."""
        if self.readonly:
            self.db.conn.close()
        else:
            close_connection(self.db.conn, self.path)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads that may meet a damaged page: an SQLite error becomes a StoreError naming the file
        (a StoreDamaged for damage), so a command ends with one line rather than a traceback."""
        try:
            yield
        except sqlite3.Error as exc:
            if is_damage(exc):
                found_damaged(self.path)
            raise error_for(self.path, exc) from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def owns_file(self, path: str | os.PathLike) -> bool:
        """Whether ``path`` names this database's file, -wal, -shm or -journal (by any link or
        spelling): such a path is never read as an import or replaced by an export
        (:mod:`.files` says why)."""
        return belongs_to(self.path, path)

    def check(self) -> list[str]:
        """SQLite's quick_check: [] when the file is sound, else its findings (corrupt pages).

        Damage inside a page only shows when that page is read, so opening the
        store cannot promise a sound file; this reads every page.
        """
        try:
            rows = [r[0] for r in self.db.conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    @contextmanager
    def write(self, wait: float | None = None) -> Iterator[Database]:
        """One atomic write (BEGIN IMMEDIATE ... COMMIT); nested calls join the outer one.

        Waits up to ``wait`` (default ``lock_wait``) for another writer, then raises StoreBusy.
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only, so this change was not made; "
                             "open it without read-only to annotate")
        if not self._sound:
            self.ensure_sound(wait=not self.background_check)
        with self._write_lock, write_transaction(self.db, self.lock_wait if wait is None else wait) as db:
            yield db

    def ensure_sound(self, *, wait: bool = True) -> None:
        """Raise StoreError if the file is damaged (every page read once per process)."""
        ensure_sound(self.db, self.path, wait=wait)
        self._sound = True

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        """Run a read query and return every row as a dict (never a half-read cursor).

        For the store's own modules and for tests; the rest of Parallax calls named reads.
        """
        return list(self.db.query(sql, params))

    # -- labels ----------------------------------------------------------------

    def labels(self) -> list[str]:
        """The project's label scheme, in order (keys 1..9 pick the first nine)."""
        return [r[0] for r in self.db.conn.execute("SELECT name FROM labels ORDER BY position")]

    def set_labels(self, labels: list[str]) -> None:
        with self.write():
            self.db.conn.execute("DELETE FROM labels")
            self.db.conn.executemany("INSERT INTO labels(name, position) VALUES (?, ?)",
                                     [(name, i) for i, name in enumerate(labels)])

    def add_label(self, name: str) -> bool:
        """Add a label at the end of the scheme; False if it was already there."""
        with self.write():
            if self.db.conn.execute("SELECT 1 FROM labels WHERE name=?", (name,)).fetchone():
                return False
            pos = self.db.conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM labels").fetchone()[0]
            self.db.conn.execute("INSERT INTO labels(name, position) VALUES (?, ?)", (name, pos))
            return True

    # -- articles --------------------------------------------------------------

    def article(self, article_id: int) -> Article:
        row = self.db.conn.execute(
            "SELECT id, title, text, lang, source, hash, meta FROM articles WHERE id=?",
            (article_id,)).fetchone()
        if row is None:
            raise KeyError(f"no article with id {article_id}")
        return Article(id=row[0], title=row[1], text=row[2], lang=row[3], source=row[4],
                       hash=row[5], meta=json.loads(row[6] or "{}"))

    def article_ids(self, *, lang: str | None = None) -> list[int]:
        """Every article id in order, or those of one language."""
        if lang is None:
            return [r[0] for r in self.db.conn.execute("SELECT id FROM articles ORDER BY id")]
        return [r[0] for r in self.db.conn.execute("SELECT id FROM articles WHERE lang=? ORDER BY id",
                                                   (lang,))]

    def languages(self) -> list[str]:
        """The language codes of the stored articles, sorted."""
        # One index seek per language (a skip scan) instead of reading every article's entry.
        return [r[0] for r in self.db.conn.execute(
            "WITH RECURSIVE l(lang) AS (SELECT min(lang) FROM articles UNION ALL "
            "SELECT (SELECT min(lang) FROM articles WHERE lang > l.lang) FROM l WHERE l.lang IS NOT NULL) "
            "SELECT lang FROM l WHERE lang IS NOT NULL")]

    def article_langs(self, ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(id, language) of the given articles (default: all), in id order."""
        if ids is None:
            return self.db.conn.execute("SELECT id, lang FROM articles ORDER BY id").fetchall()
        return self.db.conn.execute(
            "SELECT id, lang FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps([int(i) for i in ids]),)).fetchall()

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """id -> text of the given articles."""
        return dict(self.db.conn.execute(
            "SELECT id, text FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),)).fetchall())

    def count_articles(self) -> int:
        return self.db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def decided_offsets(self, article_id: int, annotator: str | None = None) -> set[tuple[int, int, str]]:
        """(start, end, label) of every decision the annotator made in the article."""
        return set(self.db.conn.execute(
            "SELECT start, end, label FROM spans WHERE article_id=? AND annotator=?",
            (article_id, annotator or self.annotator)).fetchall())

    def article_status(self, article_id: int, annotator: str | None = None) -> str:
        """todo, in_progress, done, rejected or ignored, for one annotator."""
        row = self.db.conn.execute(
            "SELECT status FROM article_status WHERE article_id=? AND annotator=?",
            (article_id, annotator or self.annotator)).fetchone()
        return row[0] if row else "todo"

    # -- spans -------------------------------------------------------------------

    def spans(self, article_id: int, annotator: str | None = None, *,
              include_rejected: bool = True, within: tuple[int, int] | None = None) -> list[Span]:
        """What an annotator sees in an article: their decisions plus undecided suggestions.

        Which suggestions are undecided is the rule of :mod:`.undecided`: hidden once
        the annotator has decided on it or has any span with the same offsets;
        duplicates (same offsets and label from several origins) show once.
        ``within=(start, end)`` reads only the spans overlapping that range (what a
        decision there can have changed), with the same rules: the reader's
        update after a decision on a long article.
        """
        annotator = annotator or self.annotator
        conn = self.db.conn
        where, window = "", ()
        if within is not None:
            where, window = " AND start < ? AND end > ?", (within[1], within[0])
        tags: dict[tuple[str, int], list[str]] = defaultdict(list)
        for span_id, sugg_id, tag in conn.execute(
                "SELECT span_id, suggestion_id, tag FROM tags WHERE article_id=? AND annotator=? "
                "AND (span_id IS NOT NULL OR suggestion_id IS NOT NULL) ORDER BY id",
                (article_id, annotator)).fetchall():
            tags[("span", span_id) if span_id is not None else ("suggestion", sugg_id)].append(tag)
        out: list[Span] = []
        decided_ids: set[int] = set()
        decided_offsets: set[tuple[int, int]] = set()
        for row in conn.execute(
                "SELECT id, start, end, label, status, origin, source, suggestion_id, entity_id "
                "FROM spans WHERE article_id=? AND annotator=?" + where,
                (article_id, annotator, *window)).fetchall():
            if row[7] is not None:
                decided_ids.add(row[7])
            decided_offsets.add((row[1], row[2]))
            if row[4] == "rejected" and not include_rejected:
                continue
            out.append(Span(article_id, row[1], row[2], _shared(row[3]), row[4], row[5], _shared(row[6]),
                            span_id=row[0], suggestion_id=row[7], annotator=annotator,
                            entity_id=row[8], tags=tuple(tags.get(("span", row[0]), ()))))
        if within is not None:  # a decision resized away from its suggestion still hides it
            decided_ids.update(r[0] for r in conn.execute(
                "SELECT suggestion_id FROM spans WHERE article_id=? AND annotator=? AND suggestion_id IN "
                "(SELECT id FROM suggestions WHERE article_id=?" + where + ")",
                (article_id, annotator, article_id, *window)))
        suggestions = map(Suggestion._make, conn.execute(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE article_id=?"
            + where + " ORDER BY " + ORDER_BY_ORIGIN, (article_id, *window)).fetchall())
        held = self.held_undecided([(article_id, annotator)]).get((article_id, annotator))
        for s in undecided_among(shown_to(suggestions, annotator, held), decided_ids, decided_offsets):
            out.append(Span(article_id, s.start, s.end, _shared(s.label), "suggested", _shared(s.origin),
                            _shared(s.source), suggestion_id=s.id,
                            tags=tuple(tags.get(("suggestion", s.id), ()))))
        out.sort(key=lambda s: (s.start, -s.end, s.label))
        return out

    def span(self, key: tuple[str, int], annotator: str | None = None) -> Span | None:
        """Look one span up by its key, as the annotator sees it."""
        kind, ident = key
        table = "spans" if kind == "span" else "suggestions"
        row = self.db.conn.execute(f"SELECT article_id FROM {table} WHERE id=?", (ident,)).fetchone()
        if row is None:
            return None
        for span in self.spans(row[0], annotator):
            if span.key == key:
                return span
        return None

    def article_tags(self, article_id: int, annotator: str | None = None) -> list[str]:
        return [r[0] for r in self.db.conn.execute(
            "SELECT tag FROM tags WHERE article_id=? AND annotator=? AND span_id IS NULL "
            "AND suggestion_id IS NULL ORDER BY id", (article_id, annotator or self.annotator))]

    def known_tags(self) -> list[str]:
        """Every tag used so far, most used first, for completion."""
        return [r[0] for r in self.db.conn.execute(
            "SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")]

    # -- annotation memory -----------------------------------------------------

    def memory_owner(self, annotator: str | None = None) -> str:
        """Whom an annotator's (default: this Store's) memory suggestions are for: that
        annotator, or everyone ('') when the project shares memory (``[memory] shared``)."""
        return EVERYONE if self.config.memory_shared else (annotator or self.annotator)

    def has_memory_forms(self, annotator: str | None = None) -> bool:
        """Whether ``annotator``'s annotation memory (None: everyone's) has anything to suggest: an
        accepted or corrected span, or an alias of a labelled entity they linked a span to."""
        who, params = _whose(annotator)
        return bool(self.db.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM spans s WHERE s.status IN ('accepted', 'corrected') {who}) "
            "OR EXISTS (SELECT 1 FROM aliases a JOIN entities e ON e.id = a.entity_id "
            f"WHERE e.label IS NOT NULL AND {_linked(annotator)})", params * 3).fetchone()[0])

    def accepted_forms(self, annotator: str | None = None) -> list[tuple[str, str]]:
        """Every (surface form, label) ``annotator`` (None: any annotator) accepted or corrected."""
        who, params = _whose(annotator)
        rows = self.db.conn.execute(
            "SELECT DISTINCT substr(a.text, s.start + 1, s.end - s.start), s.label "
            "FROM spans s JOIN articles a ON a.id = s.article_id "
            f"WHERE s.status IN ('accepted', 'corrected') {who}", params).fetchall()
        return [(r[0], r[1]) for r in rows]

    def labelled_aliases(self, annotator: str | None = None) -> list[tuple[str, str, str]]:
        """(alias, label, entity name) of every alias of a labelled entity; with ``annotator``,
        of the entities that annotator linked a span to."""
        params = () if annotator is None else (annotator,)
        return self.db.conn.execute(
            "SELECT a.alias, e.label, e.name FROM aliases a JOIN entities e ON e.id = a.entity_id "
            f"WHERE e.label IS NOT NULL AND {_linked(annotator)} ORDER BY a.entity_id, a.alias",
            params * 2).fetchall()

    def memory_annotators(self) -> list[str]:
        """The annotators (not review layers) whose annotation memory has something to suggest."""
        return [r[0] for r in self.db.conn.execute(
            "SELECT DISTINCT annotator FROM spans WHERE (status IN ('accepted', 'corrected') "
            "OR entity_id IS NOT NULL) AND annotator NOT GLOB 'review:*' ORDER BY annotator").fetchall()]


def _linked(annotator: str | None) -> str:
    """Whether an annotator's memory knows the alias ``a`` of the entity ``e``: they made the alias
    (a link decision of theirs, not undone) or one of their spans links to the entity. Two
    parameters, both the annotator. Every labelled entity's aliases are everyone's memory."""
    if annotator is None:
        return "1"
    return ("(EXISTS (SELECT 1 FROM events ev WHERE ev.tbl = 'aliases' AND ev.row_id = a.id "
            "AND ev.annotator = ? AND ev.state = 'done') OR EXISTS (SELECT 1 FROM spans s "
            "WHERE s.entity_id = e.id AND s.status != 'rejected' AND s.annotator = ?))")


def _whose(annotator: str | None) -> tuple[str, tuple]:
    """The condition narrowing spans ``s`` to one annotator's (none for everyone's), and its parameter."""
    return ("AND s.annotator = ?", (annotator,)) if annotator is not None else ("", ())
