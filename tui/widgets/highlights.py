"""Mentions lit up in the article view: every place of a surface form, or of an entity.

A mixin of :class:`tui.widgets.article_view.ArticleView`. What is lit is a set of folded
surface forms (each found in the spans and in the plain text, whatever the case, harakat or
alef variant) plus explicit ranges (the mentions linked to a chosen entity, whatever their
spelling or script). It is found again when the spans change, so a decision keeps it lit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.cache import LRUCache

from annotations.model import Article
from tui.span_tally import SpanTally
from tui.surface import find_surface, lowered_copy

Range = tuple[int, int]
Lit = tuple[tuple[str, ...], tuple[Range, ...]]  # (folded forms, explicit ranges)


class HighlightsMixin:
    """Lit mentions; the widget supplies the text, the spans' tally, repaint and scrolling."""

    article: Article
    _spans_version: int

    if TYPE_CHECKING:  # provided by the widget
        def _tally(self) -> SpanTally: ...
        def _repaint(self) -> None: ...
        def _bring_into_view(self, start: int, end: int, center: bool = False) -> None: ...

    def _init_highlights(self) -> None:
        self._highlights: list[Range] = []
        self._longest_highlight = 0
        self._lit: Lit | None = None
        self._highlight_key: tuple[Lit | None, int] = (None, 0)
        self._lowered: str | None = None  # text.lower() for fast mention search ("" if unusable)
        # The text never changes, so plain-text mentions are cached: a decision
        # re-highlights, which must not rescan 1 MB.
        self._mentions: LRUCache[str, list[Range]] = LRUCache(64)

    def _find_highlights(self, folded: str) -> list[Range]:
        text = self.article.text
        found = set(self._tally().offsets(folded))
        mentions = self._mentions.get(folded)
        if mentions is None:
            if self._lowered is None:
                self._lowered = lowered_copy(text) or ""
            mentions = find_surface(text, folded, self._lowered or None)
            self._mentions[folded] = mentions
        found.update(mentions)
        return sorted(found)

    def _find_lit(self, lit: Lit | None) -> list[Range]:
        if lit is None:
            return []
        forms, ranges = lit
        length = len(self.article.text)
        found = {r for r in ranges if 0 <= r[0] < r[1] <= length}
        for folded in forms:
            found.update(self._find_highlights(folded))
        return sorted(found)

    def _set_highlights(self, found: list[Range]) -> None:
        self._highlights = found
        self._longest_highlight = max((e - s for s, e in found), default=0)

    def _relight(self) -> None:
        """Find what is lit again (the spans changed)."""
        if self._lit is not None:
            self._set_highlights(self._find_lit(self._lit))
        self._highlight_key = (self._lit, self._spans_version)

    def light_up(self, forms: tuple[str, ...] = (), ranges: tuple[Range, ...] = ()) -> int:
        """Light up every mention of these folded forms and these ranges (none: clear); the count."""
        asked = (tuple(f for f in forms if f), tuple(ranges))
        lit = asked if asked[0] or asked[1] else None
        if (lit, self._spans_version) != self._highlight_key:
            self._lit = lit
            self._highlight_key = (lit, self._spans_version)
            self._set_highlights(self._find_lit(lit))
            self._repaint()
        return len(self._highlights)

    def highlight_surface(self, folded: str | None) -> int:
        """Light up every mention whose folded text is ``folded`` (None clears); returns the count."""
        return self.light_up((folded,) if folded else ())

    @property
    def highlights(self) -> list[Range]:
        """(start, end) of the highlighted mentions, in text order."""
        return list(self._highlights)

    def scroll_to_first_highlight(self) -> bool:
        """Scroll so the first highlighted mention is in view; False when there is none."""
        if not self._highlights:
            return False
        start, end = self._highlights[0]
        self._bring_into_view(start, end, center=True)
        return True
