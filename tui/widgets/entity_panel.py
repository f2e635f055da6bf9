"""The entity panel: the corpus's entities beside the reader's panes, one list for the keyboard.

Each entity shows its name, label, knowledge-base id and mention count. The chosen entity
unfolds under it: its aliases, its mentions per article (enter goes there), and the mentions
that look like it but are not linked (same folded form as an alias, a close spelling,
initials, the same Arabic form; :mod:`annotations.lookalike`), each linked with one key.
Everything is read in a thread on a Store of its own; the panel never writes (it asks the
reader, which decides through the app's DecisionRunner).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotations.candidates import Candidate, likely_entities
from annotations.store import EntitySummary, Mention, Store
from annotations.text import display_safe, fold

from ..bidi import BidiMode, resolve_mode
from ..keymap import ENTITY_PANEL_BINDINGS
from .article_list import visual_title

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

MAX_CANDIDATES = 40
PERSON_LABELS = {"PERSON", "PER"}


@dataclass
class PanelData:
    """What the panel shows: every entity, and for the chosen one its look-alike mentions."""

    entities: list[EntitySummary]
    chosen: int | None = None
    candidates: list[tuple[Mention, str]] = field(default_factory=list)  # (mention, why it looks alike)
    likely: list[tuple[Candidate, str]] = field(default_factory=list)  # not linked yet: (forms, name)


def load_panel(store: Store, chosen: int | None, forms_cache: dict) -> PanelData:
    """Read the panel's data (``forms_cache`` keeps the view's forms between loads: a corpus-wide read)."""
    entities = store.entities.summaries()
    data = PanelData(entities, chosen)
    entity = next((e for e in entities if e.id == chosen), None)
    if entity is None:
        data.chosen = None
        return data
    _read_forms(store, forms_cache)
    from annotations.lookalike import lookalikes  # rapidfuzz: in this thread, not at launch

    names = {fold(entity.name), *store.entities.alias_forms(entity.id)}
    alike = lookalikes(names, forms_cache["forms"], people=entity.label in PERSON_LABELS)
    for mention in store.entities.mentions_of_forms(alike, unlinked=True, limit=MAX_CANDIDATES):
        data.candidates.append((mention, alike.get(fold(mention.text), "look-alike")))
    return data


def _read_forms(store: Store, forms_cache: dict) -> None:
    if "counts" not in forms_cache:
        forms_cache["counts"] = store.entities.view_forms()
        forms_cache["forms"] = sorted({f.folded for f in forms_cache["counts"]})


def load_likely(store: Store, forms_cache: dict) -> list[tuple[Candidate, str]]:
    """The likely entities not linked yet, each with the name it would get (a form as written)."""
    _read_forms(store, forms_cache)
    return [(c, store.entities.form_sample(c.forms[0]))
            for c in likely_entities(forms_cache["counts"], store.entities.aliased_forms())]


class EntityPanel(Vertical):
    """Entities and their mentions; ``E`` shows, focuses and hides it (the reader's key)."""

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    DEFAULT_CSS = """
    EntityPanel {
        width: 34;
        height: 1fr;
        display: none;
        border-left: vkey $panel-lighten-2;
    }
    EntityPanel.-shown {
        display: block;
    }
    EntityPanel #entity-title {
        height: 1;
        background: $panel;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    EntityPanel:focus-within #entity-title {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    EntityPanel OptionList, EntityPanel OptionList:focus {
        height: 1fr;
        border: none;
        padding: 0;
        background: $surface;
    }
    """

    BINDINGS = list(ENTITY_PANEL_BINDINGS)

    @dataclass
    class Chosen(Message):
        """An entity was chosen (None: the choice was cleared)."""

        entity_id: int | None

    @dataclass
    class GoTo(Message):
        """Go to this place (opening its article if need be)."""

        article_id: int
        start: int
        end: int

    @dataclass
    class Link(Message):
        """Link this look-alike mention to the chosen entity."""

        mention: Mention
        entity_id: int
        name: str

    @dataclass
    class LinkLikely(Message):
        """Link every mention of a likely entity's forms to a new entity of that name."""

        candidate: Candidate
        name: str

    @dataclass
    class Leave(Message):
        """Focus back to the panes (the panel stays shown)."""

    @dataclass
    class Loaded(Message):
        data: PanelData
        token: int

    def __init__(self, *, id: str | None = "entity-panel") -> None:
        super().__init__(id=id)
        self.data = PanelData([])
        self._token = 0
        self._rows: dict[str, object] = {}
        self._forms: dict = {}

    def compose(self) -> ComposeResult:
        return iter(())  # built when first shown (open): styling them cost a launch ~8 ms (issue 20)

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def open(self) -> None:
        """Show the panel; its title and list are built the first time."""
        if not self.children:
            self.mount(Static(Content("Entities"), id="entity-title", markup=False),
                       OptionList(id="entity-list"))
        self.add_class("-shown")

    @property
    def chosen(self) -> int | None:
        return self.data.chosen

    def reload(self, chosen: int | None = None, *, forms_changed: bool = False) -> None:
        """Read everything again (in a thread); ``chosen`` unfolds that entity."""
        if forms_changed:
            self._forms.clear()
        self._token += 1
        self._load(self._token, chosen, self._forms)

    @work(thread=True, exclusive=True, group="entity-panel", exit_on_error=False)
    def _load(self, token: int, chosen: int | None, forms: dict) -> None:
        app = self.app
        with Store(app.db_path, annotator=app.store.annotator, config=app.store.config,
                   readonly=True) as store:
            data = load_panel(store, chosen, forms)
            self.post_message(self.Loaded(data, token))  # the entities first: enter can choose one
            self.post_message(self.Loaded(replace(data, likely=load_likely(store, forms)), token))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        message.stop()
        if message.token == self._token:
            self.show(message.data)

    def show(self, data: PanelData) -> None:
        """Fill the list; the highlight stays on the same row where it can."""
        self.data = data
        option_list = self.query_one(OptionList)
        before = option_list.highlighted_option.id if option_list.highlighted_option is not None else None
        options, self._rows = [], {}
        for entity in data.entities:
            options.append(self._entity_option(entity, entity.id == data.chosen))
            if entity.id == data.chosen:
                options += self._details(entity, data.candidates)
        if not data.entities:
            options.append(Option(Content("no entities linked yet"), disabled=True))
        options += self._likely(data.likely)
        option_list.clear_options()
        option_list.add_options(options)
        ids = [o.id for o in options]
        wanted = before if before in ids else (f"e:{data.chosen}" if data.chosen is not None else None)
        index = ids.index(wanted) if wanted in ids else next(
            (i for i, o in enumerate(options) if not o.disabled), None)
        option_list.highlighted = index
        total = sum(e.mentions for e in data.entities)
        self.query_one("#entity-title", Static).update(
            Content(f"Entities {len(data.entities)} · {total} mentions · enter choose"))

    def _text(self, text: str, width: int) -> str:
        """User text on one line of at most ``width`` cells, safe, in visual order when the app
        reorders right-to-left text (kb ids, names and titles are all untrusted)."""
        reorder = resolve_mode(getattr(self.app, "bidi", BidiMode.AUTO))
        return visual_title(text, max(width, 4), reorder=reorder)

    @property
    def _width(self) -> int:
        return max(self.size.width - 3, 20)  # the border and the list's scrollbar

    def _entity_option(self, entity: EntitySummary, chosen: bool) -> Option:
        ident = f"e:{entity.id}"
        self._rows[ident] = entity
        kb = f" {entity.kb_id}" if entity.kb_id else ""
        tail = self._text(f"{entity.label or '-'}{kb} ×{entity.mentions}", self._width // 2)
        name = self._text(entity.name, self._width - 3 - len(tail))
        return Option(Content.assemble(("● " if chosen else "· ", "bold" if chosen else ""), (name, "bold"),
                                       (" " + tail, "dim")), id=ident)

    def _details(self, entity: EntitySummary, candidates: list[tuple[Mention, str]]) -> list[Option]:
        out = []
        width = self._width
        others = [a for a in entity.aliases if fold(a) != fold(entity.name)]
        for alias in others:
            out.append(Option(Content("  aka " + self._text(alias, width - 6)), disabled=True))
        for article_id, title, lang, n in entity.by_article:
            ident = f"a:{article_id}"
            self._rows[ident] = article_id
            head = f"  {n}× #{article_id} {display_safe(lang)} "
            out.append(Option(Content.assemble((head, "dim"), self._text(title, width - len(head))),
                              id=ident))
        if candidates:
            out.append(Option(Content.styled(f"  look-alikes ({len(candidates)}): l links", "italic"),
                              disabled=True))
        for index, (mention, why) in enumerate(candidates):
            ident = f"c:{index}"
            self._rows[ident] = mention
            where = f" #{mention.article_id}"
            text = self._text(mention.text, width - 6 - len(where))
            room = width - 6 - len(where) - len(text)
            tail = where + (f" {why}" if len(why) < room else "")
            out.append(Option(Content.assemble("  + ", (f"'{text}'", "bold"), (tail, "dim")), id=ident))
        return out

    def _likely(self, likely: list[tuple[Candidate, str]]) -> list[Option]:
        """The corpus's frequent names not linked yet, look-alikes together: l links one."""
        if not likely:
            return []
        out = [Option(Content.styled("likely ones: l links", "italic"), disabled=True)]
        for index, (candidate, name) in enumerate(likely):
            ident = f"l:{index}"
            self._rows[ident] = (candidate, name)
            tail = self._text(f"{candidate.label} ×{candidate.mentions}", self._width // 2)
            out.append(Option(Content.assemble("+ ", (self._text(name, self._width - 3 - len(tail)), "bold"),
                                               (" " + tail, "dim")), id=ident))
        return out

    # -- keys ---------------------------------------------------------------------------------

    def focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        option_list.action_cursor_down() if step > 0 else option_list.action_cursor_up()

    def highlighted_row(self) -> object | None:
        option = self.query_one(OptionList).highlighted_option
        return self._rows.get(option.id) if option is not None and option.id else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self._rows.get(event.option.id or "")
        if isinstance(row, EntitySummary):
            self.post_message(self.Chosen(None if row.id == self.data.chosen else row.id))
        elif isinstance(row, Mention):
            self.post_message(self.GoTo(row.article_id, row.start, row.end))
        elif isinstance(row, int):
            self.post_message(self.GoTo(row, -1, -1))  # the first mention in that article

    def action_link(self) -> None:
        row = self.highlighted_row()
        entity = next((e for e in self.data.entities if e.id == self.data.chosen), None)
        if isinstance(row, tuple) and isinstance(row[0], Candidate):
            self.post_message(self.LinkLikely(*row))
        elif isinstance(row, Mention) and entity is not None:
            self.post_message(self.Link(row, entity.id, entity.name))
        else:
            self.app.set_status("l links a likely entity, or a look-alike: an entity (enter), then a + row")

    def action_leave(self) -> None:
        self.post_message(self.Leave())
