"""Modal dialogs returning a value through ``dismiss``: pickers, help and confirm.

:class:`PickerDialog` is one fuzzy-search picker (rapidfuzz) used for labels,
tags and entities: type to filter, up/down to choose, enter to take the
highlighted choice (or the typed text, when new values are allowed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from annotations.text import display_safe

from ..keymap import (
    APP_BINDINGS,
    CONFLICTS_BINDINGS,
    ENTITY_PANEL_BINDINGS,
    HELP_TEXT,
    LIBRARY_BINDINGS,
    LIBRARY_LIST_KEYS,
    READER_BINDINGS,
    REVIEW_BINDINGS,
    display_keys,
)

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

MAX_CHOICES = 50
MORE_HELP = [("Entity panel (E)", ENTITY_PANEL_BINDINGS), ("Conflicts (C)", CONFLICTS_BINDINGS)]
GOOD_MATCH = 70  # a best match scoring this is highlighted rather than "add a new value"
NEW_PREFIX = "\x00new:"  # option ids for a typed value that is not among the choices


def rank(query: str, choices: Sequence[str], limit: int = MAX_CHOICES) -> list[tuple[str, float]]:
    """Choices matching ``query`` best first (all of them, in order, for an empty query)."""
    if not query.strip():
        return [(c, 100.0) for c in choices[:limit]]
    from rapidfuzz import fuzz, process, utils  # on the first typed letter, not at launch

    found = process.extract(query, choices, scorer=fuzz.WRatio, processor=utils.default_process,
                            limit=limit, score_cutoff=45)
    folded = query.strip().casefold()
    # What the user is typing the start of comes first ("o" -> ORG before PERSON).
    found.sort(key=lambda hit: (not hit[0].casefold().startswith(folded), -hit[1]))
    return [(choice, 100.0 if choice.casefold().startswith(folded) else score) for choice, score, _ in found]


class PickerDialog(ModalScreen[str | None]):
    """Pick one of ``choices`` by fuzzy search, or type a new value if ``validate`` accepts it."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Down", show=False, priority=True),
        Binding("up", "move(-1)", "Up", show=False, priority=True),
    ]

    def __init__(self, title: str, choices: Sequence[str], *, value: str = "",
                 default: str | None = None, allow_new: bool = True,
                 validate: Callable[[str], str | None] | None = None, hint: str = "",
                 removable: Sequence[str] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = title
        self.choices = list(dict.fromkeys(choices))
        if default is not None and default in self.choices:
            self.choices.remove(default)
            self.choices.insert(0, default)
        self.value = value
        self.allow_new = allow_new
        self.validate = validate  # returns an error message, or None when the value is fine
        self.hint = hint
        self.removable = list(removable)  # typing "-name" offers these, returned as "-name"

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Static(Content(display_safe(self.title_text)), id="picker-title", markup=False)
            yield Input(value=self.value, id="picker-input",
                        suggester=SuggestFromList(self.choices, case_sensitive=False))
            yield OptionList(id="picker-options")
            yield Static(Content(self.hint), id="picker-hint", markup=False)

    def on_mount(self) -> None:
        self._refill(self.value)
        self.query_one(Input).focus()

    @on(Input.Changed, "#picker-input")
    def _changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    def _refill(self, query: str) -> None:
        typed = " ".join(query.split())
        if typed.startswith("-") and self.removable:
            self._refill_removal(typed[1:].strip())
            return
        ranked = rank(typed, self.choices)
        exact = any(c.casefold() == typed.casefold() for c in self.choices)
        shown = [c for c, _ in ranked]
        if exact:
            shown.sort(key=lambda c: c.casefold() != typed.casefold())
        options = [Option(Content(display_safe(c)), id=f"choice:{i}") for i, c in enumerate(shown)]
        new_at = None
        if typed and self.allow_new and not exact:
            # After every match, so that an arrow key from a match never lands on a new value.
            problem = self.validate(typed) if self.validate else None
            if problem is None:
                new_at = len(options)
                options.append(Option(Content(f"+ new: {display_safe(typed)}"), id=NEW_PREFIX + typed))
            else:
                options.append(Option(Content(f"✗ {problem}"), id=None, disabled=True))
        self._shown = shown
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        # Enter takes the best match when it is a good one, else the new value (a new name
        # typed in full is added), else the first choice.
        good = exact or (ranked and ranked[0][1] >= GOOD_MATCH)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        option_list.highlighted = new_at if new_at is not None and not good else first

    def _refill_removal(self, typed: str) -> None:
        self._shown = ["-" + c for c, _ in rank(typed, self.removable)]
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(Option(Content(f"remove: {display_safe(value[1:])}"), id=f"choice:{i}")
                                for i, value in enumerate(self._shown))
        option_list.highlighted = 0 if self._shown else None

    def _value_of(self, option: Option) -> str | None:
        if option.id is None:
            return None
        if option.id.startswith(NEW_PREFIX):
            return option.id[len(NEW_PREFIX):]
        return self._shown[int(option.id.split(":", 1)[1])]

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        if step > 0:
            option_list.action_cursor_down()
        else:
            option_list.action_cursor_up()

    @on(Input.Submitted, "#picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            value = self._value_of(option_list.get_option_at_index(option_list.highlighted))
            if value is not None:
                self.dismiss(value)
                return
        typed = " ".join(event.value.split())
        if typed and self.allow_new and (self.validate is None or self.validate(typed) is None):
            self.dismiss(typed)
        else:
            self.app.bell()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        value = self._value_of(event.option)
        if value is not None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; y or enter says yes, n or escape says no."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static(Content(display_safe(self.question)), markup=False, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="primary", compact=True)
                yield Button("No (n)", id="no", compact=True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class UndecidedDialog(ModalScreen[str | None]):
    """Marking an article done with suggestions still undecided: accept them all (a), reject
    them all (r) or leave them undecided (l); escape cancels. Dismisses with the choice."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    BINDINGS = [Binding("a", "choose('accept')", "Accept all"),
                Binding("r", "choose('reject')", "Reject all"),
                Binding("l", "choose('leave')", "Leave undecided"),
                Binding("escape", "cancel", "Cancel")]
    CHOICES = (("accept", "a", "Accept all", "accept them all"),
               ("reject", "r", "Reject all", "reject them all: not entities"),
               ("leave", "l", "Leave", "leave them undecided: unknown in exports"))

    def __init__(self, pending: int) -> None:
        super().__init__()
        self.pending = pending

    def compose(self) -> ComposeResult:
        with Vertical(id="undecided", classes="dialog"):
            yield Static(Content(f"{self.pending} suggestion(s) in this article are still undecided.\n"
                                 "Mark it done and:"), markup=False, id="undecided-question")
            yield Static(Content("\n").join(Content.assemble((f" {key} ", "bold reverse"), f" {text}")
                                            for _, key, _, text in self.CHOICES),
                         markup=False, id="undecided-choices")
            with Horizontal(id="undecided-buttons"):
                for choice, key, button, _ in self.CHOICES:
                    yield Button(f"{button} ({key})", id=choice, compact=True,
                                 variant="primary" if choice == "accept" else "default")
            yield Static(Content("escape cancels · then one u undoes the choice and the status"),
                         markup=False, id="undecided-hint")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every binding with the keys it answers to now (after [keys] remapping)."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static(Content("Keys (escape closes; remap by id in parallax.toml [keys])"),
                         id="help-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static(self._table(), markup=False, id="help-table")

    def _table(self) -> Content:
        keymap = self.app.remapped_keys
        def rows(bindings: Sequence[Binding]) -> list[tuple[str, str, str]]:
            return [(b.id or "", b.key, b.description) for b in bindings]

        sections = [
            ("Everywhere", rows(APP_BINDINGS)
             + [("ctrl+p", "ctrl+p", "Command palette: actions, labels, articles")]),
            ("Library", rows(LIBRARY_BINDINGS) + LIBRARY_LIST_KEYS),
            ("Reader", rows(READER_BINDINGS)),
            ("Review", rows(REVIEW_BINDINGS)),
            *[(title, rows(bindings)) for title, bindings in MORE_HELP],
        ]
        lines: list[Content] = []
        for title, section in sections:
            lines.append(Content.styled(title, "bold underline"))
            for binding_id, keys, description in section:
                shown = display_keys(keymap.get(binding_id, keys))
                text = HELP_TEXT.get(binding_id, description)
                lines.append(Content.assemble((f"{shown:>14} ", "bold"), text, ("  " + binding_id, "dim")))
            lines.append(Content(""))
        return Content("\n").join(lines)
