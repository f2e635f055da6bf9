"""Cutting an article longer than a pipeline's max_length into pieces it accepts.

Cuts fall at the last paragraph break, else line break, else sentence end,
else space in the second half of the allowed length, so an entity is almost
never cut in two. Each piece carries its offset into the article, and
``text[offset:offset + len(piece)] == piece``.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?\u061f\u06d4\u3002][\"'\u00bb\u201d\u2019)\]]*\s+")


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """[(offset, piece), ...] covering ``text`` in order, each piece at most ``limit`` long."""
    limit = max(int(limit), 2)
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    pos = 0
    while len(text) - pos > limit:
        cut = _cut(text, pos + limit // 2, pos + limit)
        pieces.append((pos, text[pos:cut]))
        pos = cut
    pieces.append((pos, text[pos:]))
    return pieces


def _cut(text: str, lo: int, hi: int) -> int:
    """The best place to end a piece within text[lo:hi] (a cut at hi at worst)."""
    for sep in ("\n\n", "\n"):
        found = text.rfind(sep, lo, hi)
        if found != -1:
            return found + len(sep)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
    if ends:
        return ends[-1]
    for i in range(hi - 1, lo - 1, -1):
        if text[i].isspace():
            return i + 1
    return hi
