"""Fixes to Textual applied when the app is imported, each with the reason and how it was measured.

``StylesCache.get_inner_outer`` (textual 8.2.8, ``_styles_cache.py``) is an instance method
under ``functools.lru_cache(1024)``: the cache's keys hold the ``StylesCache`` itself, so up to
1,024 caches of widgets long removed stay alive with every rendered line (``Strip``) they keep
(Textualize/textual#6665, open). In Parallax every article opened replaces a pane's widgets: a
session of 1,000 decisions over 20 articles kept ~480 dead widgets' caches per 400 decisions
(22,000 FIFOCache and 3,000 Strip objects, tracemalloc; tests/bench/fig_session.py). The
colours are all the method reads, so the cache here is on them alone (same bound, same results).
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def apply() -> None:
    """Replace the method only while it is still the cached one (a fixed Textual is left alone)."""
    if hasattr(StylesCache.get_inner_outer, "cache_info"):
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]
