"""The one-line status bar: the last thing saved or said on the left, background work on the right."""

from __future__ import annotations

from weakref import WeakSet

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from annotations.text import display_safe


class StatusBar(Horizontal):
    """Shows app.status and app.background; the app pushes updates into every StatusBar."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    StatusBar > #status-message { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar > #status-background { width: auto; max-width: 50%; height: 1; text-wrap: nowrap;
                                       text-overflow: ellipsis; color: $text-muted; }
    """

    _shown: tuple[str, str] | None = None
    # Every bar on a screen now: the app updates them on each status without a DOM query
    # (querying every screen for its bar cost ~1 ms of each key).
    mounted: WeakSet[StatusBar] = WeakSet()

    def compose(self) -> ComposeResult:
        yield Static(id="status-message", markup=False)
        yield Static(id="status-background", markup=False)

    def on_unmount(self) -> None:
        StatusBar.mounted.discard(self)

    def on_mount(self) -> None:
        StatusBar.mounted.add(self)
        app = self.owner = self.app
        self.show(getattr(app, "status", ""), getattr(app, "background", ""))

    def show(self, message: str, background: str) -> None:
        """Both texts may contain article text: shown as plain, display-safe Content.

        The message's size is fixed (one line, the free width), so changing it only repaints
        the bar; the background text sizes itself, so it gets a layout pass when it changes.
        """
        shown = (message, background)
        if shown == self._shown:
            return
        before, self._shown = self._shown, shown
        self.query_one("#status-message", Static).update(
            Content(display_safe(" ".join(message.split()))), layout=False)
        if before is None or before[1] != background:
            self.query_one("#status-background", Static).update(
                Content(display_safe(" ".join(background.split())) + (" " if background else "")))
