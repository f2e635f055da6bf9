"""``*``: the last decision, done to every identical mention; the dialog shows how many and where first.

Identical means the same folded surface form (case, Arabic harakat and alef variants
aside). The dialog counts them in the open articles and in the whole corpus (in a thread),
lists the articles with the most, and returns the scope chosen; the reader then writes it
as one bulk decision (:meth:`annotations.store.Store.bulk_decide`), one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from annotations.model import Span, counted, every_words
from annotations.store import BulkDecision, BulkPreview, BulkResult, BulkTarget, Store
from annotations.text import display_safe, fold

from ..keymap import PROPAGATE_BINDINGS

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

PLACES_SHOWN = 5
SCOPES = {"open": "in the open articles", "corpus": "in the corpus"}


@dataclass(frozen=True)
class LastDecision:
    """The decision ``*`` repeats: what was done (label, reject or link) to which form."""

    kind: str
    label: str
    folded: str
    text: str
    entity_id: int | None = None
    entity_name: str | None = None

    @classmethod
    def of(cls, span: Span, kind: str, text: str, entity_id: int | None = None,
           entity_name: str | None = None) -> LastDecision:
        return cls(kind, span.label, fold(text), " ".join(text.split()), entity_id, entity_name)

    def decision(self) -> BulkDecision:
        if self.kind == "link":
            return BulkDecision("link", entity_id=self.entity_id)
        if self.kind == "reject":
            return BulkDecision("reject")
        return BulkDecision("label", label=self.label)

    def verb(self) -> str:
        if self.kind == "link":
            return f"link to {self.entity_name}"
        return "reject" if self.kind == "reject" else f"accept as {self.label}"

    def describe(self, scope: str) -> str:
        """"accept as LOC every 'Sahel' in the open articles": the words its undo names it with too."""
        words = every_words(self.decision().action, f"'{self.text}'", label=self.label,
                            entity=self.entity_name)
        return display_safe(f"{words} {SCOPES[scope]}")


def bulk_status(what: str, result: BulkResult) -> str:
    """The status line after a bulk decision."""
    if not result.changed:
        return f"nothing to change: {what}: each is so already"
    # No "u undoes all" here: it would be cut at 80 columns, and undo names the step anyway.
    return (f"saved: {what}: {counted(result.changed, 'mention')} in "
            f"{counted(len(result.article_ids), 'article')}")


class PropagateDialog(ModalScreen[str | None]):
    """How many identical mentions, where; ``o`` the open articles, ``c`` the corpus, escape cancels
    (None); "" when there is nothing to change there."""

    CSS_PATH = "../dialogs.tcss"  # read when first shown, not at launch (issue 20)

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(PROPAGATE_BINDINGS)

    @dataclass
    class Counted(Message):
        previews: dict[str, BulkPreview]

    def __init__(self, last: LastDecision, open_ids: tuple[int, ...]) -> None:
        super().__init__()
        self.last = last
        self.open_ids = open_ids
        self.previews: dict[str, BulkPreview] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="propagate", classes="dialog"):
            yield Static(Content(display_safe(f"Every '{self.last.text}': {self.last.verb()}")),
                         id="propagate-title", markup=False)
            yield Static(Content("counting the identical mentions…"), id="propagate-counts", markup=False)
            yield Static(Content("o open articles · c corpus · escape cancels · one u undoes all"),
                         id="propagate-hint", markup=False)

    def on_mount(self) -> None:
        self._count()

    @work(thread=True, exclusive=True, group="propagate-count", exit_on_error=False)
    def _count(self) -> None:
        app = self.app
        decision = self.last.decision()
        with Store(app.db_path, annotator=app.store.annotator, config=app.store.config,
                   readonly=True) as store:
            previews = {scope: store.bulk.preview(BulkTarget(forms=(self.last.folded,), article_ids=ids),
                                                  decision)
                        for scope, ids in (("open", self.open_ids), ("corpus", None))}
        self.post_message(self.Counted(previews))

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        self.previews = message.previews
        lines = []
        for key, scope in (("o", "open"), ("c", "corpus")):
            p = message.previews[scope]
            lines.append(Content.assemble((f" {key} ", "bold reverse"),
                                          f" {SCOPES[scope]}: {p.changes:,} to change in "
                                          f"{len(p.articles):,} article(s), {p.already:,} so already"))
        for article_id, title, n in message.previews["corpus"].articles[:PLACES_SHOWN]:
            lines.append(Content(f"     {n}× #{article_id} {display_safe(' '.join(title.split()))[:50]}"))
        more = len(message.previews["corpus"].articles) - PLACES_SHOWN
        if more > 0:
            lines.append(Content(f"     and {more:,} more article(s)"))
        self.query_one("#propagate-counts", Static).update(Content("\n").join(lines))

    def action_choose(self, scope: str | None) -> None:
        if scope is not None:
            preview = self.previews.get(scope)
            if preview is None:
                self.app.bell()  # still counting
                return
            if not preview.changes:
                self.app.set_status(f"nothing to change {SCOPES[scope]}: each is so already")
                self.dismiss("")
                return
        self.dismiss(scope)
