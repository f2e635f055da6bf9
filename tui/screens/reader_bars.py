"""The bars under the reader's panes: the legend and the details of the selected entity.

A part of :class:`tui.screens.reader.ReaderScreen`; it owns the two bars and draws what
the active pane shows. Article text goes through :func:`annotations.text.display_safe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from annotations.model import Span
from annotations.text import display_safe

from ..decisions import span_ident
from ..surface import surface
from .reader_host import ReaderHost

if TYPE_CHECKING:
    from ..widgets.article_view import ArticleView


class Bars:
    """The legend (labels and statuses of the active article) and the details bar."""

    def __init__(self, reader: ReaderHost) -> None:
        self.reader = reader
        self.legend = Static(id="legend", markup=False)
        self.details = Static(id="details", markup=False)
        self._shown: dict[str, Content] = {}

    def show(self, view: ArticleView | None, span: Span | None) -> None:
        """The bars for this view and its selected span. The details bar has a fixed size, so it
        is repainted without a layout pass (the legend's height follows its content)."""
        self._update(self.details, self.details_of(view, span), layout=False)
        if view is not None:
            self._update(self.legend, view.legend_content(), layout=True)

    def _update(self, bar: Static, content: Content, *, layout: bool) -> None:
        """Update a bar only when its content changed."""
        name = bar.id or ""
        if self._shown.get(name) != content:
            self._shown[name] = content
            bar.update(content, layout=layout)

    def details_of(self, view: ArticleView | None, span: Span | None) -> Content:
        """Label, status, text and entity of the span (first line); origin and tags (second)."""
        if view is None:
            return Content("")
        if span is None:
            return Content("no entity selected · w/b token cursor, v select, m make a span · ? help")
        app = self.reader.app
        origin = span.origin + (f" ({span.source})" if span.source else "")
        entity = ""
        if span.entity_id is not None:
            found = app.store.entities.get(span.entity_id)
            entity = f" · entity: {found['name']}" if found else ""
        tags = f" · tags: {', '.join(span.tags)}" if span.tags else ""
        first = f"{span.label} · {span.status} · '{surface(view.article, span.start, span.end)}'{entity}"
        if any(m.ident == span_ident(span) for m in app.decisions.marks(span.article_id)):
            first = f"decision waiting for the database · {first}"  # first: a long entity name is cut
        second = f"origin: {origin}{tags}"
        return Content(display_safe(first) + "\n" + display_safe(second))
