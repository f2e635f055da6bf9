"""The review screen: two or three layers of one article side by side, and the reviewed layer.

Each compared layer (an annotator, or the model's suggestions) gets a pane; the last pane is
the reviewer's own layer, ``review:NAME`` (:mod:`annotations.store.review`). The cursor moves
over *clusters* (:mod:`annotations.review`): ``j``/``k`` over all of them, ``n``/``N`` over
the disagreements. Decisions are made by its part :class:`.review_actions.ReviewDecisions`;
the ``action_*`` methods below forward to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from annotations.model import Article, Span
from annotations.review import Cluster, clusters, disagreements
from annotations.store import MODEL_LAYER, is_review_layer
from annotations.text import display_safe

from ..keymap import REVIEW_BINDINGS
from ..messages import ArticlesChanged
from ..surface import surface
from ..widgets.article_list import STATUS_WORDS, visual_title
from ..widgets.footer import ParallaxFooter
from ..widgets.layer_view import AGREE, DISAGREE, LayerView
from ..widgets.status_bar import StatusBar
from .agreement import open_agreement
from .review_actions import ReviewDecisions

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

MAX_LAYERS = 3


def choose_layers(store, article_id: int) -> list[str]:
    """What to compare: the annotators who marked the article done, else everyone with a layer
    there; with fewer than two, the model's suggestions as well. At most three."""
    layers = store.review.done_annotators(article_id)
    if len(layers) < 2:
        others = [n for n in store.review.layers(article_id) if not is_review_layer(n) and n not in layers]
        layers += others
    if len(layers) < 2:
        layers.append(MODEL_LAYER)
    return layers[:MAX_LAYERS]


def layer_name(layer: str) -> str:
    return "suggestions" if layer == MODEL_LAYER else layer


class LayerPane(Vertical):
    """A title line and the view of one layer."""

    def __init__(self, article: Article, layer: str, number: int | None, *, bidi: str) -> None:
        super().__init__(classes="pane")
        self.shows = layer
        self.number = number  # 1..3 for a compared layer, None for the reviewed one
        self.view = LayerView(article, [], bidi=bidi)

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-title", markup=False)
        yield self.view

    def show_title(self, text: str) -> None:
        self.query_one(".pane-title", Static).update(Content(display_safe(text)), layout=False)


class ReviewScreen(Screen):
    """Compare layers cluster by cluster and build the reviewed layer."""

    CSS_PATH = "../review.tcss"  # read when first shown, not at launch (issue 20)

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(REVIEW_BINDINGS)
    AUTO_FOCUS = ""

    def __init__(self, article_ids: list[int], *, layers: list[str] | None = None) -> None:
        super().__init__()
        self.article_ids = list(dict.fromkeys(article_ids))
        self.article_index = 0
        self._asked_layers = layers
        self.compared: list[str] = []
        self.clusters: list[Cluster] = []
        self.index: int | None = None
        self.deciding = ReviewDecisions(self)

    @property
    def article_id(self) -> int:
        return self.article_ids[self.article_index]

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Horizontal(id="panes")
        yield Static(id="details", markup=False)
        yield StatusBar()
        yield ParallaxFooter(compact=True)

    async def on_mount(self) -> None:
        await self.show_article()

    async def show_article(self) -> None:
        """Build the panes for the current article and put the cursor on its first disagreement."""
        store = self.app.store
        article = store.articles.get(self.article_id)
        self.compared = list(self._asked_layers or choose_layers(store, self.article_id))[:MAX_LAYERS]
        box = self.query_one("#panes", Horizontal)
        await box.remove_children()
        bidi = self.app.bidi
        panes = [LayerPane(article, layer, n, bidi=bidi) for n, layer in enumerate(self.compared, 1)]
        panes.append(LayerPane(article, store.review.layer_name, None, bidi=self.app.bidi))
        await box.mount_all(panes)
        self.reviewed_pane.view.focus()
        self.load()
        found = disagreements(self.clusters)
        self.go(found[0] if found else (0 if self.clusters else None))
        agreed = len(self.clusters) - len(found)
        names = ", ".join(map(layer_name, self.compared))
        self.app.set_status(f"review: {len(found)} disagreement(s), {agreed} agreed cluster(s) between "
                            f"{names} · 1-{len(self.compared)} take, A all agreed, ? help")

    @property
    def panes(self) -> list[LayerPane]:
        return list(self.query(LayerPane))

    @property
    def reviewed_pane(self) -> LayerPane:
        return self.panes[-1]

    def load(self) -> None:
        """Read the layers again: clusters, each pane's marks, the reviewed layer."""
        store = self.app.store
        entities = [store.review.layer_entities(self.article_id, layer) for layer in self.compared]
        self.clusters = clusters(entities)
        disagree = {s for c in self.clusters if not c.agrees for v in c.versions for s in v}
        for pane, layer_spans in zip(self.panes, entities, strict=False):
            pane.view.set_layer_spans([
                Span(self.article_id, s.start, s.end, s.label, DISAGREE if s in disagree else AGREE,
                     "human", span_id=-1 - i, entity_id=s.entity_id) for i, s in enumerate(layer_spans)])
        self.reviewed_pane.view.set_layer_spans(store.view.spans(self.article_id, store.review.layer_name))
        self.refresh_titles()

    def refresh_titles(self) -> None:
        store = self.app.store
        total = len(self.clusters)
        for pane in self.panes[:-1]:
            status = STATUS_WORDS.get(store.view.status(self.article_id, pane.shows), "")
            if pane.shows == MODEL_LAYER:
                status = "model"
            mine = sum(len(c.version(pane.number - 1)) for c in self.clusters) if pane.number else 0
            pane.show_title(f"{pane.number} {layer_name(pane.shows)} · {status} · {mine} entities")
        settled = sum(1 for c in self.clusters if self.reviewed_in(c))
        status = STATUS_WORDS.get(store.review.status(self.article_id), "")
        view = self.reviewed_pane.view
        title = visual_title(view.article.title, 40, reorder=view.reorders)
        self.reviewed_pane.show_title(f"reviewed {settled}/{total} · {status} · {title}")

    def reviewed_in(self, cluster: Cluster) -> list[Span]:
        """The reviewed layer's decisions (any status) in a cluster."""
        return [s for s in self.reviewed_pane.view.spans
                if s.span_id is not None and s.start < cluster.end and s.end > cluster.start]

    @property
    def cluster(self) -> Cluster | None:
        return None if self.index is None or not self.clusters else self.clusters[self.index]

    def go(self, index: int | None) -> None:
        """Put the cursor on cluster ``index`` in every pane, and describe it."""
        self.index = index
        cluster = self.cluster
        for pane in self.panes:
            if cluster is not None:
                pane.view.show_cluster(cluster.start, cluster.end)
        self.show_details()

    def show_details(self) -> None:
        self.query_one("#details", Static).update(self._details(), layout=False)

    def _details(self) -> Content:
        cluster = self.cluster
        article = self.reviewed_pane.view.article
        if cluster is None:
            return Content("no entity in any compared layer · w/b token cursor, v select, m make an entity")
        state = "agreed" if cluster.agrees else "DISAGREE ≠"
        settled = self.reviewed_in(cluster)
        reviewed = "; ".join(f"{s.label} '{surface(article, s.start, s.end)}'" for s in settled if s.is_gold)
        reviewed = reviewed or ("no entity" if settled else "not reviewed yet")
        first = (f"{(self.index or 0) + 1}/{len(self.clusters)} {state} · "
                 f"'{surface(article, cluster.start, cluster.end)}' · reviewed: {reviewed}")
        parts = []
        for n, (layer, version) in enumerate(zip(self.compared, cluster.versions, strict=True), 1):
            what = ", ".join(f"{s.label} '{surface(article, s.start, s.end)}'" for s in version) or "nothing"
            parts.append(f"{n} {layer_name(layer)}: {what}")
        return Content(display_safe(first) + "\n" + display_safe(" · ".join(parts)))

    # -- navigation ----------------------------------------------------------------------------

    def action_cluster(self, step: int) -> None:
        if not self.clusters:
            self.app.set_status("no entity in any compared layer here")
            return
        index = 0 if self.index is None else min(max(self.index + step, 0), len(self.clusters) - 1)
        self.go(index)

    def action_disagreement(self, step: int) -> None:
        found = disagreements(self.clusters)
        here = -1 if self.index is None else self.index
        ahead = [i for i in found if i > here] if step > 0 else [i for i in reversed(found) if i < here]
        if not ahead:
            self.app.set_status("no more disagreements" if found else "the layers agree everywhere here")
            return
        self.go(ahead[0])

    async def action_article(self, step: int) -> None:
        target = self.article_index + step
        if not 0 <= target < len(self.article_ids):
            self.app.set_status("no next article to review" if step > 0 else "no previous article to review")
            return
        self.article_index = target
        await self.show_article()

    def action_agreement(self) -> None:
        open_agreement(self.app)

    def action_back(self) -> None:
        view = self.reviewed_pane.view
        if view.token_selection.selection is not None or view.token_selection.token_mode:
            view.token_selection.clear_selection()
            view.token_selection.token_mode = False
            self.app.set_status("selection cleared")
            return
        self.app.pop_screen()

    @on(ArticlesChanged)
    def _articles_changed(self, message: ArticlesChanged) -> None:
        if message.article_ids is None or self.article_id in message.article_ids:
            self.refresh_reviewed()

    def refresh_reviewed(self) -> None:
        """After a review decision: the reviewed pane, the titles and the details."""
        store = self.app.store
        view = self.reviewed_pane.view
        view.set_layer_spans(store.view.spans(self.article_id, store.review.layer_name))
        cluster = self.cluster
        if cluster is not None:
            view.show_cluster(cluster.start, cluster.end)
        self.refresh_titles()
        self.show_details()

    # -- decisions: each done by ReviewDecisions -----------------------------------------------------

    def action_take(self, number: int) -> None:
        self.deciding.take(number)

    def action_take_agreed(self) -> None:
        self.deciding.take_agreed()

    def action_take_all_agreed(self) -> None:
        self.deciding.take_all_agreed()

    def action_no_entity(self) -> None:
        self.deciding.no_entity()

    def action_label(self) -> None:
        self.deciding.label()

    def action_token(self, step: int) -> None:
        self.deciding.token(step)

    def action_mark(self) -> None:
        self.deciding.mark()

    def action_make_span(self) -> None:
        self.deciding.make_span()

    def action_undo(self) -> None:
        self.deciding.undo()

    def action_redo(self) -> None:
        self.deciding.redo()

    def action_toggle_done(self) -> None:
        self.deciding.toggle_done()
