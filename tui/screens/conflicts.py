"""The conflicts view (C): inconsistencies across the corpus, walked and resolved from the keyboard.

The list is :func:`annotations.conflicts.find_conflicts` for the annotator, read in a
thread; the places of the highlighted conflict are read when it is first highlighted (a
corpus can have hundreds of conflicts, each with thousands of mentions). Each resolution is
an ordinary decision written through the app's DecisionRunner
(one bulk decision: one undo step, in the background with its progress shown), and ``u``
takes it back: 1-9 give every mention of the conflict that label (an entity takes it too),
``x`` rejects them all, ``e`` links every mention of close names to one entity, ``i`` says it
is no conflict. ``enter`` goes to the conflict's places in the reader, one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotations.conflicts import Conflict, Place, conflict_places, find_conflicts
from annotations.model import every_words
from annotations.store import BulkDecision, BulkResult, BulkTarget, Store, UndoResult
from annotations.text import display_safe

from ..bidi import resolve_mode
from ..keymap import CONFLICTS_BINDINGS
from ..messages import ArticlesChanged
from ..widgets.article_list import visual_title
from ..widgets.footer import ParallaxFooter
from ..widgets.status_bar import StatusBar
from ..writes import BulkDecide, DismissConflict, Redo, Undo
from .dialogs import PickerDialog
from .propagate import bulk_status
from .reader import ReaderScreen

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

PLACES = 8
TAGS = {"surface": "form", "entity": "entity", "names": "names", "decision": "label"}


class ConflictsScreen(Screen):
    """Every conflict in the annotator's view, biggest first, with its places."""

    CSS_PATH = "../conflicts.tcss"  # read when first shown, not at launch (issue 20)

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(CONFLICTS_BINDINGS)

    @dataclass
    class Found(Message):
        conflicts: list[Conflict]
        token: int

    @dataclass
    class PlacesFound(Message):
        key: str
        places: list[Place]
        token: int

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[Conflict] = []
        self._token = 0
        self._visits: dict[str, int] = {}  # conflict key -> the place enter goes to next
        self._places: dict[str, list[Place]] = {}  # conflict key -> its places, read on first highlight
        self._go_when_found: str | None = None  # enter came before the conflict's places

    def compose(self) -> ComposeResult:
        yield Static(Content("Conflicts: finding them…"), id="conflicts-title", markup=False)
        yield OptionList(id="conflict-list")
        yield Static(Content(""), id="conflict-places", markup=False)
        yield StatusBar()
        yield ParallaxFooter(compact=True)

    def on_screen_resume(self) -> None:
        """Shown (again): the conflicts are found anew, decisions made meanwhile included."""
        self.query_one(OptionList).focus()
        self.reload()

    # -- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        self._token += 1
        self._find(self._token)

    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def _find(self, token: int) -> None:
        app = self.app
        with Store(app.db_path, annotator=app.store.annotator, config=app.store.config,
                   readonly=True) as store:
            found = find_conflicts(store, places=0)
        self.post_message(self.Found(found, token))

    @work(thread=True, exclusive=True, group="conflict-places", exit_on_error=False)
    def _find_places(self, conflict: Conflict, token: int) -> None:
        app = self.app
        with Store(app.db_path, annotator=app.store.annotator, config=app.store.config,
                   readonly=True) as store:
            places = conflict_places(store, conflict, PLACES)
        self.post_message(self.PlacesFound(conflict.key, places, token))

    @on(PlacesFound)
    async def _places_found(self, message: PlacesFound) -> None:
        if message.token != self._token:
            return
        self._places[message.key] = message.places
        current = self.current
        if current is not None and current.key == message.key:
            self._show_places()
            if self._go_when_found == message.key:
                await self.action_go()

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.token != self._token:
            return
        option_list = self.query_one(OptionList)
        # Stay on the conflict highlighted now; where it was resolved, on the one that took its place.
        was, index = self.current, option_list.highlighted or 0
        self.conflicts = message.conflicts
        self._places.clear()
        option_list.clear_options()
        option_list.add_options([self._option(c) for c in self.conflicts])
        keys = [c.key for c in self.conflicts]
        if was is not None and was.key in keys:
            index = keys.index(was.key)
        option_list.highlighted = min(index, len(keys) - 1) if keys else None
        who = display_safe(self.app.store.annotator)
        self.query_one("#conflicts-title", Static).update(Content(
            f"Conflicts in {who}'s view: {len(self.conflicts)} · enter go there · 1-9 label all · "
            "x reject all · e one entity · i not a conflict · u undo"))
        self._show_places()

    def _text(self, text: str, width: int) -> str:
        return visual_title(text, width, reorder=resolve_mode(self.app.bidi))

    def _option(self, conflict: Conflict) -> Option:
        width = max(self.size.width - 12, 30)
        return Option(Content.assemble((f"{TAGS[conflict.kind]:>6} ", "bold"),
                                       self._text(conflict.summary, width)), id=conflict.key)

    @property
    def current(self) -> Conflict | None:
        index = self.query_one(OptionList).highlighted if self.is_mounted else None
        return self.conflicts[index] if index is not None and index < len(self.conflicts) else None

    @property
    def current_places(self) -> list[Place] | None:
        """The highlighted conflict's places, or None while they are being read."""
        conflict = self.current
        return None if conflict is None else self._places.get(conflict.key)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_places()

    @on(OptionList.OptionSelected)
    async def _selected(self) -> None:
        await self.action_go()

    def _show_places(self) -> None:
        conflict = self.current
        if conflict is None:
            text = "no conflict in this view" if self.conflicts == [] else ""
            self.query_one("#conflict-places", Static).update(Content(text))
            return
        places = self.current_places
        if places is None:
            self.query_one("#conflict-places", Static).update(Content("finding its places…"))
            self._find_places(conflict, self._token)
            return
        width = max(self.size.width - 4, 30)
        lines = [f"{p.label:<7} {p.status:<9} #{p.article_id} {p.lang} '{self._text(p.text, 24)}' "
                 f"{self._text(p.title, max(width - 50, 10))}" for p in places]
        if conflict.entity:
            label = conflict.entity_label or "no label"
            lines.insert(0, f"entity {self._text(conflict.entity, 40)}: {label}")
        more = conflict.mentions - len(places)
        if more > 0:
            lines.append(f"… {more:,} more mention(s)")
        self.query_one("#conflict-places", Static).update(Content("\n".join(lines)))

    # -- keys -----------------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        option_list.action_cursor_down() if step > 0 else option_list.action_cursor_up()

    async def action_go(self) -> None:
        """Open the conflict's next place in the reader (the cursor on it)."""
        conflict = self.current
        self._go_when_found = None
        if conflict is None:
            return
        places = self._places.get(conflict.key)
        if places is None:  # still being read: go there once they are
            self._go_when_found = conflict.key
            return
        if not places:
            return
        index = self._visits.get(conflict.key, 0) % len(places)
        self._visits[conflict.key] = index + 1
        place = places[index]
        reader = next((s for s in self.app.screen_stack if isinstance(s, ReaderScreen)), None)
        self.app.pop_screen()
        if reader is not None and self.app.screen is reader:
            await reader.go_to_mention(place.article_id, place.start, place.end)
        else:
            self.app.open_articles([place.article_id], state={
                "panes": [{"article": place.article_id, "span": [place.start, place.end]}], "active": 0})
        self.app.set_status(f"place {index + 1} of {len(places)} of: "
                            f"{display_safe(conflict.summary)} · C back to the conflicts")

    def _target(self, conflict: Conflict) -> BulkTarget:
        if conflict.kind in ("entity", "decision"):
            return BulkTarget(entity_id=conflict.entity_id)
        return BulkTarget(forms=conflict.forms)

    def action_label_number(self, number: int) -> None:
        conflict = self.current
        labels = self.app.store.labels.names()
        if conflict is None or number > len(labels):
            return
        label = labels[number - 1]
        # "every 'Sahel'" (a form) as its undo says it; "every mention of Avril Haines" (an entity)
        mentions = f"mention of {conflict.entity}" if conflict.entity else conflict.summary.split(':')[0]
        self._resolve(conflict, BulkDecision("label", label=label),
                      every_words("label", mentions, label=label))

    def action_reject_all(self) -> None:
        conflict = self.current
        if conflict is not None:
            what = every_words("reject", f"mention of {conflict.summary}")
            self._resolve(conflict, BulkDecision("reject"), what)

    def action_link(self) -> None:
        conflict = self.current
        if conflict is None or conflict.kind not in ("names", "surface"):
            self.app.set_status("e links close names (or one form) to one entity: choose such a conflict")
            return
        samples = [self.app.store.entities.form_sample(f) for f in conflict.forms]
        names = samples + [e["name"] for e in self.app.store.entities.all() if e["name"] not in samples]

        def picked(name: str | None) -> None:
            if name:
                entity = next((e["id"] for e in self.app.store.entities.all() if e["name"] == name), None)
                decision = BulkDecision("link", entity_id=entity) if entity else BulkDecision(
                    "link", entity_name=name)
                what = every_words("link", " / ".join(samples), entity=name)
                self._resolve(conflict, decision, display_safe(what))

        self.app.push_screen(PickerDialog("One entity for all of them (a new name creates it)", names,
                                          value=samples[0], hint="enter links every mention of these names"),
                             picked)

    def _resolve(self, conflict: Conflict, decision: BulkDecision, what: str) -> None:
        target = self._target(conflict)

        def saved(result: BulkResult, late: bool) -> None:
            self.app.set_status(bulk_status(what, result))
            self.app.post_message_to_screens(ArticlesChanged(result.article_ids))
            self.reload()

        self.app.decisions.submit(what, BulkDecide(target, decision, what), saved, background=True)

    def action_dismiss_conflict(self) -> None:
        conflict = self.current
        if conflict is None:
            return
        what = f"not a conflict: {conflict.summary}"

        def saved(_: object, late: bool) -> None:
            self.app.set_status(f"saved: {display_safe(what)} (u undoes)")
            self.reload()

        self.app.decisions.submit(what, DismissConflict(conflict.kind, conflict.key), saved)

    def action_undo(self) -> None:
        self._step("undo")

    def action_redo(self) -> None:
        self._step("redo")

    def _step(self, what: str) -> None:
        def saved(result: UndoResult | None, late: bool) -> None:
            if result is None:
                self.app.set_status(f"nothing to {what}")
                return
            self.app.set_status(f"saved: {what} {display_safe(result.what)}")
            self.app.post_message_to_screens(ArticlesChanged(result.article_ids))
            self.reload()

        self.app.decisions.submit(what, Undo() if what == "undo" else Redo(), saved, background=True)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(ArticlesChanged)
    def _changed(self) -> None:
        pass  # this screen reloads after its own decisions; a reload per suggestion batch would churn
