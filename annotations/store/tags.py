"""Tags: free-form tags an annotator puts on a span, a suggestion or an article (decisions,
logged for undo), and the tags in use, for completion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Action
from .db import now
from .decisions import Decisions, SpanKey
from .errors import DecisionError
from .log import EventLog

if TYPE_CHECKING:
    from .connection import Connection


class Tags:
    """The tags of the layer of ``decisions`` (its event log records every change)."""

    def __init__(self, cx: Connection, log: EventLog, decisions: Decisions) -> None:
        self.cx = cx
        self.log = log
        self.decisions = decisions
        self.layer = log.layer

    def known(self) -> list[str]:
        """Every tag used so far, most used first, for completion."""
        return [r[0] for r in self.cx.conn.execute(
            "SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, tag").fetchall()]

    def of_article(self, article_id: int, annotator: str | None = None) -> list[str]:
        """The tags the annotator put on the article itself."""
        return [r[0] for r in self.cx.conn.execute(
            "SELECT tag FROM tags WHERE article_id=? AND annotator=? AND span_id IS NULL "
            "AND suggestion_id IS NULL ORDER BY id", (article_id, annotator or self.log.layer)).fetchall()]

    def tag(self, key: SpanKey, tag: str) -> None:
        """Put a free-form tag on a span or suggestion (a no-op if it is there already)."""
        tag = _clean_tag(tag)
        kind, ident = key
        with self.cx.write():
            if kind == "span":
                row = self.decisions.own_span_row(key)
                assert row is not None  # own_span_row raises for a span key that is not the layer's
                article_id, column = row["article_id"], "span_id"
            else:
                article_id, column = self.decisions.suggestion(ident)["article_id"], "suggestion_id"
            if self.cx.conn.execute(f"SELECT 1 FROM tags WHERE {column}=? AND annotator=? AND tag=?",
                                    (ident, self.layer, tag)).fetchone():
                return
            grp = self.log.new_group()
            self.decisions.touch_article(grp, article_id)
            self.log.insert(grp, Action.TAG, article_id, "tags",
                         {"article_id": article_id, column: ident, "annotator": self.layer,
                          "tag": tag, "created_at": now()})

    def untag(self, key: SpanKey, tag: str) -> None:
        column = "span_id" if key[0] == "span" else "suggestion_id"
        with self.cx.write():
            rows = self.cx.conn.execute(
                f"SELECT id, article_id FROM tags WHERE {column}=? AND annotator=? AND tag=?",
                (key[1], self.layer, tag)).fetchall()
            if rows:
                grp = self.log.new_group()
                for tag_id, article_id in rows:
                    self.log.delete(grp, Action.UNTAG, article_id, "tags", tag_id)

    def tag_article(self, article_id: int, tag: str) -> None:
        tag = _clean_tag(tag)
        with self.cx.write():
            self.decisions.article_length(article_id)
            if self.cx.conn.execute(
                    "SELECT 1 FROM tags WHERE article_id=? AND annotator=? AND tag=? AND span_id IS NULL "
                    "AND suggestion_id IS NULL", (article_id, self.layer, tag)).fetchone():
                return
            grp = self.log.new_group()
            self.log.insert(grp, Action.TAG_ARTICLE, article_id, "tags",
                         {"article_id": article_id, "annotator": self.layer, "tag": tag,
                          "created_at": now()})

    def untag_article(self, article_id: int, tag: str) -> None:
        with self.cx.write():
            rows = self.cx.conn.execute(
                "SELECT id FROM tags WHERE article_id=? AND annotator=? AND tag=? AND span_id IS NULL "
                "AND suggestion_id IS NULL", (article_id, self.layer, tag)).fetchall()
            if rows:
                grp = self.log.new_group()
                for (tag_id,) in rows:
                    self.log.delete(grp, Action.UNTAG_ARTICLE, article_id, "tags", tag_id)


def _clean_tag(tag: str) -> str:
    tag = " ".join(str(tag).split())
    if not tag or len(tag) > 100:
        raise DecisionError("a tag must be 1 to 100 characters")
    return tag
