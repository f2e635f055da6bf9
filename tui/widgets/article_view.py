"""The article reading widget: a Line API ScrollView over one article and its spans.

Wrapping is done once per width on the logical text; each visible line is laid out (bidi,
wide characters) and styled on demand and kept in an LRU cache, so a 1 MB article opens
quickly and moving the entity or token cursor repaints only the lines it touches.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotations.model import Article, Span
from annotations.text import display_safe, fold, is_rtl
from tui import styles
from tui.bidi import resolve_mode
from tui.layout import DisplayLine, LineLayout, layout_line, line_index, wrap_article
from tui.render import LineMarks, render_strip
from tui.surface import find_surface
from tui.token_cursor import Token, TokenIndex
from tui.widgets.token_selection import TokenSelectionMixin


def _reading_key(span: Span) -> tuple[int, int]:
    return (span.start, -span.end)


class ArticleView(TokenSelectionMixin, ScrollView, can_focus=True):
    """One article with its spans: entity cursor, token cursor, surface highlights, RTL."""

    DEFAULT_CSS = """
    ArticleView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
    }
    """

    @dataclass
    class SpanSelected(Message):
        """The entity cursor moved (or the selected span changed): ``span`` may be None."""

        view: ArticleView
        span: Span | None

        @property
        def control(self) -> ArticleView:
            return self.view

    @dataclass
    class SelectionChanged(Message):
        """The token selection changed: (start, end) snapped to tokens, or None."""

        view: ArticleView
        selection: tuple[int, int] | None

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(
        self, article: Article, spans: list[Span], *, bidi: str = "auto",
        id: str | None = None, classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.article = article
        self.tokens = TokenIndex(article.text, article.lang)
        self._safe = display_safe(article.text)
        self._rtl_article = is_rtl(article.lang)
        self._bidi_mode = bidi
        self._reorder = resolve_mode(bidi)
        self._spans: list[Span] = []
        self._starts: list[int] = []
        self._max_span = 0
        self._selected: int | None = None
        self._lines: list[DisplayLine] = []
        self._line_starts: list[int] = []
        self._wrap_width = 0
        self._layouts: LRUCache[int, LineLayout] = LRUCache(4096)
        self._strips: LRUCache[int, Strip] = LRUCache(4096)
        self._highlights: list[tuple[int, int]] = []
        self._longest_highlight = 0
        self._highlight_surface: str | None = None
        # The text never changes, so folded span texts and plain-text mentions are cached:
        # a decision re-reads the spans and re-highlights, which must not rescan 1 MB.
        self._folded_spans: dict[tuple[int, int], str] = {}
        self._mentions: LRUCache[str, list[tuple[int, int]]] = LRUCache(64)
        self._token_mode = False
        self._cursor: Token | None = None
        self._anchor: Token | None = None
        self._pending_scroll: tuple[int, int, bool] | None = None
        self._store_spans(spans)
        self._selected = 0 if self._spans else None

    # --- spans and the entity cursor -------------------------------------------------

    def _store_spans(self, spans: list[Span]) -> None:
        length = len(self.article.text)
        kept = [s for s in spans if 0 <= s.start < s.end <= length]
        self._spans = sorted(kept, key=_reading_key)
        self._starts = [s.start for s in self._spans]
        self._max_span = max((s.end - s.start for s in self._spans), default=0)

    @property
    def spans(self) -> list[Span]:
        """The spans shown, in reading order (start, then longest first)."""
        return list(self._spans)

    @property
    def selected_span(self) -> Span | None:
        """The span under the entity cursor."""
        return None if self._selected is None else self._spans[self._selected]

    def set_spans(self, spans: list[Span], keep_selection: bool = True) -> None:
        """Replace the spans (after a decision); the cursor stays on the same key or near it."""
        old = self.selected_span
        self._store_spans(spans)
        index: int | None = 0 if self._spans else None
        if keep_selection and old is not None and self._spans:
            keys = [s.key for s in self._spans]
            if old.key in keys:
                index = keys.index(old.key)
            else:
                position = bisect_left([_reading_key(s) for s in self._spans], _reading_key(old))
                index = min(position, len(self._spans) - 1)
        self._selected = index
        if self._highlight_surface is not None:
            self._set_highlights(self._find_highlights(self._highlight_surface))
        self._repaint()
        new = self.selected_span
        if new != old:
            if new is not None and (old is None or new.key != old.key):
                self._bring_into_view(new.start, new.end)
            self.post_message(self.SpanSelected(self, new))

    def _select_index(self, index: int | None) -> None:
        old = self.selected_span
        self._selected = index
        new = self.selected_span
        if old is not None:
            self._refresh_offsets(old.start, old.end)
        if new is not None:
            self._refresh_offsets(new.start, new.end)
            self._bring_into_view(new.start, new.end)
        if new != old:
            self.post_message(self.SpanSelected(self, new))

    def select_next(self) -> Span | None:
        """Move the entity cursor to the next span in reading order (stays on the last)."""
        if self._spans:
            current = -1 if self._selected is None else self._selected
            self._select_index(min(current + 1, len(self._spans) - 1))
        return self.selected_span

    def select_prev(self) -> Span | None:
        """Move the entity cursor to the previous span in reading order (stays on the first)."""
        if self._spans:
            current = len(self._spans) if self._selected is None else self._selected
            self._select_index(max(current - 1, 0))
        return self.selected_span

    def select_key(self, key: tuple[str, int]) -> bool:
        """Put the entity cursor on the span with this key; False if there is none."""
        for index, span in enumerate(self._spans):
            if span.key == key:
                self._select_index(index)
                return True
        return False

    def select_at_offset(self, offset: int) -> bool:
        """Select the innermost span covering ``offset``; False (and no change) if none does."""
        best = None
        for index in self._span_range(offset, offset + 1):
            span = self._spans[index]
            if span.start <= offset < span.end and (
                best is None or span.end - span.start < self._spans[best].end - self._spans[best].start
            ):
                best = index
        if best is None:
            return False
        self._select_index(best)
        return True

    def _span_range(self, start: int, end: int) -> range:
        """Indices of the spans that may overlap ``[start, end)``."""
        low = bisect_left(self._starts, start - self._max_span)
        high = bisect_left(self._starts, end)
        return range(low, high)

    # --- surface highlights ------------------------------------------------------------

    def _find_highlights(self, folded: str) -> list[tuple[int, int]]:
        text, cache = self.article.text, self._folded_spans
        found = set()
        for s in self._spans:
            offsets = (s.start, s.end)
            key = cache.get(offsets)
            if key is None:
                key = cache[offsets] = fold(text[s.start : s.end])
            if key == folded:
                found.add(offsets)
        mentions = self._mentions.get(folded)
        if mentions is None:
            mentions = find_surface(text, folded)
            self._mentions[folded] = mentions
        found.update(mentions)
        return sorted(found)

    def _set_highlights(self, found: list[tuple[int, int]]) -> None:
        self._highlights = found
        self._longest_highlight = max((e - s for s, e in found), default=0)

    def highlight_surface(self, folded: str | None) -> int:
        """Light up every mention whose folded text is ``folded`` (None clears); returns the count."""
        self._highlight_surface = folded or None
        self._set_highlights(self._find_highlights(folded) if folded else [])
        self._repaint()
        return len(self._highlights)

    @property
    def highlights(self) -> list[tuple[int, int]]:
        """(start, end) of the highlighted mentions, in text order."""
        return list(self._highlights)

    def scroll_to_first_highlight(self) -> bool:
        """Scroll so the first highlighted mention is in view; False when there is none."""
        if not self._highlights:
            return False
        start, end = self._highlights[0]
        self._bring_into_view(start, end, center=True)
        return True

    def _token_mode_start(self) -> int:
        span = self.selected_span
        if span is not None:
            return span.start
        if self._lines:
            return self._lines[min(self.scroll_offset.y, len(self._lines) - 1)].start
        return 0

    def _post_selection(self, selection: tuple[int, int] | None) -> None:
        self.post_message(self.SelectionChanged(self, selection))

    # --- bidi ----------------------------------------------------------------------------

    @property
    def bidi(self) -> str:
        """The bidi mode asked for: "auto", "on" or "off"."""
        return self._bidi_mode

    @property
    def reorders(self) -> bool:
        """True when RTL lines are put in visual order by the view (not by the terminal)."""
        return self._reorder

    def set_bidi(self, mode: str) -> bool:
        """Switch bidi reordering ("auto", "on", "off"); returns whether the view now reorders."""
        self._reorder = resolve_mode(mode)
        self._bidi_mode = mode
        self._layouts.clear()
        self._repaint()
        return self._reorder

    # --- legend --------------------------------------------------------------------------

    def legend_content(self) -> Content:
        """The legend for this article: the default labels, any others it uses, the statuses."""
        labels = list(styles.DEFAULT_LABEL_COLORS)
        labels += sorted({s.label for s in self._spans} - set(labels))
        return styles.legend_content(labels)

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
        self._wrap_width = width
        self._lines = wrap_article(self.article.text, width, self._rtl_article)
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

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def on_mount(self) -> None:
        self.call_after_refresh(self._warm_tokenizer)
        if self._selected is not None:
            self.post_message(self.SpanSelected(self, self.selected_span))

    @work(thread=True, group="article-view-tokenizer", exit_on_error=False)
    def _warm_tokenizer(self) -> None:
        """Load the blank spaCy tokenizer off the UI thread so the first token move is quick."""
        from annotations.nlp.tokens import blank_nlp

        blank_nlp(self.article.lang)

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
        """Repaint only the display lines showing ``[start, end)``."""
        if not self._lines:
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        for index in range(first, last + 1):
            self._strips.discard(index)
        self.refresh_lines(first, last - first + 1)

    def _repaint(self) -> None:
        self._strips.clear()
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

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        position = self.offset_at(offset.x, offset.y)
        if position is None:
            return
        self.focus()
        if self._token_mode:
            self.move_token_to(position)
        else:
            self.select_at_offset(position)

    # --- rendering -----------------------------------------------------------------------

    def _layout(self, index: int) -> LineLayout:
        layout = self._layouts.get(index)
        if layout is None:
            layout = layout_line(self._safe, self._lines[index], self._wrap_width, self._reorder)
            self._layouts.set(index, layout)
        return layout

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._render_text_line(index, base)
            self._strips.set(index, strip)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _render_text_line(self, index: int, base: Style) -> Strip:
        line = self._lines[index]
        end = max(line.end, line.start + 1)
        spans = [self._spans[i] for i in self._span_range(line.start, end)]
        lo = bisect_left(self._highlights, (line.start - self._longest_highlight, 0))
        hi = bisect_left(self._highlights, (end, 0))
        marks = LineMarks(
            spans=[s for s in spans if s.end > line.start],
            selected=None if self._token_mode else self.selected_span,
            highlights=[h for h in self._highlights[lo:hi] if h[1] > line.start],
            cursor=self._cursor,
            selection=self.selection,
        )
        return render_strip(self._layout(index), marks, base)
