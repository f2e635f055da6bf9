"""The articles: their text and language (written by imports, :mod:`.loading`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..config import LANG_RE
from ..model import EVERY_ARTICLE, Article, ArticleRange

if TYPE_CHECKING:
    from .connection import Connection


class Articles:
    """Reads of the stored articles, and the one change an annotator makes to one: its language."""

    def __init__(self, cx: Connection) -> None:
        self.cx = cx

    def get(self, article_id: int) -> Article:
        """The stored article; KeyError when there is none."""
        row = self.cx.conn.execute(
            "SELECT id, title, text, lang, source, hash, meta FROM articles WHERE id=?",
            (article_id,)).fetchone()
        if row is None:
            raise KeyError(f"no article with id {article_id}")
        return Article(id=row[0], title=row[1], text=row[2], lang=row[3], source=row[4],
                       hash=row[5], meta=json.loads(row[6] or "{}"))

    def ids(self, *, lang: str | None = None) -> list[int]:
        """Every article id in order, or those of one language."""
        if lang is None:
            return [r[0] for r in self.cx.conn.execute("SELECT id FROM articles ORDER BY id")]
        return [r[0] for r in self.cx.conn.execute("SELECT id FROM articles WHERE lang=? ORDER BY id",
                                                   (lang,))]

    def languages(self) -> list[str]:
        """The language codes of the stored articles, sorted."""
        # One index seek per language (a skip scan) instead of reading every article's entry.
        return [r[0] for r in self.cx.conn.execute(
            "WITH RECURSIVE l(lang) AS (SELECT min(lang) FROM articles UNION ALL "
            "SELECT (SELECT min(lang) FROM articles WHERE lang > l.lang) FROM l WHERE l.lang IS NOT NULL) "
            "SELECT lang FROM l WHERE lang IS NOT NULL")]

    def langs(self, ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(id, language) of the given articles (default: all), in id order."""
        if ids is None:
            return self.cx.conn.execute("SELECT id, lang FROM articles ORDER BY id").fetchall()
        return self.cx.conn.execute(
            "SELECT id, lang FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps([int(i) for i in ids]),)).fetchall()

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """id -> text of the given articles."""
        return dict(self.cx.conn.execute(
            "SELECT id, text FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),)).fetchall())

    def page(self, after: int, limit: int, *, lang: str | None = None,
             within: ArticleRange = EVERY_ARTICLE) -> list[tuple[int, str]]:
        """(id, language) of the next ``limit`` articles past id ``after`` (of one language, within
        a range), in id order: a long run walks the corpus a page at a time, never all ids at once."""
        first, last = within.bounds()
        if lang is None:
            return self.cx.conn.execute(
                "SELECT id, lang FROM articles WHERE id > ? AND id BETWEEN ? AND ? ORDER BY id LIMIT ?",
                (after, first, last, limit)).fetchall()
        return self.cx.conn.execute(
            "SELECT id, lang FROM articles WHERE lang = ? AND id > ? AND id BETWEEN ? AND ? "
            "ORDER BY id LIMIT ?", (lang, after, first, last, limit)).fetchall()

    def lang_counts(self, within: ArticleRange = EVERY_ARTICLE) -> dict[str, int]:
        """language -> number of articles (within a range)."""
        first, last = within.bounds()
        return dict(self.cx.conn.execute(
            "SELECT lang, count(*) FROM articles WHERE id BETWEEN ? AND ? GROUP BY lang ORDER BY lang",
            (first, last)).fetchall())

    def count(self) -> int:
        return self.cx.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def set_lang(self, article_id: int, lang: str) -> bool:
        """Set an article's language (the annotator knows better than the detector); its stored
        tokens go, as they were cut by the old language's tokenizer. False when it had that language.

        Suggestions already made stay (decisions may point at them); a pipeline run for the new
        language adds its own, as an article counts as pre-annotated per pipeline.
        """
        if not LANG_RE.match(lang):
            raise ValueError(f"{lang!r} is not a language code (e.g. en, fr, ar, pt-BR)")
        with self.cx.write():
            row = self.cx.conn.execute("SELECT lang FROM articles WHERE id=?", (article_id,)).fetchone()
            if row is None:
                raise KeyError(f"no article {article_id}")
            if row[0] == lang:
                return False
            self.cx.conn.execute("UPDATE articles SET lang=? WHERE id=?", (lang, article_id))
            self.cx.conn.execute("DELETE FROM tokens WHERE article_id=?", (article_id,))
        return True

