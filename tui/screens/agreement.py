"""The agreement view: the figures of ``parallax agreement``, computed in a thread worker.

The report is the CLI's own text (:func:`annotations.agreement.render.render_agreement`),
shown as plain Content in a scrolling panel, so the app and the command never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from annotations.agreement import AgreementError, compute_agreement
from annotations.agreement.render import render_agreement
from annotations.store import Store, StoreError
from annotations.text import display_safe

from ..keymap import AGREEMENT_BINDINGS
from ..widgets.footer import ParallaxFooter
from ..widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp


class AgreementScreen(Screen):
    """Every pair's span and token agreement over the articles both finished."""

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(AGREEMENT_BINDINGS)
    DEFAULT_CSS = """
    AgreementScreen #agreement-body { height: 1fr; }
    AgreementScreen #agreement-text { width: auto; }
    """

    @dataclass
    class Computed(Message):
        """The worker's answer: the report's lines, or why there is none."""

        lines: list[str]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="agreement-body"):
            yield Static(Content("computing agreement…"), id="agreement-text", markup=False)
        yield StatusBar()
        yield ParallaxFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#agreement-body").focus()
        self.action_recompute()

    def action_recompute(self) -> None:
        self.query_one("#agreement-text", Static).update(Content("computing agreement…"))
        self.compute(self.app.db_path)

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False)
    def compute(self, path: str) -> None:
        """Tokenizing every done article takes a while on a big corpus: a thread, its own Store."""
        try:
            with Store(path, readonly=True) as store:
                lines = render_agreement(compute_agreement(store))
        except (AgreementError, StoreError) as exc:
            lines = [f"no agreement figures: {exc}"]
        self.post_message(self.Computed(lines))

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        text = "\n".join(display_safe(line) for line in message.lines)
        self.query_one("#agreement-text", Static).update(Content(text))

    def action_back(self) -> None:
        self.app.pop_screen()


def open_agreement(app) -> None:
    """Show the agreement view (from the review screen's key or the command palette)."""
    if not isinstance(app.screen, AgreementScreen):
        app.push_screen(AgreementScreen())
