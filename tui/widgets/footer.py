"""The footer: Textual's, but made to fit the terminal's width.

Textual's Footer lays every key out in a row and lets the ones past the edge drop off:
at 60 columns the app's own keys, which come last (q Quit, ? Help), were the ones lost,
and the command-palette key, docked over the row, left a character of the key beneath it
showing through its margin (``^p palettei``). Here the keys are chosen before they are
laid out: q and ? always stay, then the screen's keys in order while they fit, then the
palette key if there is room for it. A key whose action the screen's ``check_action``
disables (None: greyed out, such as the reader's write keys when nothing may be written) is
drawn dim by Textual's FooterKey (its ``-disabled`` class).

Textual internals used here (pinned in pyproject.toml, checked by tests/test_textual_internals.py):
``textual.widgets._footer.FooterKey``, the key widget Footer lays out (not exported); and
``Footer.bindings_changed(screen)``, which Footer subscribes to the screen's bindings signal
and which this footer extends to know that the screen's bindings are ready.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ESSENTIAL = frozenset({"app.quit", "app.help"})  # binding ids that stay at any width
_PALETTE_CELLS = 12  # the palette key: its border, key, description, padding (and margin)


class ParallaxFooter(Footer):
    """The keys that fit the width, q and ? always among them (the app has no binding groups)."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self._composed_width = 0
        self._keys_known = False  # the screen's bindings are ready to be shown

    def bindings_changed(self, screen: Screen) -> None:
        self._keys_known = True
        super().bindings_changed(screen)

    def _cells(self, key_display: str, description: str) -> int:
        """Columns a key takes in a row (Footer's CSS: padding, or a margin when compact)."""
        return cell_len(key_display) + cell_len(description) + (2 if self.compact else 3)

    def compose(self) -> ComposeResult:
        if not self._keys_known:
            return
        width = self._composed_width = self.app.size.width
        active = self.screen.active_bindings
        first: dict[str, tuple] = {}  # one key per action, the first, as Footer shows them
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                first.setdefault(binding.action, (binding, enabled, tooltip))
        keys = [(binding, enabled, tooltip,
                 self._cells(self.app.get_key_display(binding), binding.description))
                for binding, enabled, tooltip in first.values()]
        essential = [k for k in keys if k[0].id in ESSENTIAL]
        room = width + (1 if self.compact else 0)  # the last key's margin may lie under the palette
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if (
            self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE) else None
        if palette is not None and sum(k[3] for k in essential) + _PALETTE_CELLS <= room:
            room -= _PALETTE_CELLS
        else:
            palette = None
        room -= sum(k[3] for k in essential)
        chosen = []
        for key in keys:
            if key[0].id in ESSENTIAL:
                continue
            if key[3] > room:
                break  # the screen's keys come in order of use: a later one never jumps a dropped one
            chosen.append(key)
            room -= key[3]
        for binding, enabled, tooltip, _ in chosen + essential:
            widget = FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                               binding.action, disabled=not enabled, tooltip=tooltip)
            # Set, not data_bind(compact=...): a binding is a watcher kept on this footer for
            # good, holding its key widget, so every recompose (each article opened) leaked them.
            widget.compact = self.compact
            yield widget
        if palette is not None:
            _, binding, enabled, tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                            binding.action, classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)

    def on_resize(self, event: events.Resize) -> None:
        if self._keys_known and self.app.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)
