"""Counts over an article's spans kept up to date as a decision replaces a few of them.

The reader's title shows how many spans have each status, and selecting an entity lights up
every span with the same folded surface. Recounting 12,000 spans of a 1 MB article after each
decision would cost more than the decision; the tally is built once and then adjusted.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Iterable

from annotations.model import Span
from annotations.text import fold

Range = tuple[int, int]


class SpanTally:
    """Span counts by status, and span offsets by folded surface, for one article's text."""

    def __init__(self, text: str, spans: Iterable[Span] = ()) -> None:
        self._text = text
        self._folded: dict[Range, str] = {}  # the text never changes: fold each range once
        self.statuses: Counter[str] = Counter()
        self._surfaces: defaultdict[str, Counter[Range]] = defaultdict(Counter)
        self.add(spans)

    def fold_at(self, start: int, end: int) -> str:
        key = self._folded.get((start, end))
        if key is None:  # interned: the spans of one surface share its folded string
            key = self._folded[(start, end)] = sys.intern(fold(self._text[start:end]))
        return key

    def add(self, spans: Iterable[Span]) -> None:
        for span in spans:
            self.statuses[span.status] += 1
            self._surfaces[self.fold_at(span.start, span.end)][(span.start, span.end)] += 1

    def remove(self, spans: Iterable[Span]) -> None:
        for span in spans:
            self.statuses[span.status] -= 1
            if not self.statuses[span.status]:
                del self.statuses[span.status]
            folded = self.fold_at(span.start, span.end)
            offsets = self._surfaces[folded]
            offsets[(span.start, span.end)] -= 1
            if offsets[(span.start, span.end)] <= 0:
                del offsets[(span.start, span.end)]
            if not offsets:
                del self._surfaces[folded]

    def offsets(self, folded: str) -> list[Range]:
        """(start, end) of the spans whose folded text is ``folded``."""
        found = self._surfaces.get(folded)
        return list(found) if found else []
