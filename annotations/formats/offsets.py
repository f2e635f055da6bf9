"""Mapping offsets in a file's raw text onto the normalized text Parallax stores.

Normalization (CRLF/CR -> LF, then NFC) can shorten the text, so a raw offset
``i`` becomes ``len(normalize(raw[:i]))``. That is computed without
re-normalizing a long prefix for every span: CRLF pairs are counted with a
binary search, and NFC, only when the text needs it, is measured piecewise
between ASCII characters (which never compose with what precedes them).
"""

from __future__ import annotations

import bisect
import unicodedata

from ..text import normalize


class OffsetMap:
    """``raw index -> normalized index`` for one article."""

    def __init__(self, raw: str):
        self.raw = raw
        self.text = normalize(raw)
        self.identity = self.text == raw
        self._crlf = list(_find_all(raw, "\r\n")) if "\r\n" in raw else []
        lf = raw.replace("\r\n", "\n").replace("\r", "\n") if not self.identity else raw
        self._lf = lf
        self._nfc_identity = self.identity or unicodedata.is_normalized("NFC", lf)
        self._cache: list[tuple[int, int]] = [(0, 0)]  # (lf index at an ASCII char, its NFC index)

    def __call__(self, index: int) -> int:
        if self.identity:
            return index
        lf_index = index - bisect.bisect_left(self._crlf, index - 1)
        return lf_index if self._nfc_identity else self._nfc(lf_index)

    def _nfc(self, index: int) -> int:
        lf = self._lf
        anchor = _ascii_at_or_before(lf, index)
        pos = bisect.bisect_right(self._cache, (anchor, float("inf"))) - 1
        base, mapped = self._cache[pos]
        if base != anchor:
            mapped += len(unicodedata.normalize("NFC", lf[base:anchor]))
            self._cache.insert(pos + 1, (anchor, mapped))
        return mapped + len(unicodedata.normalize("NFC", lf[anchor:index]))


def _find_all(text: str, needle: str):
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + len(needle))


def _ascii_at_or_before(text: str, index: int) -> int:
    """The nearest index at or before ``index`` holding an ASCII character, or 0."""
    i = min(index, len(text) - 1)
    while i > 0 and not text[i].isascii():
        i -= 1
    return max(i, 0)
