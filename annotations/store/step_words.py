"""What an undo or redo names: the decision it takes back (or brings back), in the words the
annotator was shown when deciding (:class:`annotations.model.Action`), with its object.

"accept PERSON 'Sahel'", "accept all: 77 suggestions in 'Morocco …'", "accept as LOC every
'Sahel' (11 mentions in 5 articles)", "delete PERSON 'Sahel'". Read from the group's logged
images (``images``), plus the few rows they name (an article's text and title, an entity).
"""

from __future__ import annotations

import sqlite3

from ..model import Action, Status, counted, every_words
from .log import Image

WIDTH = 66  # characters a description takes at most: "saved: undo " and it fit 80 columns
SURFACE_LIMIT = 40  # characters of a mention named (less when the whole would not fit WIDTH)
TITLE_LIMIT = 32  # characters of an article title named (the same)
SPAN_ACTIONS = (Action.ACCEPT, Action.REJECT, Action.RELABEL, Action.RESIZE, Action.CREATE, Action.DELETE,
                Action.UNLINK, Action.REVIEW, Action.DECIDE, Action.TAKE, Action.TAKE_AGREED)
EVERY = {Action.LABEL_EVERY: "label", Action.REJECT_EVERY: "reject", Action.LINK_EVERY: "link"}

Images = list[tuple[str, int, Image | None, Image | None]]  # (table, row id, before, after)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:max(limit - 1, 1)] + "…"


def fit(head: str, named: str, tail: str, width: int) -> str:
    """``head + named + tail`` in ``width`` characters: the object (``named``, quoted) is cut
    first, the verb before it never; the tail (a count) last."""
    room = width - len(head) - len(tail)
    if len(named) > room and named.endswith("'") and named.count("'") == 2 and room >= 5:
        named = f"'{_short(named[1:-1], room - 2)}'"
    elif len(named) > room:
        named = _short(named, max(room, 6))
    return _short(head + named + tail, width)


class StepWords:
    """Names one logged group of decisions (what :meth:`.history.History.undo` took back)."""

    def __init__(self, conn: sqlite3.Connection, action: str, images: Images, *,
                 spans: int, articles: int) -> None:
        self.conn = conn
        self.action = Action.named(action)
        self.logged = action
        self.images = images
        self.spans = spans  # span rows the group changed (all of them, even when images holds a part)
        self.articles = articles  # articles they are in

    def describe(self, width: int = WIDTH) -> str:
        """The decision and its object in ``width`` characters, the verb first."""
        head, named, tail = self._parts()
        return fit(head, named, tail, width)

    def _parts(self) -> tuple[str, str, str]:
        """(verb, object, detail): "accept PERSON ", "'Sahel'", " and 3 more"."""
        action = self.action
        if action is None:
            return self.logged, "", ""  # a name from another version: shown as logged
        span = self._span_image(before_first=action is Action.DELETE)
        if action in EVERY:
            return self._every(action)
        if action in (Action.ACCEPT_ALL, Action.REJECT_ALL):
            article = span["article_id"] if span else None
            return f"{action.words}: {counted(self.spans, 'suggestion')} in ", self._title(article), ""
        if action in (Action.DONE, Action.IN_PROGRESS):
            return self._status(action)
        if action is Action.LINK and span is not None:  # as the reader's e says it
            entity = self._entity_name(span.get("entity_id"))
            return f"link to '{_short(entity, SURFACE_LIMIT)}': {span['label']} ", self._surface(span), ""
        if action in (Action.TAG, Action.UNTAG, Action.TAG_ARTICLE, Action.UNTAG_ARTICLE):
            return self._tag(action)
        if action is Action.ENTITY_LABEL:
            named = self._image("entities")
            if named is not None:
                return f"{action.words} ", f"'{named.get('name')}'", f" as {named.get('label')}"
        if action is Action.DISMISS_CONFLICT:
            dismissed = self._image("dismissed_conflicts")
            if dismissed is not None:
                return f"{action.words}: ", str(dismissed.get('key', '')).partition(':')[2], ""
        if action is Action.NO_ENTITY and span is not None:
            return f"{action.words} ", self._surface(span), ""
        if span is not None and action in SPAN_ACTIONS:
            more = f" and {self.spans - 1} more" if self.spans > 1 else ""
            return f"{action.words} {span['label']} ", self._surface(span), more
        return action.words, "", ""

    # -- parts of a description ---------------------------------------------------------------

    def _every(self, action: Action) -> tuple[str, str, str]:
        spans = [after or before for table, _, before, after in self.images if table == "spans"]
        forms: dict[str, str] = {}
        for image in spans:
            if image is not None and image.get("folded") not in forms and len(forms) < 3:
                forms[image.get("folded") or ""] = self._surface(image)
        mentions = " / ".join(list(forms.values())[:2]) + (" …" if len(forms) > 2 else "")
        first = spans[0] if spans else None
        mark = "\0"  # where the mentions go: the part cut first when the whole is too long
        words = every_words(EVERY[action], mark, label=first.get("label") if first else None,
                            entity=self._entity_name(first.get("entity_id") if first else None))
        head, _, after = words.partition(mark)
        tail = f"{after} ({counted(self.spans, 'mention')} in {counted(self.articles, 'article')})"
        return head, mentions or "mention", tail

    def _status(self, action: Action) -> tuple[str, str, str]:
        status = self._image("article_status")
        article = status.get("article_id") if status else None
        tail = ""
        decided = [after for table, _, before, after in self.images
                   if table == "spans" and before is None and after is not None]
        if decided:
            past = "rejected" if decided[0].get("status") == Status.REJECTED else "accepted"
            tail = f" ({past} {counted(self.spans, 'suggestion')})"
        return f"{action.words} ", self._title(article), tail

    def _tag(self, action: Action) -> tuple[str, str, str]:
        tag = self._image("tags")
        if tag is None:
            return action.words, "", ""
        words = f"{action.words} '{_short(str(tag.get('tag', '')), SURFACE_LIMIT)}'"
        span = None
        if tag.get("span_id") is not None:
            span = self._row("SELECT * FROM spans WHERE id=?", tag["span_id"])
        elif tag.get("suggestion_id") is not None:
            span = self._row("SELECT * FROM suggestions WHERE id=?", tag["suggestion_id"])
        if span is not None:
            return f"{words} on {span['label']} ", self._surface(span), ""
        return words, "", ""

    def _span_image(self, *, before_first: bool) -> Image | None:
        for table, _, before, after in self.images:
            if table == "spans":
                return (before or after) if before_first else (after or before)
        return None

    def _image(self, table: str) -> Image | None:
        return next((after or before for t, _, before, after in self.images if t == table), None)

    def _row(self, sql: str, *params: object) -> dict | None:
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([c[0] for c in cursor.description], row, strict=True))

    def _surface(self, span: Image) -> str:
        start, end = span["start"], span["end"]
        row = self.conn.execute("SELECT substr(text, ?, ?) FROM articles WHERE id=?",
                                (start + 1, end - start, span["article_id"])).fetchone()
        return f"'{_short(row[0], SURFACE_LIMIT)}'" if row else "''"

    def _title(self, article_id: object) -> str:
        row = self.conn.execute("SELECT title FROM articles WHERE id=?", (article_id,)).fetchone()
        return f"'{_short(row[0], TITLE_LIMIT)}'" if row else f"article {article_id}"

    def _entity_name(self, entity_id: object) -> str:
        """The entity's name: from the group's images first (an undo may have removed the row)."""
        if entity_id is None:
            return "an entity"
        for table, rowid, before, after in self.images:
            image = after or before
            if table == "entities" and rowid == entity_id and image is not None and image.get("name"):
                return str(image["name"])
        row = self.conn.execute("SELECT name FROM entities WHERE id=?", (entity_id,)).fetchone()
        return row[0] if row else f"entity {entity_id}"
