"""Tags on spans and articles, links to entities, and copying text (a part of the reader).

Decisions like the others (:class:`.reader_actions.ReaderActions`): each through the app's
decision runner, the span drawn as waiting while the database is busy.
"""

from __future__ import annotations

from annotations.model import Span

from ..clipboard import copy_text, sentence_bounds
from ..decisions import Mark, span_ident
from .dialogs import PickerDialog
from .reader_actions import ReaderActions


class TagActions(ReaderActions):
    """t, T, e and the copy keys of the reader."""

    # -- tags and entities ---------------------------------------------------------------------------

    def action_tag_span(self) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found

        def picked(tag: str | None) -> None:
            if not tag:
                return
            remove = tag.startswith("-") and len(tag) > 1
            name = tag[1:].strip() if remove else tag
            what = f"{'untag' if remove else 'tag'} '{name}' on {span.label}"

            def saved(_: object, late: bool) -> None:
                self.app.set_status(f"saved: {what}")
                self._after(span, before=span)

            self._save(what, (lambda store: store.tags.untag(span.key, name)) if remove
                       else (lambda store: store.tags.tag(span.key, name)), saved,
                       marks=(Mark(span.article_id, span.start, span.end, span_ident(span)),))

        current = ", ".join(span.tags) or "none"
        self.app.push_screen(PickerDialog(f"Tag this entity (tags now: {current})",
                                          self.app.store.tags.known(), removable=span.tags,
                                          hint="a new tag is added as typed · -tag removes a tag"),
                             picked)

    def action_tag_article(self) -> None:
        view = self.active_view
        if view is None:
            return
        article_id = view.article.id

        def picked(tag: str | None) -> None:
            if not tag:
                return
            remove = tag.startswith("-") and len(tag) > 1
            name = tag[1:].strip() if remove else tag
            what = f"{'untag' if remove else 'tag'} article '{name}'"

            def saved(_: object, late: bool) -> None:
                self.app.set_status(f"saved: {what}")
                self.refresh_articles([article_id])

            self._save(what, (lambda store: store.tags.untag_article(article_id, name)) if remove
                       else (lambda store: store.tags.tag_article(article_id, name)), saved)

        tags = self.app.store.tags.of_article(article_id)
        current = ", ".join(tags) or "none"
        self.app.push_screen(PickerDialog(f"Tag this article (tags now: {current})",
                                          self.app.store.tags.known(), removable=tags,
                                          hint="a new tag is added as typed · -tag removes a tag"),
                             picked)

    def action_link_entity(self) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found
        text = " ".join(view.article.text[span.start:span.end].split())
        names = [e["name"] for e in self.app.store.entities.all()]

        def picked(name: str | None) -> None:
            if not name:
                return
            def saved(new: Span, late: bool) -> None:
                self._saved(f"link to '{name}':", new, late)
                self._after(new, before=span)

            self._decide(f"link to '{name}':", span, lambda store: store.decisions.link(span.key, name),
                         saved)

        self.app.push_screen(PickerDialog("Link to entity (existing names first; a new name creates one)",
                                          names, value=text,
                                          hint="Avril Haine, Avril Hainse... can all link to Avril Haines"),
                             picked)

    # -- clipboard ---------------------------------------------------------------------------------

    def action_copy(self, what: str) -> None:
        view = self.active_view
        if view is None:
            return
        text = view.article.text
        if what == "article":
            chunk = text
        else:
            if (found := self._selected()) is None:
                return
            _, span = found
            if what == "entity":
                start, end = span.start, span.end
            else:
                start, end = sentence_bounds(text, span.start, span.end)
            chunk = text[start:end]
        self.app.set_status(f"{what}: {copy_text(self.app, chunk)}")
