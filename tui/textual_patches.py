"""Fixes to Textual applied when the app is imported, each with the reason and how it was measured.

``StylesCache.get_inner_outer`` (textual 8.2.8, ``_styles_cache.py``) is an instance method
under ``functools.lru_cache(1024)``: the cache's keys hold the ``StylesCache`` itself, so up to
1,024 caches of widgets long removed stay alive with every rendered line (``Strip``) they keep
(Textualize/textual#6665, open). In Parallax every article opened replaces a pane's widgets: a
session of 1,000 decisions over 20 articles kept ~480 dead widgets' caches per 400 decisions
(22,000 FIFOCache and 3,000 Strip objects, tracemalloc; tests/bench/fig_session.py). The
colours are all the method reads, so the cache here is on them alone (same bound, same results).

``Screen._compositor_refresh`` (``screen.py``) renders the top screen even while the app is in a
batch (``App.batch_update``), and ``App._display`` then drops the frame: the dirty regions are
cleared all the same, so the frame after the batch is rendered again. The app's start is one
batch (Textual's ``App._process_messages``) and a restored reader is built inside it: its first
frame, the whole screen (~10 ms at 80x24), was rendered for nothing, then again one screen
update later (issue 20: launch to the restored reader). Here the screen is left marked for a
full repaint instead, and the end of a batch asks the top screen to look (its idle handler
repaints what is marked). Until that frame is drawn, the screen's ``call_after_refresh`` callbacks
wait (Textual ran them inside the batch, as if the dropped frame had been shown: the footer's
keys were composed before the reader's first frame, ~9 ms of it).

``Screen._on_resize`` gives a screen its breakpoint classes (``HORIZONTAL_BREAKPOINTS``: the
reader's ``-wide``/``-narrow``) at its first Resize, after it and its widgets were styled
without them, so all were styled again: the launch styled every screen twice (~2 ms of a
restored launch, issue 20). A screen about to be registered (``App._get_screen``) takes the
classes for the app's size first; the Resize then finds them already set.

``XTermParser._sequence_to_key_events(sequence, alt)`` (``_xterm_parser.py``): an escape and the
key after it that reach the app in one read (typed quickly, pasted, or queued while the machine
was busy: seen in tmux with a CI run beside the app) were one key, ``alt+g`` (nothing: Parallax
binds no alt key), or for a non-alphanumeric key such as space that key with the escape dropped.
The escape was lost without a word. Here they are the two keys typed, in order. A terminal that
tells Alt apart (the kitty keyboard protocol) still sends alt keys as such; they do not come here.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from weakref import WeakSet

from textual import events
from textual._styles_cache import StylesCache
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.color import Color
from textual.screen import Screen
from textual.style import Style
from textual.widget import AwaitMount


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


_screen_compositor_refresh = Screen._compositor_refresh
_screen_invoke_and_clear_callbacks = Screen._invoke_and_clear_callbacks
_held: WeakSet[Screen] = WeakSet()  # top screens whose frame a batch held back
_app_end_batch = App._end_batch
_app_get_screen = App._get_screen


def _compositor_refresh(self: Screen) -> None:
    app = self.app
    if app._batch_count and not app.is_inline and self is app.screen:
        self._repaint_required = True  # rendered (whole) once the batch is over: see _end_batch
        _held.add(self)
        return
    _screen_compositor_refresh(self)
    if self is app.screen:
        _held.discard(self)  # drawn: its call_after_refresh callbacks run at its next idle


async def _invoke_and_clear_callbacks(self: Screen) -> None:
    if self in _held:
        return  # "after refresh" is after the frame the batch held back (_compositor_refresh)
    await _screen_invoke_and_clear_callbacks(self)


def _end_batch(self: App) -> None:
    _app_end_batch(self)
    if not self._batch_count and self._screen_stack:
        self.screen.check_idle()  # a screen marked while the batch lasted repaints now


def _breakpoint_classes(screen: Screen, width: int, height: int) -> dict[str, bool]:
    """The classes ``Screen._on_resize`` gives ``screen`` at this size (added and removed)."""
    app = screen.app
    horizontal = (app.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is None
                  else screen.HORIZONTAL_BREAKPOINTS) or []
    vertical = (app.VERTICAL_BREAKPOINTS if screen.VERTICAL_BREAKPOINTS is None
                else screen.VERTICAL_BREAKPOINTS) or []
    classes = {name: False for _, name in [*horizontal, *vertical]}
    for name in [*screen._get_breakpoint_classes(width, horizontal),
                 *screen._get_breakpoint_classes(height, vertical)]:
        classes[name] = True
    return classes


def _get_screen(self: App, screen: Screen | str) -> tuple[Screen, AwaitMount]:
    target = self.get_screen(screen)
    width, height = self.size
    if not target.is_running and width and height:
        # styled once, with them, instead of again (all its widgets) at its first Resize
        target.update_classes(_breakpoint_classes(target, width, height), update=False)
    return _app_get_screen(self, target)


_parser_sequence_to_key_events = XTermParser._sequence_to_key_events


def _sequence_to_key_events(self: XTermParser, sequence: str, alt: bool = False) -> Iterator[events.Key]:
    """One character that came after an escape in the same read: the escape, then that key."""
    if alt and len(sequence) == 1:
        yield events.Key("escape", "\x1b")
        alt = False
    yield from _parser_sequence_to_key_events(self, sequence, alt)


def apply() -> None:
    """Replace the method only while it is still the cached one (a fixed Textual is left alone);
    defer the frames of a batch (once)."""
    if hasattr(StylesCache.get_inner_outer, "cache_info"):
        StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]
    if Screen._compositor_refresh is _screen_compositor_refresh:
        Screen._compositor_refresh = _compositor_refresh  # type: ignore[method-assign]
        Screen._invoke_and_clear_callbacks = _invoke_and_clear_callbacks  # type: ignore[method-assign]
        App._end_batch = _end_batch  # type: ignore[method-assign]
        App._get_screen = _get_screen  # type: ignore[method-assign]
    if XTermParser._sequence_to_key_events is _parser_sequence_to_key_events:
        XTermParser._sequence_to_key_events = _sequence_to_key_events  # type: ignore[method-assign]
