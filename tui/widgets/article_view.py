"""The article reading widget: a Line API ScrollView over one article and its spans.

The widget holds plain parts, one per module, each given what it uses: the spans and the
entity cursor (:class:`.article_spans.SpanList`), the lit mentions
(:class:`.highlights.Highlights`), the token cursor (:class:`.token_selection.TokenSelection`,
given the widget as its :class:`.token_selection.TokenHost`) and the display lines
(:class:`.article_lines.ArticleLines`, given the widget as its
:class:`.article_lines.Viewport`). The widget turns what they say into repaints, scrolls and
messages; callers use a part itself for what it alone does (``view.token_selection.mark()``,
``view.display_lines.cell_of(offset)``). Wrapping is done once per width on the logical
text; each visible line is laid out (bidi, wide characters) and styled on demand and kept in
an LRU cache, so a 1 MB article opens quickly and moving the entity or token cursor repaints
only the lines it touches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotations.model import Article, Span
from annotations.text import is_rtl
from tui import styles
from tui.bidi import BidiMode, resolve_mode
from tui.layout import DisplayLine
from tui.render import LineMarks
from tui.token_cursor import Token, TokenIndex

from .article_lines import ArticleLines, Draw
from .article_spans import Key, SpanList
from .highlights import Highlights, Range
from .token_selection import TokenSelection


def _overlaps(range_: Range | None, start: int, end: int) -> Range | None:
    return range_ if range_ is not None and range_[0] < end and range_[1] > start else None


class ArticleView(ScrollView, can_focus=True):
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

    @dataclass
    class TokenModeChanged(Message):
        """The token cursor came (``on``) or went: the screen shows the matching keys."""

        view: ArticleView
        on: bool

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(
        self, article: Article, spans: list[Span], *, bidi: str = BidiMode.AUTO,
        select: Key | None = None, top: int | None = None, entity_cursor: bool = True,
        draw: Draw | None = None, id: str | None = None, classes: str | None = None,
        load_tokens: Callable[[], list[Token] | None] = lambda: None,
    ) -> None:
        """``select``: the span the cursor starts on (a session's), so no key ever meets it
        elsewhere; ``top``: the offset at the top line (a session's scroll position; else the
        cursor is brought into view). ``entity_cursor`` False: no span is ever selected (the
        review's layers). ``draw`` draws one line its own way (tui.render.render_strip)."""
        super().__init__(id=id, classes=classes)
        self.article = article
        self.tokens = TokenIndex(article.text, load_tokens)  # spaCy's, stored by the NLP process
        self._bidi_mode = bidi
        self._entity_cursor = entity_cursor
        self.span_list = SpanList(article.text, spans)
        self.lit = Highlights(article.text, self.span_list)
        self.token_selection = TokenSelection(self.tokens, self)
        lines_options = {} if draw is None else {"draw": draw}
        self.display_lines = ArticleLines(article, self, rtl=is_rtl(article.lang),
                                          reorder=resolve_mode(bidi), **lines_options)
        self._waiting: list[Range] = []  # decided here, not yet saved (the database is busy)
        self._legend: tuple[int, Content] | None = None
        self._base_style: Style | None = None  # the same for every line of one paint
        if entity_cursor and self.span_list.spans:
            self.span_list.selected = self.span_list.index_of(select) if select is not None else None
            if self.span_list.selected is None:
                self.span_list.selected = 0
        if top is not None:
            self.display_lines.scroll_top_to(top)
        elif select is not None and (span := self.selected_span) is not None:
            self.display_lines.bring_into_view(span.start, span.end)

    # --- spans and the entity cursor -------------------------------------------------

    @property
    def spans(self) -> list[Span]:
        """The spans shown, in reading order (start, then longest first)."""
        return list(self.span_list.spans)

    def status_counts(self) -> dict[str, int]:
        """How many spans of each status the view shows."""
        return dict(self.span_list.tally().statuses)

    @property
    def selected_span(self) -> Span | None:
        """The span under the entity cursor."""
        return self.span_list.selected_span

    def set_spans(self, spans: list[Span], keep_selection: bool = True) -> None:
        """Replace the spans (after a decision); the cursor stays on the same key or near it."""
        old = self.selected_span
        self._spans_changed(old, self.span_list.replace(spans, keep_selection))

    def update_spans(self, start: int, end: int, spans: list[Span], *, select: Key | None = None) -> None:
        """Replace the spans overlapping ``[start, end)`` by ``spans`` (read again after a decision).

        Only that neighbourhood changes, so a decision in a long article costs no more than
        one in a short one. The cursor goes to ``select`` if given, else stays on its span.
        """
        old = self.selected_span
        self._spans_changed(old, self.span_list.update(start, end, spans, select))

    def _spans_changed(self, old: Span | None, index: int | None) -> None:
        """After the spans changed: put the cursor on ``index``, re-light the highlighted surface,
        repaint, and tell the screen if the selected span is another (or changed)."""
        self.span_list.selected = index if self._entity_cursor else None
        self.lit.relight()
        self.refresh()
        new = self.selected_span
        if new != old:
            if new is not None and (old is None or new.key != old.key):
                self.display_lines.bring_into_view(new.start, new.end)
            self.post_message(self.SpanSelected(self, new))

    def _select_index(self, index: int | None) -> None:
        old = self.selected_span
        self.span_list.selected = index if self._entity_cursor else None
        new = self.selected_span
        if old is not None:
            self.display_lines.refresh_offsets(old.start, old.end)
        if new is not None:
            self.display_lines.refresh_offsets(new.start, new.end)
            self.display_lines.bring_into_view(new.start, new.end)
        if new != old:
            self.post_message(self.SpanSelected(self, new))

    def select_next(self) -> Span | None:
        """Move the entity cursor to the next span in reading order (stays on the last)."""
        if spans := self.span_list.spans:
            current = self.span_list.selected
            self._select_index(min(0 if current is None else current + 1, len(spans) - 1))
        return self.selected_span

    def select_prev(self) -> Span | None:
        """Move the entity cursor to the previous span in reading order (stays on the first)."""
        if spans := self.span_list.spans:
            current = self.span_list.selected
            self._select_index(max((len(spans) if current is None else current) - 1, 0))
        return self.selected_span

    def select_key(self, key: Key) -> bool:
        """Put the entity cursor on the span with this key; False if there is none."""
        index = self.span_list.index_of(key)
        if index is not None:
            self._select_index(index)
        return index is not None

    def select_nearest(self, offset: int) -> bool:
        """Put the entity cursor on the first span starting at or after ``offset`` (else the
        last one): where a span that is gone used to be. False when there is no span."""
        index = self.span_list.nearest(offset)
        if index is not None:
            self._select_index(index)
        return index is not None

    def select_at_offset(self, offset: int) -> bool:
        """Select the innermost span covering ``offset``; False (and no change) if none does."""
        index = self.span_list.innermost_at(offset)
        if index is not None:
            self._select_index(index)
        return index is not None

    # --- what is on screen -------------------------------------------------------------

    @property
    def cursor_range(self) -> Range | None:
        """What the cursor is on: the token cursor in token mode, else the selected span."""
        if self.token_selection.token_mode:
            return self.token_selection.token_cursor
        span = self.selected_span
        return None if span is None else (span.start, span.end)

    def show_cursor(self) -> None:
        """Scroll the cursor into view (once the view has a size, if it has none yet)."""
        if (cursor := self.cursor_range) is not None:
            self.display_lines.bring_into_view(*cursor)

    # --- decisions waiting for the database ------------------------------------------------

    def set_waiting(self, ranges: list[Range]) -> None:
        """Show these ranges as decided but not saved yet (none: every decision is saved)."""
        waiting = sorted(set(ranges))
        if waiting != self._waiting:
            self._waiting = waiting
            self.refresh()

    @property
    def waiting(self) -> list[Range]:
        """The ranges shown as waiting for the database, in text order."""
        return list(self._waiting)

    # --- lit mentions ----------------------------------------------------------------------

    def light_up(self, forms: tuple[str, ...] = (), ranges: tuple[Range, ...] = ()) -> int:
        """Light up every mention of these folded forms and these ranges (none: clear); the count."""
        if self.lit.light_up(forms, ranges):
            self.refresh()
        return len(self.lit.ranges)

    def highlight_surface(self, folded: str | None) -> int:
        """Light up every mention whose folded text is ``folded`` (None clears); returns the count."""
        return self.light_up((folded,) if folded else ())

    def light_only(self, start: int, end: int) -> None:
        """Light ``[start, end)`` alone and bring it into view, centred (the review's cluster)."""
        self.lit.show_only([(start, end)])
        self.refresh()
        self.display_lines.bring_into_view(start, end, center=True)

    @property
    def highlights(self) -> list[Range]:
        """(start, end) of the highlighted mentions, in text order."""
        return list(self.lit.ranges)

    def scroll_to_first_highlight(self) -> bool:
        """Scroll so the first highlighted mention is in view; False when there is none."""
        if not self.lit.ranges:
            return False
        self.display_lines.bring_into_view(*self.lit.ranges[0], center=True)
        return True

    # --- the token cursor: callers use ``token_selection`` (tui.widgets.token_selection) -----
    # TokenHost: what the token cursor uses of the widget.

    def token_mode_start(self) -> int:
        span = self.selected_span
        return span.start if span is not None else self.display_lines.top_offset()

    def refresh_offsets(self, start: int, end: int) -> None:
        self.display_lines.refresh_offsets(start, end)

    def bring_into_view(self, start: int, end: int, center: bool = False) -> None:
        self.display_lines.bring_into_view(start, end, center)

    def repaint(self) -> None:
        """Repaint what is in view; lines whose marks did not change come from the cache."""
        self.refresh()

    def selection_changed(self, selection: Range | None) -> None:
        self.post_message(self.SelectionChanged(self, selection))

    def token_mode_changed(self, on: bool) -> None:
        self.post_message(self.TokenModeChanged(self, on))

    # --- bidi and legend -----------------------------------------------------------------------

    @property
    def bidi(self) -> str:
        """The bidi mode asked for: "auto", "on" or "off"."""
        return self._bidi_mode

    @property
    def reorders(self) -> bool:
        """True when RTL lines are put in visual order by the view (not by the terminal)."""
        return self.display_lines.reorder

    def set_bidi(self, mode: str) -> bool:
        """Switch bidi reordering ("auto", "on", "off"); returns whether the view now reorders."""
        self._bidi_mode = mode
        self.display_lines.set_reorder(resolve_mode(mode))
        self.refresh()
        return self.reorders

    def legend_content(self) -> Content:
        """The legend for this article: the default labels, any others it uses, the statuses."""
        cached = self._legend
        if cached is not None and cached[0] == self.span_list.version:
            return cached[1]
        labels = list(styles.DEFAULT_LABEL_COLORS)
        labels += sorted({s.label for s in self.span_list.spans} - set(labels))
        content = styles.legend_content(labels)
        self._legend = (self.span_list.version, content)
        return content

    # --- geometry: callers use ``display_lines`` (tui.widgets.article_lines) ----------------------
    # Viewport: what the display lines use of the widget.

    def scroll_to_line(self, y: int) -> None:
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def set_line_count(self, width: int, count: int) -> None:
        self.virtual_size = Size(width, count)

    # --- Textual -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.display_lines.fit()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.display_lines.forget_strips()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The first paint can come before the first Resize: fit now, so that it shows the text
        # (a restored launch otherwise showed an empty pane for ~150 ms) where it should be.
        self.display_lines.fit()
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        lines = self.display_lines.lines
        width = self.scrollable_content_region.width
        base = self._base_style or self.rich_style
        if not 0 <= index < len(lines):
            return Strip.blank(width, base)
        strip = self.display_lines.strip(index, self._line_marks(lines[index]), base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _line_marks(self, line: DisplayLine) -> LineMarks:
        """What is drawn over one display line, limited to what touches it."""
        start, end = line.start, max(line.end, line.start + 1)
        tokens = self.token_selection
        selected = None if tokens.token_mode else self.selected_span
        if selected is not None and not (selected.start < end and selected.end > start):
            selected = None
        return LineMarks(
            spans=[s for s in self.span_list.between(start, end) if s.end > start],
            selected=selected,
            highlights=self.lit.between(start, end),
            cursor=_overlaps(tokens.token_cursor, start, end),
            selection=_overlaps(tokens.selection, start, end),
            waiting=[w for w in self._waiting if w[0] < end and w[1] > start],
        )

    def on_mount(self) -> None:
        if self.selected_span is not None:
            self.post_message(self.SpanSelected(self, self.selected_span))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        position = self.display_lines.offset_at(offset.x, offset.y)
        if position is None:
            return
        self.focus()
        if self.token_selection.token_mode:
            self.token_selection.move_token_to(position)
        else:
            self.select_at_offset(position)
