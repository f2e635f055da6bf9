"""One layer of a review: an article view that marks where the compared layers agree.

The spans it gets carry the status "agree" (every compared layer has this entity) or
"disagree"; it draws them so the difference shows in monochrome too: an agreed entity in
bold on its label's colour, a disagreeing one in reverse video and underlined, and a ``≠``
in the gutter of every line holding one. The cluster under the review's cursor is lit (as
the reader lights a mention) with ``▶`` in the gutter. There is no entity cursor.
"""

from __future__ import annotations

from rich.style import Style
from textual.strip import Strip

from annotations.model import Article, Span
from tui import styles
from tui.bidi import BidiMode
from tui.layout import LineLayout
from tui.render import LineMarks, render_strip, style_at, top_span

from .article_view import ArticleView

AGREE, DISAGREE = "agree", "disagree"
GUTTER_DISAGREE = "≠"


def review_style(label: str, status: str, highlighted: bool) -> Style:
    """The style of an agreed or disagreeing entity (cached by Rich's own style cache)."""
    color = styles.label_color(label)
    if status == DISAGREE:
        style = Style(color=color, reverse=True, underline=True, bold=True)
    else:
        style = Style(color=styles.CHIP_TEXT, bgcolor=color, bold=True)
    return style + styles.HIGHLIGHT_STYLE if highlighted and status != DISAGREE else style


def review_style_at(offset: int, marks: LineMarks) -> Style:
    top = top_span(offset, marks)
    if top is None or top.status not in (AGREE, DISAGREE):
        return style_at(offset, marks)
    highlighted = any(s <= offset < e for s, e in marks.highlights)
    return review_style(top.label, top.status, highlighted)


def review_gutter(layout: LineLayout, marks: LineMarks) -> str:
    """▶ on the lines of the cluster under the cursor, ≠ on a line with a disagreement."""
    start, end = layout.line.start, max(layout.line.end, layout.line.start + 1)
    if any(s < end and e > start for s, e in marks.highlights):
        return styles.GUTTER_CURSOR
    if any(s.status == DISAGREE and s.start < end and s.end > start for s in marks.spans):
        return GUTTER_DISAGREE
    return " "


def review_draw(layout: LineLayout, marks: LineMarks, base: Style) -> Strip:
    """One line of a layer: agreed and disagreeing entities, ▶ and ≠ in the gutter."""
    return render_strip(layout, marks, base, style_of=review_style_at, gutter_of=review_gutter)


class LayerView(ArticleView):
    """An article with one layer's entities (or the review's own layer), and the cluster cursor:
    an ArticleView with no entity cursor, drawn with :func:`review_draw`."""

    def __init__(self, article: Article, spans: list[Span], *, bidi: str = BidiMode.AUTO) -> None:
        super().__init__(article, spans, bidi=bidi, entity_cursor=False, draw=review_draw)

    def set_layer_spans(self, spans: list[Span]) -> None:
        """Replace the spans shown; nothing is selected."""
        self.set_spans(spans, keep_selection=False)

    def show_cluster(self, start: int, end: int) -> None:
        """Light up ``[start, end)`` (the cluster under the cursor) and bring it into view."""
        self.light_only(start, end)
