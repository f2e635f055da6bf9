"""The reader showing another annotator's layer, and the reader when nothing may be written.

A part of :class:`tui.screens.reader.ReaderScreen`. ``L`` cycles through the layers of
the open articles (every annotator and review layer with a decision or a status there),
then back to the annotator's own; another's layer is shown read-only. With the database
open read-only (``--readonly``) every layer is. Either way the screen's ``check_action``
greys out the write actions (:data:`tui.keymap.WRITE_ACTIONS`) in the footer, and their
keys say "read-only" in the status bar (opening no dialog); anything that still tries to
write is refused by the app's DecisionRunner with the same word.
"""

from __future__ import annotations

from .reader_host import ReaderHost


class LayerSwitch:
    """Whose layer the panes show (None: the annotator's own), and why nothing may be written."""

    def __init__(self, reader: ReaderHost) -> None:
        self.reader = reader
        self.shown: str | None = None

    @property
    def name(self) -> str:
        """The name of the layer the panes show."""
        return self.shown or self.reader.app.store.annotator

    def readonly_reason(self) -> str | None:
        """Why no decision can be made now (None: they can)."""
        if self.reader.app.store.readonly:
            return "the database is open for looking only"
        if self.shown is not None:
            return f"showing {self.shown}'s layer (L switches back to yours)"
        return None

    def refused(self, what: str) -> bool:
        """True (and the status bar says why) when decisions cannot be made now."""
        reason = self.readonly_reason()
        if reason is not None:
            self.reader.app.set_status(f"read-only: {what} is not possible, {reason}")
        return reason is not None

    def switch(self) -> None:
        """``L``: the next layer of the open articles (the annotator's own after the last)."""
        reader = self.reader
        store = reader.app.store
        own = store.annotator
        names = sorted({name for pane in reader.panes
                        for name in store.review.layers(pane.article.id)} - {own})
        order = [own, *names]
        if len(order) == 1:
            reader.app.set_status("no other layer in the open articles: nobody else has decided here")
            return
        shown = self.name
        following = order[(order.index(shown) + 1) % len(order)] if shown in order else own
        self.shown = None if following == own else following
        reader.refresh_articles(None)
        reader.refresh_bindings()  # the write keys greyed out, or back
        if self.shown is None:
            reader.app.set_status(f"showing your layer ({own})" + (" · read-only" if store.readonly else ""))
        else:
            reader.app.set_status(f"showing {following}'s layer, read-only · L: next layer")
