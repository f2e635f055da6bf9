"""Display lines of the article view: wrapping, geometry and the Line API rendering.

A mixin of :class:`tui.widgets.article_view.ArticleView`. The article is wrapped once per
width on the logical text; each visible line is laid out (bidi, wide characters) on demand
and cached. A rendered line is cached under what is drawn over it (its spans, highlights,
cursors and the base style), so a repaint after a decision or a cursor move only renders
the lines whose marks changed, however long the article.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.strip import Strip

from annotations.model import Article, Span
from tui import styles
from tui.layout import DisplayLine, LineLayout, layout_line, line_index, wrap_article
from tui.render import LineMarks, render_strip
from tui.token_cursor import Token

Range = tuple[int, int]

if TYPE_CHECKING:
    # Only ever mixed into ArticleView, before its ScrollView: the type checker checks the
    # ScrollView members used here (scroll_offset, scroll_to, refresh_lines, render_lines...).
    from textual.scroll_view import ScrollView as _ScrollViewPart
else:
    _ScrollViewPart = object


def _overlaps(range_: Range | None, start: int, end: int) -> Range | None:
    return range_ if range_ is not None and range_[0] < end and range_[1] > start else None


# Wraps kept for widths a pane had before: a pane switches between two widths as it becomes
# active or not (reader.tcss, below 120 columns); wrapping a 1 MB article again takes ~0.2 s.
KEPT_WRAPS = 2


class ArticleLinesMixin(_ScrollViewPart):
    """Wrapping, scrolling geometry and line rendering; the widget supplies spans and marks.

    What the widget supplies, declared here so this file says what it may touch:
    ``article``, ``_safe`` (its display-safe text), ``_rtl_article``, ``_reorder``,
    ``_highlights`` and ``_longest_highlight``, ``_waiting``, ``selected_span``, ``selection``,
    ``_cursor`` and ``_token_mode`` (the marks drawn over lines), ``_spans_between()``,
    and the ScrollView's own ``scroll_offset``, ``scroll_to``, ``refresh`` and
    ``refresh_lines``, ``scrollable_content_region``, ``rich_style``.
    """

    # supplied by ArticleView
    article: Article
    _safe: str
    _rtl_article: bool
    _reorder: bool
    _highlights: list[Range]
    _longest_highlight: int
    _waiting: list[Range]
    _cursor: Token | None
    _token_mode: bool
    selection: Range | None

    if TYPE_CHECKING:
        @property
        def selected_span(self) -> Span | None: ...
        def _spans_between(self, start: int, end: int) -> list[Span]: ...

    # this part's own state
    _lines: list[DisplayLine]
    _line_starts: list[int]
    _wrap_width: int
    _wraps: dict[int, list[DisplayLine]]  # other widths' wraps, most recent last
    _layouts: LRUCache[int, LineLayout]
    _strips: LRUCache[tuple, Strip]
    _pending_scroll: tuple[int, int, bool] | None
    _base_style: Style | None = None

    def _init_lines(self) -> None:
        self._lines = []
        self._line_starts = []
        self._wrap_width = 0
        self._wraps = {}
        self._layouts = LRUCache(4096)
        self._strips = LRUCache(4096)
        self._pending_scroll = None

    # --- geometry ------------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        """Cells available to article text (the region less the gutter and a right margin)."""
        return max(self.scrollable_content_region.width - styles.GUTTER_WIDTH - 1, 8)

    def _rewrap(self) -> None:
        width = self.text_width
        if width == self._wrap_width and self._lines:
            return
        top = None
        if self._lines:
            top = self._lines[min(self.scroll_offset.y, len(self._lines) - 1)].start
            self._wraps[self._wrap_width] = self._lines
        self._wrap_width = width
        kept = self._wraps.pop(width, [])
        self._lines = kept or wrap_article(self.article.text, width, self._rtl_article)
        while len(self._wraps) > KEPT_WRAPS:  # the widths a pane switches between (active or not)
            self._wraps.pop(next(iter(self._wraps)))
        self._line_starts = [line.start for line in self._lines]
        self._layouts.clear()
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))
        if self._pending_scroll is not None:
            pending, self._pending_scroll = self._pending_scroll, None
            self._bring_into_view(*pending)
        elif top is not None:
            self.scroll_to(y=line_index(self._line_starts, top), animate=False, immediate=True)
        self.refresh()

    def wrap_like(self, other: ArticleLinesMixin) -> None:
        """Wrap now at ``other``'s width, for a view about to take its place (n/p): its first
        frame then shows the text, instead of an empty pane until its own size arrives."""
        if other._lines and not self._lines:
            self._wrap_width = other._wrap_width
            self._lines = wrap_article(self.article.text, self._wrap_width, self._rtl_article)
            self._line_starts = [line.start for line in self._lines]
            self.virtual_size = Size(other.scrollable_content_region.width, len(self._lines))

    def line_of(self, offset: int) -> int:
        """Index of the display line holding ``offset`` (0 before the text is wrapped)."""
        return line_index(self._line_starts, offset) if self._lines else 0

    def _bring_into_view(self, start: int, end: int, center: bool = False) -> None:
        if not self._lines:
            self._pending_scroll = (start, end, center)
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        height = max(self.scrollable_content_region.height, 1)
        top = self.scroll_offset.y
        if center:
            target = max(first - height // 3, 0)
        elif first < top:
            target = first
        elif last >= top + height:
            target = min(first, last - height + 1)
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True)

    def _refresh_offsets(self, start: int, end: int) -> None:
        """Repaint the display lines showing ``[start, end)``."""
        if not self._lines:
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        self.refresh_lines(first, last - first + 1)

    def _repaint(self) -> None:
        """Repaint what is in view; lines whose marks did not change come from the cache."""
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def offset_at(self, x: int, y: int) -> int | None:
        """Logical offset under widget cell (x, y), or None below the text."""
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._lines):
            return None
        layout = self._layout(index)
        return layout.offset_at(self.scroll_offset.x + x - styles.GUTTER_WIDTH)

    def cell_of(self, offset: int) -> tuple[int, int] | None:
        """Virtual (x, line) where ``offset`` is drawn, gutter included; None if not drawn."""
        if not self._lines:
            return None
        index = self.line_of(offset)
        x = self._layout(index).x_of(offset)
        return None if x is None else (x + styles.GUTTER_WIDTH, index)

    # --- rendering -----------------------------------------------------------------------

    def _layout(self, index: int) -> LineLayout:
        layout = self._layouts.get(index)
        if layout is None:
            layout = layout_line(self._safe, self._lines[index], self._wrap_width, self._reorder)
            self._layouts.set(index, layout)
        return layout

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self._lines and self.scrollable_content_region.width:
            # The first paint comes before the first Resize: wrap now, so that it shows the text
            # (a restored launch otherwise showed an empty pane for ~150 ms).
            self._rewrap()
        self._base_style = self.rich_style  # the same for every line of one paint
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._base_style or self.rich_style
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, base)
        marks = self._line_marks(self._lines[index])
        key = (index, self._reorder, base, tuple(marks.spans), marks.selected, tuple(marks.highlights),
               marks.cursor, marks.selection, tuple(marks.waiting))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_strip(self._layout(index), marks, base)
            self._strips.set(key, strip)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _render_strip(self, layout: LineLayout, marks: LineMarks, base: Style) -> Strip:
        """One line's Strip; a view that draws spans its own way overrides this."""
        return render_strip(layout, marks, base)

    def _line_marks(self, line: DisplayLine) -> LineMarks:
        """What is drawn over one display line, limited to what touches it."""
        start, end = line.start, max(line.end, line.start + 1)
        spans: list[Span] = [s for s in self._spans_between(start, end) if s.end > start]
        selected = None if self._token_mode else self.selected_span
        if selected is not None and not (selected.start < end and selected.end > start):
            selected = None
        lo = bisect_left(self._highlights, (start - self._longest_highlight, 0))
        hi = bisect_left(self._highlights, (end, 0))
        return LineMarks(
            spans=spans,
            selected=selected,
            highlights=[h for h in self._highlights[lo:hi] if h[1] > start],
            cursor=_overlaps(self._cursor, start, end),
            selection=_overlaps(self.selection, start, end),
            waiting=[w for w in self._waiting if w[0] < end and w[1] > start],
        )
