"""Display lines of the article view: wrapping, what is in view, and rendered lines.

A part of :class:`tui.widgets.article_view.ArticleView`, given the article and the widget
as a :class:`Viewport`. The article is wrapped once per width on the logical text; each
visible line is laid out (bidi, wide characters) on demand and cached. A rendered line is
cached under what is drawn over it (its spans, highlights, cursors and the base style), so a
repaint after a decision or a cursor move only renders the lines whose marks changed,
however long the article.

What must be in view is kept across a change of size: a scroll asked for before the view
has a size waits for it, the text at the top line stays at the top when the lines wrap
again, and a cursor that was in view stays in view (a pane narrows and widens as it stops
and starts being the active one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Offset, Region
from textual.strip import Strip

from annotations.model import Article
from annotations.text import display_safe
from tui import styles
from tui.layout import DisplayLine, LineLayout, layout_line, line_index, wrap_article
from tui.render import LineMarks, render_strip

Range = tuple[int, int]
Draw = Callable[[LineLayout, LineMarks, Style], Strip]  # one line's Strip (tui.render.render_strip)

# Wraps kept for widths a pane had before: a pane switches between two widths as it becomes
# active or not (reader.tcss, below 120 columns); wrapping a 1 MB article again takes ~0.2 s.
KEPT_WRAPS = 2


class Viewport(Protocol):
    """What the lines use of the scrolling widget (a Textual ScrollView), and what it keeps in view."""

    @property
    def cursor_range(self) -> Range | None:
        """The range to keep in view when the lines wrap again (the cursor), if any."""
        ...

    @property
    def scroll_offset(self) -> Offset: ...

    @property
    def scrollable_content_region(self) -> Region: ...

    def scroll_to_line(self, y: int) -> None:
        """Put display line ``y`` at the top (as far as the lines go), now."""
        ...

    def set_line_count(self, width: int, count: int) -> None:
        """The scrollable size: ``count`` lines of ``width`` cells."""
        ...

    def refresh_lines(self, y_start: int, line_count: int = 1) -> None: ...


def _default_draw(layout: LineLayout, marks: LineMarks, base: Style) -> Strip:
    return render_strip(layout, marks, base)


class ArticleLines:
    """The wrapped lines of one article in one viewport, and their rendered strips."""

    def __init__(self, article: Article, viewport: Viewport, *, rtl: bool, reorder: bool,
                 draw: Draw = _default_draw) -> None:
        self._text = article.text
        self._safe = display_safe(article.text)  # what is drawn: no escape reaches the terminal
        self._viewport = viewport
        self._rtl = rtl
        self.reorder = reorder
        self._draw = draw
        self.lines: list[DisplayLine] = []
        self._starts: list[int] = []
        self.wrap_width = 0
        self._height = 0  # the viewport's height when the lines were last fitted (0: never)
        self._wraps: dict[int, list[DisplayLine]] = {}  # other widths' wraps, most recent last
        self._layouts: LRUCache[int, LineLayout] = LRUCache(4096)
        self._strips: LRUCache[tuple, Strip] = LRUCache(4096)
        self._pending_top: int | None = None  # an offset to put on the top line, once there is a size
        self._pending_view: tuple[int, int, bool] | None = None  # a range to bring into view, likewise

    # --- geometry ------------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        """Cells available to article text (the region less the gutter and a right margin)."""
        return max(self._viewport.scrollable_content_region.width - styles.GUTTER_WIDTH - 1, 8)

    def fit(self) -> None:
        """Fit the lines to the viewport's size (after a resize, and before a paint): wrap again
        for a new width, keep the text of the top line at the top, and keep the cursor in view
        if it was; a scroll asked for before there was a size is done now."""
        region = self._viewport.scrollable_content_region
        if not region.width or not region.height:
            return
        width = max(region.width - styles.GUTTER_WIDTH - 1, 8)  # text_width
        pending = self._pending_top is not None or self._pending_view is not None
        if width == self.wrap_width and region.height == self._height and self.lines and not pending:
            return
        cursor = self._viewport.cursor_range
        top = self.top_offset() if self.lines else None
        keep = cursor is not None and self._height > 0 and self.in_view(*cursor, height=self._height)
        if width != self.wrap_width or not self.lines:
            self._wrap(width)
        self._height = region.height
        if pending:
            wanted_top, self._pending_top = self._pending_top, None
            wanted_view, self._pending_view = self._pending_view, None
            if wanted_top is not None:
                self._viewport.scroll_to_line(self.line_of(wanted_top))
            if wanted_view is not None:
                self.bring_into_view(*wanted_view)
            return
        if top is not None:
            self._viewport.scroll_to_line(self.line_of(top))
        if keep and cursor is not None:
            self.bring_into_view(*cursor)

    def _wrap(self, width: int) -> None:
        if self.lines:
            self._wraps[self.wrap_width] = self.lines
        self.wrap_width = width
        kept = self._wraps.pop(width, [])
        self.lines = kept or wrap_article(self._text, width, self._rtl)
        while len(self._wraps) > KEPT_WRAPS:  # the widths a pane switches between (active or not)
            self._wraps.pop(next(iter(self._wraps)))
        self._starts = [line.start for line in self.lines]
        self._layouts.clear()
        self._strips.clear()
        self._viewport.set_line_count(self._viewport.scrollable_content_region.width, len(self.lines))

    def wrap_like(self, other: ArticleLines) -> None:
        """Wrap now at ``other``'s width, for a view about to take its place (n/p): its first
        frame then shows the text, instead of an empty pane until its own size arrives."""
        if other.lines and not self.lines:
            self.wrap_width = other.wrap_width
            self.lines = wrap_article(self._text, self.wrap_width, self._rtl)
            self._starts = [line.start for line in self.lines]
            self._viewport.set_line_count(other._viewport.scrollable_content_region.width, len(self.lines))

    def line_of(self, offset: int) -> int:
        """Index of the display line holding ``offset`` (0 before the text is wrapped)."""
        return line_index(self._starts, offset) if self.lines else 0

    def top_offset(self) -> int:
        """The offset of the text at the top line (what a scroll position means at any width)."""
        if not self.lines:
            return self._pending_top or 0
        return self.lines[min(self._viewport.scroll_offset.y, len(self.lines) - 1)].start

    def in_view(self, start: int, end: int, *, height: int | None = None) -> bool:
        """True when the first line of ``[start, end)`` is on screen."""
        if not self.lines:
            return False
        top = self._viewport.scroll_offset.y
        shown = self._viewport.scrollable_content_region.height if height is None else height
        return top <= self.line_of(start) < top + shown

    def bring_into_view(self, start: int, end: int, center: bool = False) -> None:
        """Scroll as little as needed to show ``[start, end)`` (``center``: a third down the
        view); before the view has a size, once it has one."""
        if not self.lines or not self._height:
            self._pending_view = (start, end, center)
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        height = max(self._viewport.scrollable_content_region.height, 1)
        top = self._viewport.scroll_offset.y
        if center:
            target = max(first - height // 3, 0)
        elif first < top:
            target = first
        elif last >= top + height:
            target = min(first, last - height + 1)
        else:
            return
        self._viewport.scroll_to_line(target)

    def scroll_top_to(self, offset: int) -> None:
        """Put the line holding ``offset`` at the top (a session's scroll position)."""
        if not self.lines or not self._height:
            self._pending_top = offset
            return
        self._viewport.scroll_to_line(self.line_of(offset))

    def refresh_offsets(self, start: int, end: int) -> None:
        """Repaint the display lines showing ``[start, end)``."""
        if not self.lines:
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        self._viewport.refresh_lines(first, last - first + 1)

    def offset_at(self, x: int, y: int) -> int | None:
        """Logical offset under widget cell (x, y), or None below the text."""
        scroll = self._viewport.scroll_offset
        index = scroll.y + y
        if not 0 <= index < len(self.lines):
            return None
        return self.layout(index).offset_at(scroll.x + x - styles.GUTTER_WIDTH)

    def cell_of(self, offset: int) -> tuple[int, int] | None:
        """Virtual (x, line) where ``offset`` is drawn, gutter included; None if not drawn."""
        if not self.lines:
            return None
        index = self.line_of(offset)
        x = self.layout(index).x_of(offset)
        return None if x is None else (x + styles.GUTTER_WIDTH, index)

    # --- rendering -----------------------------------------------------------------------

    def set_reorder(self, reorder: bool) -> None:
        """Lay lines out in visual order (bidi) or not, from the next paint."""
        self.reorder = reorder
        self._layouts.clear()

    def forget_strips(self) -> None:
        """The styles changed (theme, focus): render every line again."""
        self._strips.clear()

    def layout(self, index: int) -> LineLayout:
        layout = self._layouts.get(index)
        if layout is None:
            layout = layout_line(self._safe, self.lines[index], self.wrap_width, self.reorder)
            self._layouts.set(index, layout)
        return layout

    def strip(self, index: int, marks: LineMarks, base: Style) -> Strip:
        """Line ``index`` drawn with ``marks`` over it (from the cache when they are the same)."""
        key = (index, self.reorder, base, tuple(marks.spans), marks.selected, tuple(marks.highlights),
               marks.cursor, marks.selection, tuple(marks.waiting))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._draw(self.layout(index), marks, base)
            self._strips.set(key, strip)
        return strip
