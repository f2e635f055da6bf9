"""The review's decisions: each a typed write (:mod:`tui.writes`) through the app's DecisionRunner,
made in the reviewer's layer (``review:NAME``) and undone with ``u`` like any decision.

A part of :class:`tui.screens.review.ReviewScreen`, given the screen as a :class:`ReviewHost`.
Taking a version settles a whole cluster (the rest of it becomes "not an entity" in the
reviewed layer); ``l`` and ``m`` decide anew; ``d`` marks the reviewed layer done (asking
about undecided suggestions first, as the reader does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from annotations.config import valid_label
from annotations.model import Action, ArticleStatus, Span
from annotations.review import Cluster, disagreements
from annotations.store import LayerSpan, UndoResult
from annotations.text import display_safe

from ..surface import surface
from ..writes import ReviewReplace, ReviewStep, SetReviewStatus, Take, TakeAllAgreed, Write
from .dialogs import PickerDialog, UndecidedDialog

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from .review import LayerPane


class ReviewHost(Protocol):
    """What the review's decisions use of the review screen."""

    @property
    def app(self) -> ParallaxApp: ...
    @property
    def compared(self) -> list[str]: ...
    @property
    def clusters(self) -> list[Cluster]: ...
    @property
    def index(self) -> int | None: ...
    @property
    def article_id(self) -> int: ...
    @property
    def cluster(self) -> Cluster | None: ...
    @property
    def reviewed_pane(self) -> LayerPane: ...
    def reviewed_in(self, cluster: Cluster) -> list[Span]: ...
    def go(self, index: int | None) -> None: ...
    def refresh_reviewed(self) -> None: ...


class ReviewDecisions:
    """1-3, a, A, x, l, w/b/v/m, u, U and d of the review."""

    def __init__(self, review: ReviewHost) -> None:
        self.review = review

    def _writable(self, what: str) -> bool:
        """False (and the status bar says why) when the database was opened read-only."""
        app = self.review.app
        if app.store.readonly:
            app.set_status(f"read-only: {what} is not possible (opened with --readonly)")
            return False
        return True

    def _save(self, what: str, write: Write[Any], *, advance: bool = False) -> None:
        review = self.review

        def saved(result: Any, late: bool) -> None:
            review.app.set_status(f"saved: {what}")
            review.refresh_reviewed()
            if advance and not late and review.index is not None and review.index + 1 < len(review.clusters):
                review.go(review.index + 1)

        review.app.decisions.submit(what, write, saved)

    def _current(self) -> Cluster | None:
        cluster = self.review.cluster
        if cluster is None:
            self.review.app.set_status("no cluster here: w/b token cursor, v select, m make an entity")
        return cluster

    def _text(self, start: int, end: int) -> str:
        return surface(self.review.reviewed_pane.view.article, start, end)

    # -- taking versions ------------------------------------------------------------------------

    def take(self, number: int) -> None:
        review = self.review
        if not self._writable("taking a version") or (cluster := self._current()) is None:
            return
        if number > len(review.compared):
            review.app.set_status(f"there is no layer {number} here (comparing {len(review.compared)})")
            return
        layer = review.compared[number - 1]
        start, end = cluster.start, cluster.end
        what = f"take {layer}'s version of '{self._text(start, end)}'"
        self._save(what, Take(review.article_id, start, end, layer), advance=True)

    def take_agreed(self) -> None:
        if not self._writable("taking a version") or (cluster := self._current()) is None:
            return
        if not cluster.agrees:
            keys = ", ".join(str(n) for n in range(1, len(self.review.compared) + 1))
            self.review.app.set_status(f"the layers disagree here: {keys} takes one version, l decides "
                                       "anew, x: no entity")
            return
        self.take(1)

    def take_all_agreed(self) -> None:
        review = self.review
        if not self._writable("taking the agreed clusters"):
            return
        agreed = [(c.start, c.end) for c in review.clusters if c.agrees]
        compared = list(review.compared)
        left = sum(1 for i in disagreements(review.clusters) if not review.reviewed_in(review.clusters[i]))
        what = (f"take the {len(agreed)} agreed cluster(s) and the suggestions every layer rejected; "
                f"{left} disagreement(s) still to settle")
        self._save(what, TakeAllAgreed(review.article_id, agreed, compared[0], compared))

    def no_entity(self) -> None:
        if not self._writable("deciding") or (cluster := self._current()) is None:
            return
        start, end = cluster.start, cluster.end
        self._save(f"{Action.NO_ENTITY.words} '{self._text(start, end)}'",
                   ReviewReplace(self.review.article_id, start, end, [], action=Action.NO_ENTITY),
                   advance=True)

    # -- deciding anew ----------------------------------------------------------------------------

    def label(self) -> None:
        """One entity with a picked label: over the selection if there is one, else over the
        cluster's single reviewed entity, else over the whole cluster."""
        if not self._writable("deciding"):
            return
        view = self.review.reviewed_pane.view
        bounds = view.token_selection.selection
        cluster = self.review.cluster
        if bounds is None:
            if cluster is None:
                self.review.app.set_status("nothing here to label: w/b token cursor, v select")
                return
            gold = [s for s in view.spans if s.is_gold and s.span_id is not None
                    and s.start < cluster.end and s.end > cluster.start]
            bounds = (gold[0].start, gold[0].end) if len(gold) == 1 else (cluster.start, cluster.end)
        self._pick_label(bounds)

    def token(self, step: int) -> None:
        self.review.reviewed_pane.view.token_selection.move_token(step)

    def mark(self) -> None:
        if self.review.reviewed_pane.view.token_selection.mark() is not None:
            self.review.app.set_status("selecting in the reviewed pane: w/b extend, m makes the entity")

    def make_span(self) -> None:
        if not self._writable("making an entity"):
            return
        view = self.review.reviewed_pane.view
        bounds = view.token_selection.selection or view.token_selection.token_cursor
        if bounds is None:
            self.review.app.set_status("nothing selected: w/b move the token cursor, v starts a selection")
            return
        self._pick_label(bounds)

    def _pick_label(self, bounds: tuple[int, int]) -> None:
        review = self.review
        app = review.app
        start, end = bounds
        cluster = review.cluster
        on_cluster = cluster is not None and cluster.start < end and cluster.end > start
        if cluster is not None and on_cluster:
            low, high = min(start, cluster.start), max(end, cluster.end)
        else:
            low, high = start, end
        article_id = review.article_id
        labels = app.store.labels.names()

        def picked(label: str | None) -> None:
            if not label:
                return
            app.last_label = label
            view = review.reviewed_pane.view
            view.token_selection.clear_selection()
            view.token_selection.token_mode = False
            entity = [LayerSpan(start, end, label)]
            self._save(f"{Action.DECIDE.words} {label} '{self._text(start, end)}'",
                       ReviewReplace(article_id, low, high, entity, action=Action.DECIDE), advance=on_cluster)

        app.push_screen(PickerDialog(f"Label for '{self._text(start, end)}' in the reviewed layer",
                                     labels, default=app.last_label or labels[0],
                                     validate=lambda v: None if valid_label(v) else "not a label",
                                     hint="the rest of the cluster becomes: not an entity"),
                        picked)

    # -- undo, done ---------------------------------------------------------------------------------

    def undo(self) -> None:
        if self._writable("undo"):
            self._step("undo", ReviewStep())

    def redo(self) -> None:
        if self._writable("redo"):
            self._step("redo", ReviewStep(redo=True))

    def _step(self, what: str, write: Write[UndoResult | None]) -> None:
        review = self.review

        def saved(result: UndoResult | None, late: bool) -> None:
            if result is None:
                review.app.set_status(f"nothing to {what} in the reviewed layer")
                return
            review.app.set_status(f"saved: {what} {display_safe(result.what)}")
            review.refresh_reviewed()

        review.app.decisions.submit(f"{what} (review)", write, saved)

    def toggle_done(self) -> None:
        app = self.review.app
        if not self._writable("marking the review done"):
            return
        store = app.store
        article_id = self.review.article_id
        if store.review.status(article_id) == ArticleStatus.DONE:
            self._mark("in_progress")
            return
        pending = len(store.view.undecided(article_id, store.review.layer_name))
        if not pending:
            self._mark("done")
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                app.set_status("done: cancelled, nothing changed")
            else:
                self._mark("done", None if choice == "leave" else choice)

        app.push_screen(UndecidedDialog(pending), chosen)

    def _mark(self, status: str, undecided: str | None = None) -> None:
        what = "mark the review done" if status == ArticleStatus.DONE else "put the review back in progress"
        self._save(what, SetReviewStatus(self.review.article_id, status, undecided))
