"""Right-to-left text for the app: the one module that uses python-bidi.

Textual has no bidi support and terminals differ (some reorder Arabic themselves, xterm does
not), so reordering is switchable and done here, keeping every visual cell's logical offset
(the cursor, selections and span styles are all on stored offsets). The interface:

- :func:`resolve_mode` – whether the app reorders itself ("auto", "on", "off").
- :func:`first_strong_is_rtl` – base direction of a text (UAX #9 P2-P3, python-bidi's public
  ``get_base_level``); :func:`paragraph_is_rtl` – the app's rule for a paragraph's alignment.
- :func:`has_rtl` – a quick test for text that may need reordering at all.
- :func:`embedding_levels` – the resolved level of every character of one display line.
- :func:`visual_order` – the logical index shown at each visual position, from those levels
  (rule L2); the caller groups characters into clusters first, so marks stay on their letter.
- :func:`mirror` – the glyph of a bracket-like character in a right-to-left run (rule L4).

python-bidi's public API gives only the reordered string (``get_display``) and the base
level; there is no public call for levels or an index map, so :func:`embedding_levels` runs
the steps of its Python implementation (``bidi.algorithm``) directly. Those calls live in
:func:`_resolve_levels` and nowhere else; tests/test_bidi.py pins their result against the
public ``get_display`` of the same implementation and against hand-worked levels, so an
upgrade that changes them fails a test, not the screen.
"""

from __future__ import annotations

import os
import re
import unicodedata
from enum import StrEnum
from functools import lru_cache

import bidi
import bidi.algorithm


class BidiMode(StrEnum):
    """Who reorders right-to-left text: ``auto`` (the app, unless PARALLAX_BIDI=off says the
    terminal does), ``on`` (the app), ``off`` (the terminal)."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


BIDI_MODES: tuple[str, ...] = tuple(mode.value for mode in BidiMode)  # the order ``b`` cycles through
ENV_VAR = "PARALLAX_BIDI"

_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")
_LETTER = re.compile(r"[^\W\d_]")


def resolve_mode(mode: str) -> bool:
    """True when the view must reorder RTL text itself.

    ``"on"``/``"off"`` are explicit; ``"auto"`` reorders unless the environment variable
    PARALLAX_BIDI is ``off`` (for terminals such as mlterm or Konsole that reorder themselves).
    """
    if mode not in BIDI_MODES:
        raise ValueError(f"bidi mode must be one of {', '.join(BIDI_MODES)}, not {mode!r}")
    if mode == BidiMode.AUTO:
        return os.environ.get(ENV_VAR, "on").strip().lower() not in ("off", "0", "no", "false")
    return mode == BidiMode.ON


def first_strong_is_rtl(text: str) -> bool:
    """True when the first strong character of ``text``'s first paragraph is right-to-left.

    UAX #9 rules P2-P3 through python-bidi's public ``get_base_level``: digits and
    punctuation are skipped, a right-to-left mark (U+200F) counts, no strong character is LTR.
    """
    if not text:
        return False
    try:
        return bidi.get_base_level(text) == 1
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape): the Rust side takes UTF-8 only
        return bidi.get_base_level(text.encode("utf-8", "replace").decode("utf-8")) == 1


def paragraph_is_rtl(paragraph: str, rtl_article: bool) -> bool:
    """Whether a paragraph is right-aligned and laid out right to left.

    In an RTL article every paragraph is, except one without any RTL character that has
    letters (an English quote, a URL); elsewhere a paragraph whose first strong character
    (within its first 200) is RTL is.
    """
    if rtl_article:
        return has_rtl(paragraph) or _LETTER.search(paragraph) is None
    return first_strong_is_rtl(paragraph[:200])


def has_rtl(text: str) -> bool:
    """True when ``text`` contains any right-to-left character (so it needs reordering)."""
    return _RTL_CHAR.search(text) is not None


def embedding_levels(line: str, rtl: bool) -> list[int]:
    """Resolved embedding level of each character of one display line (UAX #9 up to I2, plus L1).

    One level per character, always: odd levels are right to left. ``rtl`` sets the
    paragraph's base level (1, else 0). Text is expected display-safe (no explicit
    embeddings, overrides or isolates; ``annotations.text.display_safe``).
    """
    # The algorithm drops boundary neutrals (ZWJ, soft hyphen...) from its result (rule X9);
    # a non-spacing mark in their place takes its neighbour's level, keeping one per character.
    line = "".join("\u0300" if unicodedata.bidirectional(c) == "BN" else c for c in line)
    base = 1 if rtl else 0
    levels = _resolve_levels(line, base)
    if len(levels) != len(line):  # cannot happen with display-safe text; keep offsets safe anyway
        return [base] * len(line)
    # L1: separators, and whitespace before them or at the end of the line, take the base level.
    reset = True
    for i in range(len(line) - 1, -1, -1):
        kind = unicodedata.bidirectional(line[i])
        if kind in ("B", "S"):
            levels[i] = base
            reset = True
        elif reset and kind == "WS":
            levels[i] = base
        else:
            reset = False
    return levels


def _resolve_levels(line: str, base_level: int) -> list[int]:
    """Levels after rules X1-I2 from python-bidi's Python implementation (not a public API).

    ``bidi.algorithm.get_display`` runs these same steps, then reorders and mirrors; we stop
    before reordering because we need the levels, not the string.
    """
    algorithm = bidi.algorithm
    storage = algorithm.get_empty_storage()
    storage["base_level"] = base_level
    storage["base_dir"] = "R" if base_level else "L"
    algorithm.get_embedding_levels(line, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    return [ch["level"] for ch in storage["chars"]]


def visual_order(levels: list[int]) -> list[int]:
    """Indices in visual (left-to-right screen) order for items at the given levels (rule L2).

    Kept here rather than taken from python-bidi, whose reordering returns only the string:
    the index map is what lets a cell on screen find its offset in the stored text.
    """
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    odd = [lv for lv in levels if lv % 2]
    if not odd:
        return order
    for level in range(highest, min(odd) - 1, -1):
        i = 0
        n = len(order)
        while i < n:
            if levels[order[i]] >= level:
                j = i
                while j < n and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


@lru_cache(maxsize=1024)
def mirror(char: str) -> str:
    """The mirrored glyph of a bracket-like character shown in a right-to-left run (rule L4).

    Through the public ``get_display`` of python-bidi's Python implementation (the Rust one
    does not mirror): alone in a right-to-left paragraph, a mirrored character is drawn mirrored.
    """
    if len(char) != 1 or not unicodedata.mirrored(char):
        return char
    return bidi.algorithm.get_display(char, base_dir="R")
