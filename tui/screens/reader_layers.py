"""The reader showing another annotator's layer, and the reader when nothing may be written.

Mixed into :class:`tui.screens.reader.ReaderScreen` before its decision actions. ``L``
cycles through the layers of the open articles (every annotator and review layer with a
decision or a status there), then back to the annotator's own; another's layer is shown
read-only. With the database open read-only (``--readonly``) every layer is. Either way a
decision key says "read-only" in the status bar (and opens no dialog); anything that still
tries to write is refused by the app's DecisionRunner with the same word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from ..widgets.pane import Pane


class LayerSwitch:
    """Whose layer the panes show (None: the annotator's own), and the read-only guard."""

    shown_layer: str | None = None

    if TYPE_CHECKING:  # supplied by ReaderScreen
        app: ParallaxApp
        panes: list[Pane]

        def refresh_articles(self, article_ids, *, select=None) -> None: ...

    @property
    def layer_shown(self) -> str:
        """The name of the layer the panes show."""
        return self.shown_layer or self.app.store.annotator

    def readonly_reason(self) -> str | None:
        if self.app.store.readonly:
            return "the database is open for looking only"
        if self.shown_layer is not None:
            return f"showing {self.shown_layer}'s layer (L switches back to yours)"
        return None

    def action_switch_layer(self) -> None:
        store = self.app.store
        own = store.annotator
        names = sorted({name for pane in self.panes for name in store.review.layers(pane.article.id)} - {own})
        order = [own, *names]
        if len(order) == 1:
            self.app.set_status("no other layer in the open articles: nobody else has decided here")
            return
        shown = self.layer_shown
        following = order[(order.index(shown) + 1) % len(order)] if shown in order else own
        self.shown_layer = None if following == own else following
        self.refresh_articles(None)
        if self.shown_layer is None:
            self.app.set_status(f"showing your layer ({own})" + (" · read-only" if store.readonly else ""))
        else:
            self.app.set_status(f"showing {following}'s layer, read-only · L: next layer")

    def _refused(self, what: str) -> bool:
        """True (and the status bar says why) when decisions cannot be made now."""
        reason = self.readonly_reason()
        if reason is not None:
            self.app.set_status(f"read-only: {what} is not possible, {reason}")
        return reason is not None

    # -- the decision actions, guarded -------------------------------------------------------

    def action_accept(self) -> None:
        if not self._refused("accept"):
            super().action_accept()

    def action_reject(self) -> None:
        if not self._refused("reject"):
            super().action_reject()

    def action_accept_all(self) -> None:
        if not self._refused("accept all"):
            super().action_accept_all()

    def action_label_number(self, number: int) -> None:
        if not self._refused("relabel"):
            super().action_label_number(number)

    def action_pick_label(self) -> None:
        if not self._refused("relabel"):
            super().action_pick_label()

    def action_make_span(self) -> None:
        if not self._refused("making a span"):
            super().action_make_span()

    def action_grow(self, side: str, delta: int) -> None:
        if not self._refused("moving a boundary"):
            super().action_grow(side, delta)

    def action_delete_span(self) -> None:
        if not self._refused("delete"):
            super().action_delete_span()

    def action_undo(self) -> None:
        if not self._refused("undo"):
            super().action_undo()

    def action_redo(self) -> None:
        if not self._refused("redo"):
            super().action_redo()

    def action_toggle_done(self) -> None:
        if not self._refused("marking done"):
            super().action_toggle_done()

    def action_tag_span(self) -> None:
        if not self._refused("tagging"):
            super().action_tag_span()

    def action_tag_article(self) -> None:
        if not self._refused("tagging"):
            super().action_tag_article()

    def action_link_entity(self) -> None:
        if not self._refused("linking"):
            super().action_link_entity()
