"""Jumping the token cursor to a word by typing its first letters, in any script (vim's ``f``).

The letters are compared folded (case, Arabic harakat, tatweel and alef variants), and an
Arabic word still matches with a particle or the article attached before them ("راي" finds
"وراي"), so كريستوفر راي in the Arabic seed is three keys and enter away, not 35 presses of w.
"""

from __future__ import annotations

from bisect import bisect_right

from annotations.text import fold

from .surface import prefix_pattern

MAX_WORDS = 10_000


def word_starts(text: str, letters: str) -> list[int]:
    """Where each word beginning with ``letters`` starts (its first character, particle included)."""
    folded = fold(letters)
    if not folded:
        return []
    found = []
    for match in prefix_pattern(folded).finditer(text):
        if fold(text[match.start(1):match.end(1)]) == folded:
            found.append(match.start())
            if len(found) >= MAX_WORDS:
                break
    return found


def next_word(starts: list[int], after: int | None) -> tuple[int, int] | None:
    """(offset, its number counting from 1) of the first start after ``after``, wrapping round."""
    if not starts:
        return None
    index = 0 if after is None else bisect_right(starts, after)
    index = index if index < len(starts) else 0
    return starts[index], index + 1
