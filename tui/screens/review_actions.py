"""The review's decisions: each one a Store call through the app's DecisionRunner, written in the
reviewer's layer (``review:NAME``) and undone with ``u`` like any decision.

Mixed into :class:`tui.screens.review.ReviewScreen`. Taking a version settles a whole
cluster (the rest of it becomes "not an entity" in the reviewed layer); ``l`` and ``m``
decide anew; ``d`` marks the reviewed layer done (asking about undecided suggestions first,
as the reader does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotations.config import valid_label
from annotations.review import Cluster, disagreements
from annotations.store import LayerSpan, UndoResult

from ..surface import surface
from ..writes import Call, Write
from .dialogs import PickerDialog, UndecidedDialog

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from .review import LayerPane


class ReviewActions:
    """What it uses of the screen is declared here; writes go through ``app.decisions``."""

    if TYPE_CHECKING:  # supplied by ReviewScreen
        app: ParallaxApp
        compared: list[str]
        clusters: list[Cluster]
        index: int | None
        reviewed_pane: LayerPane

        @property
        def article_id(self) -> int: ...
        @property
        def cluster(self) -> Cluster | None: ...
        def go(self, index: int | None) -> None: ...
        def refresh_reviewed(self) -> None: ...

    def _writable(self, what: str) -> bool:
        """False (and the status bar says why) when the database was opened read-only."""
        if self.app.store.readonly:
            self.app.set_status(f"read-only: {what} is not possible (opened with --readonly)")
            return False
        return True

    def _save(self, what: str, write: Write[Any], *, advance: bool = False) -> None:
        def saved(result: Any, late: bool) -> None:
            self.app.set_status(f"saved: {what}")
            self.refresh_reviewed()
            if advance and not late and self.index is not None and self.index + 1 < len(self.clusters):
                self.go(self.index + 1)

        self.app.decisions.run(what, write, saved)

    def _current(self) -> Cluster | None:
        cluster = self.cluster
        if cluster is None:
            self.app.set_status("no cluster here: w/b token cursor, v select, m make an entity")
        return cluster

    def _text(self, start: int, end: int) -> str:
        return surface(self.reviewed_pane.view.article, start, end)

    # -- taking versions ------------------------------------------------------------------------

    def action_take(self, number: int) -> None:
        if not self._writable("taking a version") or (cluster := self._current()) is None:
            return
        if number > len(self.compared):
            self.app.set_status(f"there is no layer {number} here (comparing {len(self.compared)})")
            return
        layer = self.compared[number - 1]
        article_id, start, end = self.article_id, cluster.start, cluster.end
        what = f"take {layer}'s version of '{self._text(start, end)}'"
        self._save(what, Call(lambda store: store.review.take(article_id, start, end, layer)), advance=True)

    def action_take_agreed(self) -> None:
        if not self._writable("taking a version") or (cluster := self._current()) is None:
            return
        if not cluster.agrees:
            keys = ", ".join(str(n) for n in range(1, len(self.compared) + 1))
            self.app.set_status(f"the layers disagree here: {keys} takes one version, l decides anew, "
                                "x: no entity")
            return
        self.action_take(1)

    def action_take_all_agreed(self) -> None:
        if not self._writable("taking the agreed clusters"):
            return
        agreed = [(c.start, c.end) for c in self.clusters if c.agrees]
        article_id, compared = self.article_id, list(self.compared)
        left = sum(1 for i in disagreements(self.clusters) if not self.reviewed_in(self.clusters[i]))
        what = (f"take the {len(agreed)} agreed cluster(s) and the suggestions every layer rejected; "
                f"{left} disagreement(s) still to settle")
        self._save(what, Call(lambda store: store.review.take_all(article_id, agreed, compared[0], compared)))

    def action_no_entity(self) -> None:
        if not self._writable("deciding") or (cluster := self._current()) is None:
            return
        article_id, start, end = self.article_id, cluster.start, cluster.end
        self._save(f"no entity in '{self._text(start, end)}'",
                   Call(lambda store: store.review.replace(article_id, start, end, [])), advance=True)

    # -- deciding anew ----------------------------------------------------------------------------

    def action_label(self) -> None:
        """One entity with a picked label: over the selection if there is one, else over the
        cluster's single reviewed entity, else over the whole cluster."""
        if not self._writable("deciding"):
            return
        view = self.reviewed_pane.view
        bounds = view.selection
        cluster = self.cluster
        if bounds is None:
            if cluster is None:
                self.app.set_status("nothing here to label: w/b token cursor, v select")
                return
            gold = [s for s in view.spans if s.is_gold and s.span_id is not None
                    and s.start < cluster.end and s.end > cluster.start]
            bounds = (gold[0].start, gold[0].end) if len(gold) == 1 else (cluster.start, cluster.end)
        self._pick_label(bounds)

    def action_token(self, step: int) -> None:
        self.reviewed_pane.view.move_token(step)

    def action_mark(self) -> None:
        if self.reviewed_pane.view.mark() is not None:
            self.app.set_status("selecting in the reviewed pane: w/b extend, m makes the entity")

    def action_make_span(self) -> None:
        if not self._writable("making an entity"):
            return
        view = self.reviewed_pane.view
        bounds = view.selection or view.token_cursor
        if bounds is None:
            self.app.set_status("nothing selected: w/b move the token cursor, v starts a selection")
            return
        self._pick_label(bounds)

    def _pick_label(self, bounds: tuple[int, int]) -> None:
        start, end = bounds
        cluster = self.cluster
        on_cluster = cluster is not None and cluster.start < end and cluster.end > start
        if on_cluster:
            low, high = min(start, cluster.start), max(end, cluster.end)
        else:
            low, high = start, end
        article_id = self.article_id
        labels = self.app.store.labels.names()

        def picked(label: str | None) -> None:
            if not label:
                return
            self.app.last_label = label
            view = self.reviewed_pane.view
            view.clear_selection()
            view.token_mode = False
            entity = [LayerSpan(start, end, label)]
            replace = Call(lambda store: store.review.replace(article_id, low, high, entity, action="decide"))
            self._save(f"reviewed entity {label} '{self._text(start, end)}'", replace, advance=on_cluster)

        self.app.push_screen(PickerDialog(f"Label for '{self._text(start, end)}' in the reviewed layer",
                                          labels, default=self.app.last_label or labels[0],
                                          validate=lambda v: None if valid_label(v) else "not a label",
                                          hint="the rest of the cluster becomes: not an entity"),
                             picked)

    # -- undo, done ---------------------------------------------------------------------------------

    def action_undo(self) -> None:
        if self._writable("undo"):
            self._step("undo", Call(lambda store: store.review.undo()))

    def action_redo(self) -> None:
        if self._writable("redo"):
            self._step("redo", Call(lambda store: store.review.redo()))

    def _step(self, what: str, write: Write[UndoResult | None]) -> None:
        def saved(result: UndoResult | None, late: bool) -> None:
            if result is None:
                self.app.set_status(f"nothing to {what} in the reviewed layer")
                return
            self.app.set_status(f"saved: {what} {result.action}")
            self.refresh_reviewed()

        self.app.decisions.run(f"{what} (review)", write, saved)

    def action_toggle_done(self) -> None:
        if not self._writable("marking the review done"):
            return
        store = self.app.store
        article_id = self.article_id
        if store.review.status(article_id) == "done":
            self._mark("in_progress")
            return
        pending = len(store.view.undecided(article_id, store.review.layer_name))
        if not pending:
            self._mark("done")
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                self.app.set_status("done: cancelled, nothing changed")
            else:
                self._mark("done", None if choice == "leave" else choice)

        self.app.push_screen(UndecidedDialog(pending), chosen)

    def _mark(self, status: str, undecided: str | None = None) -> None:
        article_id = self.article_id
        what = "mark the review done" if status == "done" else "put the review back in progress"
        self._save(what, Call(lambda store: store.review.set_status(article_id, status, undecided=undecided)))
