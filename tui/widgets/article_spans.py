"""The spans an article view shows, in reading order, and its entity cursor.

A part of :class:`tui.widgets.article_view.ArticleView`, holding plain data: the widget
repaints, scrolls and posts messages from what these methods return. The spans are kept
sorted by (start, longest first) with their starts beside them, so what touches a display
line, or the neighbourhood of a decision, is found by bisection in a 1 MB article.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from annotations.model import Span
from tui.span_tally import SpanTally

Key = tuple[str, int]


def reading_key(span: Span) -> tuple[int, int]:
    return (span.start, -span.end)


class SpanList:
    """An article's spans in reading order, the one under the entity cursor, and their tally."""

    def __init__(self, text: str, spans: Iterable[Span]) -> None:
        self._text = text
        self.spans: list[Span] = []
        self.starts: list[int] = []
        self.longest = 0  # the longest span's length: how far back a span may start and still touch
        self.selected: int | None = None  # index of the span under the entity cursor
        self.version = 0  # bumped on every change of the spans
        self._tally: SpanTally | None = None  # built on first use, then kept up to date
        self.store(spans)

    def store(self, spans: Iterable[Span]) -> None:
        """Replace every span (those outside the text are left out)."""
        length = len(self._text)
        self.spans = sorted((s for s in spans if 0 <= s.start < s.end <= length), key=reading_key)
        self.starts = [s.start for s in self.spans]
        self.longest = max((s.end - s.start for s in self.spans), default=0)
        self.version += 1
        self._tally = None

    @property
    def selected_span(self) -> Span | None:
        return None if self.selected is None else self.spans[self.selected]

    def tally(self) -> SpanTally:
        """Counts by status and offsets by folded surface (built once, then kept up to date)."""
        if self._tally is None:
            self._tally = SpanTally(self._text, self.spans)
        return self._tally

    def index_of(self, key: Key | None) -> int | None:
        if key is None:
            return None
        return next((i for i, s in enumerate(self.spans) if s.key == key), None)

    def nearest(self, offset: int) -> int | None:
        """The first span starting at or after ``offset``, else the last one (None: no span)."""
        if not self.spans:
            return None
        return min(bisect_left(self.starts, offset), len(self.spans) - 1)

    def innermost_at(self, offset: int) -> int | None:
        """The shortest span covering ``offset``, if any."""
        best = None
        for index in self.range(offset, offset + 1):
            span = self.spans[index]
            if span.start <= offset < span.end and (
                best is None or span.end - span.start < self.spans[best].end - self.spans[best].start
            ):
                best = index
        return best

    def range(self, start: int, end: int) -> range:
        """Indices of the spans that may overlap ``[start, end)``."""
        return range(bisect_left(self.starts, start - self.longest), bisect_left(self.starts, end))

    def between(self, start: int, end: int) -> list[Span]:
        """The spans that may overlap ``[start, end)``, in reading order."""
        found = self.range(start, end)
        return self.spans[found.start:found.stop]

    def replace(self, spans: list[Span], keep_selection: bool) -> int | None:
        """Replace every span; the index the cursor goes to (the same key, or the nearest place)."""
        old = self.selected_span
        self.store(spans)
        if not self.spans:
            return None
        if not keep_selection or old is None:
            return 0
        index = self.index_of(old.key)
        if index is None:
            position = bisect_left([reading_key(s) for s in self.spans], reading_key(old))
            index = min(position, len(self.spans) - 1)
        return index

    def update(self, start: int, end: int, spans: list[Span], select: Key | None) -> int | None:
        """Replace the spans overlapping ``[start, end)`` by ``spans``; the index the cursor goes
        to: ``select`` if given, else the span it was on (or the nearest), wherever it moved."""
        def touches(s: Span) -> bool:
            return s.start < end and s.end > start

        old = self.selected_span
        length = len(self._text)
        fresh = [s for s in spans if 0 <= s.start < s.end <= length and touches(s)]
        self.longest = max([self.longest, *(s.end - s.start for s in fresh)])
        found = self.range(start, end)
        region = self.spans[found.start:found.stop]
        stale = [s for s in region if touches(s)]
        merged = sorted([s for s in region if not touches(s)] + fresh, key=reading_key)
        if self._tally is not None:
            self._tally.remove(stale)
            self._tally.add(fresh)
        self.spans[found.start:found.stop] = merged
        self.starts[found.start:found.stop] = [s.start for s in merged]
        self.version += 1
        index = self.selected
        if not self.spans:
            return None
        moved = old is not None and index is not None and found.start <= index < found.stop
        if select is not None or moved:
            wanted = select if select is not None or old is None else old.key
            keys = [s.key for s in merged]
            if wanted in keys:
                return found.start + keys.index(wanted)
            if select is not None and (elsewhere := self.index_of(select)) is not None:
                return elsewhere
            position = 0 if old is None else bisect_left([reading_key(s) for s in merged], reading_key(old))
            return min(found.start + position, len(self.spans) - 1)
        if index is not None and index >= found.stop:
            index += len(merged) - len(region)
        return index
