"""The one-line status bar: how many decisions wait for the database (if any), the last thing saved
or said, and background work on the right."""

from __future__ import annotations

from weakref import WeakSet

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from annotations.text import display_safe

from ..bidi import BidiMode, has_rtl, resolve_mode
from ..layout import visual_order_of


class StatusBar(Horizontal):
    """Shows app.waiting_text, app.status and app.background; the app pushes updates into every
    StatusBar."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    StatusBar > #status-waiting { width: auto; height: 1; text-wrap: nowrap; display: none;
                                    background: $warning; color: $text; text-style: bold; }
    StatusBar > #status-waiting.-shown { display: block; }
    StatusBar > #status-message { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar > #status-background { width: auto; max-width: 50%; height: 1; text-wrap: nowrap;
                                       text-overflow: ellipsis; color: $text-muted; }
    """

    _shown: tuple[str, str, str] | None = None
    # Every bar on a screen now: the app updates them on each status without a DOM query
    # (querying every screen for its bar cost ~1 ms of each key).
    mounted: WeakSet[StatusBar] = WeakSet()

    def compose(self) -> ComposeResult:
        yield Static(id="status-waiting", markup=False)
        yield Static(id="status-message", markup=False)
        yield Static(id="status-background", markup=False)

    def on_unmount(self) -> None:
        StatusBar.mounted.discard(self)

    def on_mount(self) -> None:
        StatusBar.mounted.add(self)
        app = self.owner = self.app
        self.show(getattr(app, "status", ""), getattr(app, "background", ""),
                  getattr(app, "waiting_text", ""))

    def show(self, message: str, background: str, waiting: str = "") -> None:
        """The texts may contain article text: shown as plain, display-safe Content.

        The message's size is fixed (one line, the free width), so changing it only repaints
        the bar; the background and waiting texts size themselves, so they get a layout pass
        when they change. ``waiting`` comes first, so it is never cut off.
        """
        shown = (message, background, waiting)
        if shown == self._shown:
            return
        before, self._shown = self._shown, shown
        if before is None or before[2] != waiting:
            chip = self.query_one("#status-waiting", Static)
            chip.update(Content(f" {waiting} " if waiting else ""))
            chip.set_class(bool(waiting), "-shown")
        self._show_message(message)
        if before is None or before[1] != background:
            self.query_one("#status-background", Static).update(
                Content(display_safe(" ".join(background.split())) + (" " if background else "")))
            self.call_after_refresh(self._show_message, message)  # its width changed with the text

    def on_resize(self) -> None:
        if self._shown is not None:
            self._show_message(self._shown[0])

    def _show_message(self, message: str) -> None:
        """As the panes do: when the app reorders right-to-left text, Arabic in a message reads
        right to left; the message is cut to its width first, on its logical text, so what is cut
        is its end, not the beginning of an Arabic title that visual order puts on the right."""
        label = self.query_one("#status-message", Static)
        shown = display_safe(" ".join(message.split()))
        if has_rtl(shown) and resolve_mode(getattr(self.app, "bidi", BidiMode.AUTO)) and label.size.width:
            shown = visual_order_of(Content(shown).truncate(label.size.width, ellipsis=True).plain)
        label.update(Content(shown), layout=False)
