"""Tags on spans and articles, links to entities, and copying text (a part of the reader).

Decisions like the others: each a typed write (:mod:`tui.writes`) through the reader's
:class:`.reader_decide.Decider`, the span drawn as waiting while the database is busy.
"""

from __future__ import annotations

from annotations.model import Span

from ..clipboard import copy_text, sentence_bounds
from ..decisions import Mark, span_ident
from ..writes import Link, Tag, TagArticle
from .dialogs import PickerDialog
from .reader_decide import Decider
from .reader_host import ReaderHost


def tag_typed(typed: str) -> tuple[str, bool]:
    """(the tag, whether to remove it) from what was typed in the tag picker ("-name" removes)."""
    remove = typed.startswith("-") and len(typed) > 1
    return (typed[1:].strip() if remove else typed), remove


class Tagging:
    """t, T, e and the copy keys of the reader."""

    def __init__(self, reader: ReaderHost, decider: Decider) -> None:
        self.reader = reader
        self.decider = decider

    # -- tags and entities ---------------------------------------------------------------------------

    def tag_span(self) -> None:
        app = self.reader.app
        if (found := self.decider.selected()) is None:
            return
        _, span = found

        def picked(typed: str | None) -> None:
            if not typed:
                return
            name, remove = tag_typed(typed)
            what = f"{'untag' if remove else 'tag'} '{name}' on {span.label}"

            def saved(_: None, late: bool) -> None:
                app.set_status(f"saved: {what}")
                self.decider.after(span, before=span)

            self.decider.save(what, Tag(span.key, name, remove), saved,
                              marks=(Mark(span.article_id, span.start, span.end, span_ident(span)),))

        current = ", ".join(span.tags) or "none"
        app.push_screen(PickerDialog(f"Tag this entity (tags now: {current})",
                                     app.store.tags.known(), removable=span.tags,
                                     hint="a new tag is added as typed · -tag removes a tag"),
                        picked)

    def tag_article(self) -> None:
        app = self.reader.app
        view = self.reader.active_view
        if view is None:
            return
        article_id = view.article.id

        def picked(typed: str | None) -> None:
            if not typed:
                return
            name, remove = tag_typed(typed)
            what = f"{'untag' if remove else 'tag'} article '{name}'"

            def saved(_: None, late: bool) -> None:
                app.set_status(f"saved: {what}")
                self.reader.refresh_articles([article_id])

            self.decider.save(what, TagArticle(article_id, name, remove), saved)

        tags = app.store.tags.of_article(article_id)
        current = ", ".join(tags) or "none"
        app.push_screen(PickerDialog(f"Tag this article (tags now: {current})",
                                     app.store.tags.known(), removable=tags,
                                     hint="a new tag is added as typed · -tag removes a tag"),
                        picked)

    def link_entity(self) -> None:
        app = self.reader.app
        if (found := self.decider.selected()) is None:
            return
        view, span = found
        text = " ".join(view.article.text[span.start:span.end].split())
        names = [e["name"] for e in app.store.entities.all()]

        def picked(name: str | None) -> None:
            if not name:
                return

            def saved(new: Span, late: bool) -> None:
                self.decider.saved(f"link to '{name}':", new, late)
                self.decider.after(new, before=span)

            self.decider.decide(f"link to '{name}':", span, Link(span.key, name), saved)

        app.push_screen(PickerDialog("Link to entity (existing names first; a new name creates one)",
                                     names, value=text,
                                     hint="Avril Haine, Avril Hainse... can all link to Avril Haines"),
                        picked)

    # -- clipboard ---------------------------------------------------------------------------------

    def copy(self, what: str) -> None:
        view = self.reader.active_view
        if view is None:
            return
        text = view.article.text
        if what == "article":
            chunk = text
        else:
            if (found := self.decider.selected()) is None:
                return
            _, span = found
            if what == "entity":
                start, end = span.start, span.end
            else:
                start, end = sentence_bounds(text, span.start, span.end)
            chunk = text[start:end]
        self.reader.app.set_status(f"{what}: {copy_text(self.reader.app, chunk)}")
