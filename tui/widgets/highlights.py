"""Mentions lit up in the article view: every place of a surface form, or of an entity.

A part of :class:`tui.widgets.article_view.ArticleView`, holding plain data: the widget
repaints and scrolls. What is lit is a set of folded surface forms (each found in the spans
and in the plain text, whatever the case, harakat or alef variant) plus explicit ranges (the
mentions linked to a chosen entity, whatever their spelling or script). It is found again when
the spans change, so a decision keeps it lit.
"""

from __future__ import annotations

from bisect import bisect_left

from textual.cache import LRUCache

from tui.surface import find_surface, lowered_copy

from .article_spans import SpanList

Range = tuple[int, int]
Lit = tuple[tuple[str, ...], tuple[Range, ...]]  # (folded forms, explicit ranges)


class Highlights:
    """The lit mentions of one article, found in its text and its spans (``spans``)."""

    def __init__(self, text: str, spans: SpanList) -> None:
        self._text = text
        self._spans = spans
        self.ranges: list[Range] = []  # in text order
        self.longest = 0
        self._lit: Lit | None = None
        self._found_for: tuple[Lit | None, int] = (None, 0)  # (what is lit, the spans' version)
        self._lowered: str | None = None  # text.lower() for fast mention search ("" if unusable)
        # The text never changes, so plain-text mentions are cached: a decision
        # re-highlights, which must not rescan 1 MB.
        self._mentions: LRUCache[str, list[Range]] = LRUCache(64)

    def between(self, start: int, end: int) -> list[Range]:
        """The lit ranges overlapping ``[start, end)``."""
        lo = bisect_left(self.ranges, (start - self.longest, 0))
        hi = bisect_left(self.ranges, (end, 0))
        return [h for h in self.ranges[lo:hi] if h[1] > start]

    def light_up(self, forms: tuple[str, ...] = (), ranges: tuple[Range, ...] = ()) -> bool:
        """Light up every mention of these folded forms and these ranges (none: clear); True when
        what is lit changed (the widget repaints)."""
        asked = (tuple(f for f in forms if f), tuple(ranges))
        lit = asked if asked[0] or asked[1] else None
        if (lit, self._spans.version) == self._found_for:
            return False
        self._lit = lit
        self._found_for = (lit, self._spans.version)
        self._set(self._find_lit(lit))
        return True

    def show_only(self, ranges: list[Range]) -> None:
        """Light exactly these ranges (the review's cluster), until the next light_up."""
        self._lit = None
        self._found_for = (None, -1)
        self._set(sorted(ranges))

    def relight(self) -> None:
        """Find what is lit again (the spans changed)."""
        if self._lit is not None:
            self._set(self._find_lit(self._lit))
        self._found_for = (self._lit, self._spans.version)

    def _set(self, found: list[Range]) -> None:
        self.ranges = found
        self.longest = max((e - s for s, e in found), default=0)

    def _find_lit(self, lit: Lit | None) -> list[Range]:
        if lit is None:
            return []
        forms, ranges = lit
        length = len(self._text)
        found = {r for r in ranges if 0 <= r[0] < r[1] <= length}
        for folded in forms:
            found.update(self._find_surface(folded))
        return sorted(found)

    def _find_surface(self, folded: str) -> list[Range]:
        found = set(self._spans.tally().offsets(folded))
        mentions = self._mentions.get(folded)
        if mentions is None:
            if self._lowered is None:
                self._lowered = lowered_copy(self._text) or ""
            mentions = find_surface(self._text, folded, self._lowered or None)
            self._mentions[folded] = mentions
        found.update(mentions)
        return sorted(found)
