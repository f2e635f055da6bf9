"""Right-to-left support for the article view: paragraph direction, bidi mode, visual order.

Textual has no bidi support and terminals differ (some reorder Arabic themselves, xterm does
not), so reordering is switchable. Levels come from python-bidi's reference algorithm; we
reorder ourselves (UAX #9 rules L1-L2) so that every visual cell keeps its logical offset.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Literal

from bidi.algorithm import (
    explicit_embed_and_overrides,
    get_embedding_levels,
    get_empty_storage,
    resolve_implicit_levels,
    resolve_neutral_types,
    resolve_weak_types,
)
from bidi.mirror import MIRRORED

BidiMode = Literal["auto", "on", "off"]
BIDI_MODES: tuple[str, ...] = ("auto", "on", "off")
ENV_VAR = "PARALLAX_BIDI"

_LETTER = re.compile(r"[^\W\d_]")
_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def resolve_mode(mode: str) -> bool:
    """True when the view must reorder RTL text itself.

    ``"on"``/``"off"`` are explicit; ``"auto"`` reorders unless the environment variable
    PARALLAX_BIDI is ``off`` (for terminals such as mlterm or Konsole that reorder themselves).
    """
    if mode not in BIDI_MODES:
        raise ValueError(f"bidi mode must be one of {', '.join(BIDI_MODES)}, not {mode!r}")
    if mode == "auto":
        return os.environ.get(ENV_VAR, "on").strip().lower() not in ("off", "0", "no", "false")
    return mode == "on"


def first_strong_is_rtl(text: str) -> bool:
    """True when the first letter of ``text`` is right-to-left (Hebrew, Arabic, ...)."""
    match = _LETTER.search(text)
    return match is not None and unicodedata.bidirectional(match.group()) in ("R", "AL")


def paragraph_is_rtl(paragraph: str, rtl_article: bool) -> bool:
    """Whether a paragraph is right-aligned and laid out right to left.

    In an RTL article every paragraph is, except one without any RTL character that has
    letters (an English quote, a URL); elsewhere a paragraph whose first letter is RTL is.
    """
    if rtl_article:
        return has_rtl(paragraph) or _LETTER.search(paragraph) is None
    return first_strong_is_rtl(paragraph[:200])


def has_rtl(text: str) -> bool:
    """True when ``text`` contains any right-to-left character (so it needs reordering)."""
    return _RTL_CHAR.search(text) is not None


def embedding_levels(line: str, rtl: bool) -> list[int]:
    """Resolved embedding level of each character of one display line (rules up to I2, plus L1)."""
    # The reference algorithm drops boundary neutrals (ZWJ, soft hyphen...) from its result
    # (rule X9); a non-spacing mark in their place takes its neighbour's level and keeps
    # one level per character.
    line = "".join("\u0300" if unicodedata.bidirectional(c) == "BN" else c for c in line)
    storage = get_empty_storage()
    base = 1 if rtl else 0
    storage["base_level"] = base
    storage["base_dir"] = "R" if rtl else "L"
    get_embedding_levels(line, storage)
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage)
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    chars = storage["chars"]
    levels = [ch["level"] for ch in chars]
    if len(levels) != len(line):  # cannot happen with display-safe text; keep offsets safe anyway
        return [base] * len(line)
    # L1: separators and the whitespace before them or at the end of the line take the base level.
    reset = True
    for i in range(len(chars) - 1, -1, -1):
        kind = chars[i]["orig"]
        if kind in ("B", "S"):
            levels[i] = base
            reset = True
        elif reset and kind in ("WS", "BN"):
            levels[i] = base
        else:
            reset = False
    return levels


def visual_order(levels: list[int]) -> list[int]:
    """Indices in visual (left-to-right screen) order for items at the given levels (rule L2)."""
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


def mirror(char: str) -> str:
    """The mirrored glyph of a bracket-like character shown in a right-to-left run (rule L4)."""
    return MIRRORED.get(char, char)
