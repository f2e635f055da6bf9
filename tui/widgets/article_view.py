"""The article reading widget: a Line API ScrollView over one article and its spans.

Wrapping is done once per width on the logical text; each visible line is laid out (bidi,
wide characters) and styled on demand and kept in an LRU cache, so a 1 MB article opens
quickly and moving the entity or token cursor repaints only the lines it touches.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.scroll_view import ScrollView

from annotations.model import Article, Span
from annotations.text import display_safe, is_rtl
from tui import styles
from tui.bidi import resolve_mode
from tui.span_tally import SpanTally
from tui.token_cursor import Token, TokenIndex
from tui.widgets.article_lines import ArticleLinesMixin
from tui.widgets.highlights import HighlightsMixin
from tui.widgets.token_selection import TokenSelectionMixin


def _reading_key(span: Span) -> tuple[int, int]:
    return (span.start, -span.end)


class ArticleView(ArticleLinesMixin, TokenSelectionMixin, HighlightsMixin, ScrollView, can_focus=True):
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
        self, article: Article, spans: list[Span], *, bidi: str = "auto",
        select: tuple[str, int] | None = None, id: str | None = None, classes: str | None = None,
        load_tokens: Callable[[], list[Token] | None] = lambda: None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.article = article
        self.tokens = TokenIndex(article.text, load_tokens)  # spaCy's, stored by the NLP process
        self._safe = display_safe(article.text)
        self._rtl_article = is_rtl(article.lang)
        self._bidi_mode = bidi
        self._reorder = resolve_mode(bidi)
        self._spans: list[Span] = []
        self._starts: list[int] = []
        self._max_span = 0
        self._selected: int | None = None
        self._waiting: list[tuple[int, int]] = []  # decided here, not yet saved (the database is busy)
        self._init_lines()
        self._spans_version = 0  # bumped on every change of the spans
        self._init_highlights()
        self._legend: tuple[int, Content] | None = None
        self._tally_cache: SpanTally | None = None  # built on first use, then kept up to date
        self._token_mode = False
        self._cursor: Token | None = None
        self._anchor: Token | None = None
        self._store_spans(spans)
        # The cursor starts on ``select`` (a session's), so no key ever meets it elsewhere.
        self._selected = next((i for i, s in enumerate(self._spans) if s.key == select),
                              0 if self._spans else None)
        if select is not None and self.selected_span is not None:
            self._bring_into_view(self.selected_span.start, self.selected_span.end)

    # --- spans and the entity cursor -------------------------------------------------

    def _store_spans(self, spans: list[Span]) -> None:
        length = len(self.article.text)
        kept = [s for s in spans if 0 <= s.start < s.end <= length]
        self._spans = sorted(kept, key=_reading_key)
        self._starts = [s.start for s in self._spans]
        self._max_span = max((s.end - s.start for s in self._spans), default=0)
        self._spans_version += 1
        self._tally_cache = None

    @property
    def spans(self) -> list[Span]:
        """The spans shown, in reading order (start, then longest first)."""
        return list(self._spans)

    def status_counts(self) -> dict[str, int]:
        """How many spans of each status the view shows."""
        return dict(self._tally().statuses)

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
        self._spans_changed(old, index)

    def update_spans(self, start: int, end: int, spans: list[Span], *,
                     select: tuple[str, int] | None = None) -> None:
        """Replace the spans overlapping ``[start, end)`` by ``spans`` (read again after a decision).

        Only that neighbourhood changes, so a decision in a long article costs no more than
        one in a short one. The cursor goes to ``select`` if given, else stays on its span.
        """
        def touches(s: Span) -> bool:
            return s.start < end and s.end > start

        old = self.selected_span
        length = len(self.article.text)
        fresh = [s for s in spans if 0 <= s.start < s.end <= length and touches(s)]
        self._max_span = max([self._max_span, *(s.end - s.start for s in fresh)])
        found = self._span_range(start, end)
        region = self._spans[found.start:found.stop]
        stale = [s for s in region if touches(s)]
        merged = sorted([s for s in region if not touches(s)] + fresh, key=_reading_key)
        if self._tally_cache is not None:
            self._tally_cache.remove(stale)
            self._tally_cache.add(fresh)
        self._spans[found.start:found.stop] = merged
        self._starts[found.start:found.stop] = [s.start for s in merged]
        self._spans_version += 1
        index = self._selected
        if not self._spans:
            index = None
        elif select is not None or (old is not None and index is not None
                                    and found.start <= index < found.stop):
            wanted = select if select is not None or old is None else old.key
            keys = [s.key for s in merged]
            if wanted in keys:
                index = found.start + keys.index(wanted)
            elif select is not None and any(s.key == select for s in self._spans):
                index = next(i for i, s in enumerate(self._spans) if s.key == select)
            else:
                position = 0 if old is None else bisect_left([_reading_key(s) for s in merged],
                                                             _reading_key(old))
                index = min(found.start + position, len(self._spans) - 1)
        elif index is not None and index >= found.stop:
            index += len(merged) - len(region)
        self._spans_changed(old, index)

    def _spans_changed(self, old: Span | None, index: int | None) -> None:
        """After the spans changed: put the cursor on ``index``, re-light the highlighted surface,
        repaint, and tell the screen if the selected span is another (or changed)."""
        self._selected = index
        self._relight()
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

    def select_nearest(self, offset: int) -> bool:
        """Put the entity cursor on the first span starting at or after ``offset`` (else the
        last one): where a span that is gone used to be. False when there is no span."""
        if not self._spans:
            return False
        self._select_index(min(bisect_left(self._starts, offset), len(self._spans) - 1))
        return True

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

    def _spans_between(self, start: int, end: int) -> list[Span]:
        """The spans that may overlap ``[start, end)``, in reading order."""
        found = self._span_range(start, end)
        return self._spans[found.start:found.stop]

    # --- decisions waiting for the database ------------------------------------------------

    def set_waiting(self, ranges: list[tuple[int, int]]) -> None:
        """Show these ranges as decided but not saved yet (none: every decision is saved)."""
        waiting = sorted(set(ranges))
        if waiting != self._waiting:
            self._waiting = waiting
            self._repaint()

    @property
    def waiting(self) -> list[tuple[int, int]]:
        """The ranges shown as waiting for the database, in text order."""
        return list(self._waiting)

    # --- lit mentions (tui.widgets.highlights) ----------------------------------------------

    def _tally(self) -> SpanTally:
        if self._tally_cache is None:
            self._tally_cache = SpanTally(self.article.text, self._spans)
        return self._tally_cache

    def _token_mode_start(self) -> int:
        span = self.selected_span
        if span is not None:
            return span.start
        if self._lines:
            return self._lines[min(self.scroll_offset.y, len(self._lines) - 1)].start
        return 0

    def _post_selection(self, selection: tuple[int, int] | None) -> None:
        self.post_message(self.SelectionChanged(self, selection))

    def _post_token_mode(self, on: bool) -> None:
        self.post_message(self.TokenModeChanged(self, on))

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
        cached = self._legend
        if cached is not None and cached[0] == self._spans_version:
            return cached[1]
        labels = list(styles.DEFAULT_LABEL_COLORS)
        labels += sorted({s.label for s in self._spans} - set(labels))
        content = styles.legend_content(labels)
        self._legend = (self._spans_version, content)
        return content

    def on_resize(self, event: events.Resize) -> None:
        self._rewrap()

    def on_mount(self) -> None:
        if self._selected is not None:
            self.post_message(self.SpanSelected(self, self.selected_span))

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

