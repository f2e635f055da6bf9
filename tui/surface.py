"""Find every place an article mentions a surface form, compared under annotations.text.fold.

fold() changes lengths (it drops harakat, collapses spaces), so instead of searching a folded
copy we turn the folded form into a pattern over the stored text and check each match with
fold(): offsets stay stored offsets and a 1 MB article is searched by the regex engine.
"""

from __future__ import annotations

import re
from functools import lru_cache

from annotations.model import Article
from annotations.text import display_safe, fold

_MARKS = "[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]*"  # harakat and tatweel, dropped by fold()
_VARIANTS = {
    "\u0627": "[\u0627\u0622\u0623\u0625\u0671]",  # alef and its hamza/madda/wasla forms
    "\u064a": "[\u064a\u0649]",  # ya, alef maqsura
    "\u0647": "[\u0647\u0629]",  # ha, ta marbuta
}
_ARABIC = re.compile("[\u0600-\u06ff]")
# Arabic attaches conjunctions, prepositions and the article to the next word ("وباريس").
_PROCLITIC = "(?:[\u0648\u0641\u0628\u0644\u0643]{1,2}|[\u0648\u0641\u0628\u0643]?\u0627\u0644|\u0644\u0644)?"
MAX_MATCHES = 10_000


@lru_cache(maxsize=64)
def _pattern(folded: str) -> re.Pattern[str]:
    arabic = bool(_ARABIC.search(folded))
    parts = []
    for char in folded:
        if char == " ":
            parts.append(r"\s+")
        elif arabic:  # harakat and tatweel may sit after any letter of an Arabic form
            parts.append(_VARIANTS.get(char, re.escape(char)) + _MARKS)
        else:  # a plain pattern lets the regex engine skip ahead: a 1 MB article in milliseconds
            parts.append(re.escape(char))
    body = "".join(parts)
    prefix = _PROCLITIC if arabic else ""
    return re.compile(rf"(?<!\w){prefix}({body})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=64)
def prefix_pattern(folded: str) -> re.Pattern[str]:
    """Words that begin with ``folded`` (the letters typed to jump to a word, any script): group 1
    is the letters matched; an Arabic word may carry an attached particle or article before them."""
    arabic = bool(_ARABIC.search(folded))
    parts = [r"\s+" if c == " " else (_VARIANTS.get(c, re.escape(c)) + _MARKS if arabic else re.escape(c))
             for c in folded]
    return re.compile(rf"(?<!\w){_PROCLITIC if arabic else ''}({''.join(parts)})", re.IGNORECASE)


@lru_cache(maxsize=64)
def _plain_pattern(folded: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(word) for word in folded.split(" "))
    return re.compile(rf"({body})(?!\w)")


_WORD_CHAR = re.compile(r"\w")


def lowered_copy(text: str) -> str | None:
    """``text.lower()`` when it keeps every offset (it does unless a letter like İ grows)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def find_surface(text: str, folded: str, lowered: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each whole-word occurrence of ``folded`` in ``text``, in order.

    ``lowered`` (from :func:`lowered_copy`, cached by the caller) lets a non-Arabic form be
    found by a case-sensitive literal search, which is several times faster on a long article.
    """
    if not folded.strip():
        return []
    plain = lowered is not None and len(lowered) == len(text) and not _ARABIC.search(folded)
    if plain and lowered is not None:
        matches = (m.span(1) for m in _plain_pattern(folded).finditer(lowered)
                   if not (m.start() and _WORD_CHAR.match(lowered, m.start() - 1)))
    else:
        matches = (m.span(1) for m in _pattern(folded).finditer(text))
    found = []
    for start, end in matches:
        # An ASCII match of the plain pattern folds to ``folded`` by construction (lower() is
        # casefold() on ASCII and the words are joined by whitespace); anything else is checked.
        if (plain and text[start:end].isascii()) or fold(text[start:end]) == folded:
            found.append((start, end))
            if len(found) >= MAX_MATCHES:
                break
    return found


SURFACE_PREVIEW = 60


def surface(article: Article, start: int, end: int, limit: int = SURFACE_PREVIEW) -> str:
    """A span's text for the status and details bars: one line, display-safe, shortened."""
    text = " ".join(article.text[start:end].split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return display_safe(text)
