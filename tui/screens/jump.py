"""``f``: the letters of the word the token cursor should jump to, typed at the bottom of the screen."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotations.text import display_safe

from ..keymap import JUMP_BINDINGS


class JumpDialog(ModalScreen[str | None]):
    """Type a word's first letters (any script); enter jumps (empty: the last letters again),
    escape cancels. ``count(letters)`` says how many words match, as the letters are typed."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    BINDINGS = list(JUMP_BINDINGS)

    def __init__(self, count: Callable[[str], int], last: str = "") -> None:
        super().__init__()
        self.count = count
        self.last = last

    def compose(self) -> ComposeResult:
        with Horizontal(id="jump"):
            yield Static(Content(" f find word: "), id="jump-label", markup=False)
            yield Input(id="jump-input", compact=True,
                        placeholder=display_safe(self.last) + " (enter: again)" if self.last
                        else "its first letters, any script · escape cancels")
            yield Static(Content(""), id="jump-count", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#jump-input")
    def _changed(self, event: Input.Changed) -> None:
        n = self.count(event.value) if event.value.strip() else 0
        self.query_one("#jump-count", Static).update(
            Content(f" {n} word(s)" if event.value.strip() else ""))

    @on(Input.Submitted, "#jump-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
