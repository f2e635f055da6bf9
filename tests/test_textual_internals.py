"""The private parts of Textual that Parallax relies on, each checked on the installed Textual.

Textual's upper bound is pinned in pyproject.toml; before raising it, run this file: a failure
names the internal that moved, and the module of ours that uses it.

- ``textual.widgets._footer.FooterKey`` (tui/widgets/footer.py): the key widget Footer lays
  out; not exported. Disabled keys get the ``-disabled`` class, drawn dim.
- ``Footer.bindings_changed(screen)`` (tui/widgets/footer.py): subscribed by Footer to the
  screen's bindings signal; our footer extends it to know the bindings are ready.
- ``App._handle_exception(error)`` (tui/app.py): where every uncaught exception of the app
  goes; Parallax ends on a damaged database with one line there (tests/test_damage.py).
- ``Screen._compositor_refresh()``, ``Screen._invoke_and_clear_callbacks()``,
  ``App._end_batch()``, ``App._batch_count`` and ``Screen._repaint_required``
  (tui/textual_patches.py): a frame of the top screen is not rendered while the app is in a
  batch (the app's start is one), only once it is over, and its call_after_refresh callbacks
  come after that frame.
- ``App._get_screen(screen)``, ``Screen._get_breakpoint_classes(dimension, breakpoints)``
  (tui/textual_patches.py): a screen takes its breakpoint classes before it is first styled.
- ``XTermParser._sequence_to_key_events(sequence, alt)`` (tui/textual_patches.py): a key that
  came after an escape in the same read is the escape, then that key (not alt+key).
- Tests only: ``App._driver.send_message`` (keys sent in one burst, tests/test_app_focus.py)
  and ``Screen._compositor.render_strips()`` (the screen's text, tests/app_helpers.py).
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from app_helpers import app_on, screen_text, settle
from textual.app import App
from textual.screen import Screen
from textual.widgets import Footer

pytest_plugins = ["app_fixtures"]  # seeded_db


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_footer_key_is_where_the_footer_expects_it_and_a_disabled_one_is_dim():
    from textual.widgets._footer import FooterKey

    assert parameters(FooterKey.__init__)[:5] == ["self", "key", "key_display", "description", "action"]
    assert {"disabled", "tooltip", "classes"} <= set(parameters(FooterKey.__init__))
    assert FooterKey("a", "a", "Accept", "accept", disabled=True).has_class("-disabled")
    assert not FooterKey("a", "a", "Accept", "accept").has_class("-disabled")
    assert "-disabled" in FooterKey.DEFAULT_CSS and "dim" in FooterKey.DEFAULT_CSS


def test_footer_tells_of_ready_bindings_through_bindings_changed():
    assert parameters(Footer.bindings_changed) == ["self", "screen"]
    assert "bindings_changed" in inspect.getsource(Footer.on_mount)


def test_the_apps_exception_handler_is_where_the_app_overrides_it():
    assert parameters(App._handle_exception) == ["self", "error"]
    source = inspect.getsource(App)
    assert "self._handle_exception(" in source  # Textual still sends uncaught errors there


def test_the_styles_cache_patch_still_fits_the_method_it_replaces():
    """tui/textual_patches.py replaces ``StylesCache.get_inner_outer`` (Textualize/textual#6665)
    with a function of the two colours: Textual's method must still compute from them alone."""
    import textual._styles_cache as styles_cache

    import tui.app  # noqa: F401  (applies the patch)
    from tui import textual_patches

    source = inspect.getsource(styles_cache)
    method = source[source.index("def get_inner_outer"):]
    method = method[:method.index("\n    def ", 1)]
    assert "base_background: Color, background: Color" in " ".join(method.split())
    assert "self." not in method and "cls." not in method  # reads nothing but the colours
    assert styles_cache.StylesCache.get_inner_outer is textual_patches._get_inner_outer


async def test_what_the_tests_reach_into_is_there(seeded_db):
    assert "_compositor" in inspect.getsource(Screen)
    app = app_on(seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert callable(app._driver.send_message)
        assert "HomePoliticsSecurity" in screen_text(app)  # the library lists the seeds


class _Shown(Screen):
    def compose(self):
        from textual.widgets import Static

        yield Static("the screen pushed in the batch", markup=False)


async def _push_in_a_batch(*, callback: bool) -> tuple[list[tuple[str, int]], str]:
    """Push a screen inside a batch (as the app's start builds a restored reader), optionally with
    a call_after_refresh callback; what was drawn and called (and in which batch), and the text."""
    import tui.app  # noqa: F401  (applies the patch)

    app = App()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        events: list[tuple[str, int]] = []
        with app.batch_update():
            screen = _Shown()
            original = screen._compositor.render_update

            def render_update(*args, **kwargs):
                events.append(("frame", app._batch_count))
                return original(*args, **kwargs)

            screen._compositor.render_update = render_update  # type: ignore[method-assign]
            app.push_screen(screen)
            await pilot.pause(0.2)  # the screen composes, mounts and lays out inside the batch
            if callback:
                screen.call_after_refresh(lambda: events.append(("after refresh", app._batch_count)))
                await pilot.pause(0.2)
        await asyncio.sleep(0.3)  # nothing else happens: the end of the batch alone draws it
        return events, screen_text(app)


async def test_a_screen_pushed_in_a_batch_is_rendered_once_after_it():
    """tui/textual_patches.py: Textual rendered the top screen while the app was in a batch and
    then dropped the frame (App._display), so a restored reader was drawn twice before the
    launch showed it (issue 20). The frame is rendered after the batch, and it is the new screen."""
    events, text = await _push_in_a_batch(callback=False)
    assert events and all(batch == 0 for _, batch in events), events
    assert "the screen pushed in the batch" in text


async def test_call_after_refresh_in_a_batch_waits_for_the_frame():
    """Textual ran a screen's call_after_refresh callbacks inside the batch, as if the dropped
    frame had been shown (the reader's footer keys were composed before its first frame)."""
    events, _ = await _push_in_a_batch(callback=True)
    assert events and events[0] == ("frame", 0), events
    assert all(batch == 0 for _, batch in events) and ("after refresh", 0) in events, events


class _Breakpoints(App):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]


class _Recorded(Screen):
    def compose(self):
        self.app.composed_with = set(self.classes)  # type: ignore[attr-defined]
        return iter(())


@pytest.mark.parametrize(("width", "expected"), [(160, "-wide"), (80, "-narrow")])
async def test_a_pushed_screen_has_its_breakpoint_class_before_it_is_styled(width, expected):
    """tui/textual_patches.py: Textual gave a screen its breakpoint class at its first Resize, after
    its widgets were styled without it, so every widget was styled twice (issue 20: launch)."""
    import tui.app  # noqa: F401  (applies the patch)

    app = _Breakpoints()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        app.push_screen(_Recorded())
        await pilot.pause()
        assert app.composed_with == {expected}  # type: ignore[attr-defined]
        assert app.screen.has_class(expected) and len(app.screen.classes) == 1
    assert parameters(Screen._get_breakpoint_classes) == ["self", "dimension", "breakpoints"]


@pytest.mark.parametrize(("sent", "keys"), [
    ("\x1bg", ["escape", "g"]),          # was alt+g: the escape lost
    ("\x1b ", ["escape", "space"]),      # was space alone: the escape dropped
    ("\x1b\r", ["escape", "enter"]),
    ("\x1bG", ["escape", "G"]),
    ("\x1b", ["escape"]),
    ("\x1b[A", ["up"]),                  # an escape sequence is still one key
    ("\x1bOP", ["f1"]),
    ("\x1b\x1b", ["escape", "escape"]),
])
def test_an_escape_and_the_key_after_it_in_one_read_are_both_typed(sent, keys):
    """tui/textual_patches.py: the terminal's parser met an escape and the next key in one read
    (typed fast, or queued while the machine was busy) and made them one alt key, or dropped the
    escape; now they are the two keys, in order."""
    from textual._xterm_parser import XTermParser

    import tui.app  # noqa: F401  (applies the patches)

    parser = XTermParser()
    events = [*parser.feed(sent), *parser.feed("")]
    assert [event.key for event in events] == keys
