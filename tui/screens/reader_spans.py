"""Making and reshaping spans from the keyboard: the token cursor, boundaries, deletion.

Part of the reader (:class:`tui.screens.reader.ReaderScreen`), on top of its decision
helpers (:class:`.reader_actions.ReaderActions`). Token boundaries are spaCy's, computed
by the NLP process when an article is opened and read from the store: until they are
there (a second or two after opening an article for the first time), the token keys
say so instead of moving.
"""

from __future__ import annotations

from annotations.model import Span

from ..decisions import Mark
from ..surface import surface
from .dialogs import PickerDialog
from .reader_actions import ReaderActions, label_problem


class SpanActions(ReaderActions):
    """Token cursor (w/b, v, m), boundaries ([ ] { }) and deleting a span."""

    def _ensure_tokens(self, view) -> bool:
        if view.tokens.ready:
            return True
        if self.app.store.readonly:
            self.app.set_status("read-only: this article's token boundaries are not stored yet (they are "
                                "computed when it is opened to annotate)")
        else:
            self.app.set_status("token boundaries are still being computed (spaCy works in the "
                                "background); try again in a moment")
        return False

    def action_token(self, step: int) -> None:
        view = self.active_view
        if view is not None and self._ensure_tokens(view):
            view.move_token(step)

    def action_mark(self) -> None:
        view = self.active_view
        if view is None or not self._ensure_tokens(view):
            return
        if view.mark() is not None:
            self.app.set_status("selecting: w/b extend, m makes the span, escape cancels")

    def action_make_span(self) -> None:
        view = self.active_view
        if view is None:
            return
        if view.selection is None and not view.token_mode:
            self.app.set_status("nothing selected: w/b move the token cursor, v starts a selection")
            return

        def picked(label: str | None) -> None:
            if label:
                self._create(label)

        labels = self.app.store.labels.names()
        self.app.push_screen(PickerDialog("Label for the new span", labels,
                                          default=self.app.last_label or labels[0],
                                          validate=label_problem,
                                          hint="enter: the highlighted label (the last one used first)"),
                             picked)

    def _create(self, label: str) -> None:
        view = self.active_view
        bounds = view.selection or view.token_cursor
        if bounds is None:
            self.app.set_status("nothing selected")
            return
        start, end = bounds
        article_id = view.article.id

        def saved(new: Span, late: bool) -> None:
            self.app.last_label = label
            if not late:
                view.token_mode = False
            self._saved("new span", new, late)
            self._after(new, select=not late)

        outcome = self._save(f"new span {label} '{surface(view.article, start, end)}'",
                             lambda store: store.decisions.create_span(article_id, start, end, label), saved,
                             marks=(Mark(article_id, start, end),))
        if outcome == "waiting":  # as once saved: the selection is made, the token cursor goes
            view.token_mode = False
            self._waiting_on("new span", Span(article_id, start, end, label, "accepted", "human"), label,
                             advance=False)

    def action_grow(self, side: str, delta: int) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found
        if not self._ensure_tokens(view):
            return
        # From where a resize typed before this one (still waiting for the database) leaves it.
        bounds = view.grow(self._waiting_bounds(span), side, delta)
        if bounds is None:
            self.app.set_status(f"the span's {side} cannot move further that way")
            return
        def saved(new: Span, late: bool) -> None:
            self._saved("resize", new, late)
            self._after(new, before=span)

        self._decide("resize", span, lambda store: store.decisions.resize(span.key, *bounds), saved,
                     bounds=bounds)

    def action_delete_span(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found
        what = self._describe("delete", span)

        def saved(_: object, late: bool) -> None:
            self.app.set_status(f"saved: {what}")
            self._after(None, before=span)

        self._decide("delete", span, lambda store: store.decisions.delete_span(span.key), saved)
