"""Making and reshaping spans from the keyboard: the token cursor, boundaries, deletion.

A part of the reader (:class:`tui.screens.reader.ReaderScreen`), writing through its
:class:`.reader_decide.Decider`. Token boundaries are spaCy's, computed by the NLP process
when an article is opened and read from the store: until they are there (a second or two
after opening an article for the first time), the token keys say so instead of moving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotations.config import valid_label
from annotations.model import Action, Span

from ..decisions import Mark
from ..surface import surface
from ..writes import CreateSpan, DeleteSpan, Resize
from .dialogs import PickerDialog
from .reader_decide import Decider
from .reader_host import ReaderHost

if TYPE_CHECKING:
    from ..widgets.article_view import ArticleView


def label_problem(value: str) -> str | None:
    """Why a label typed in a picker cannot be one (None: it can)."""
    return None if valid_label(value) else "a label is a letter, then letters, digits, _ or -"


class SpanEditing:
    """Token cursor (w/b, v, m), boundaries ([ ] { }) and deleting a span."""

    def __init__(self, reader: ReaderHost, decider: Decider) -> None:
        self.reader = reader
        self.decider = decider

    def tokens_ready(self, view: ArticleView) -> bool:
        """The article's token boundaries are there (else the status bar says why not yet)."""
        if view.tokens.ready:
            return True
        if self.reader.app.store.readonly:
            self.reader.app.set_status("read-only: this article's token boundaries are not stored yet (they "
                                       "are computed when it is opened to annotate)")
        else:
            self.reader.app.set_status("token boundaries are still being computed (spaCy works in the "
                                       "background); try again in a moment")
        return False

    def token(self, step: int) -> None:
        view = self.reader.active_view
        if view is not None and self.tokens_ready(view):
            view.token_selection.move_token(step)

    def mark(self) -> None:
        view = self.reader.active_view
        if view is None or not self.tokens_ready(view):
            return
        if view.token_selection.mark() is not None:
            self.reader.app.set_status("selecting: w/b extend, m makes the span, escape cancels")

    def make_span(self) -> None:
        app = self.reader.app
        view = self.reader.active_view
        if view is None:
            return
        if view.token_selection.selection is None and not view.token_selection.token_mode:
            app.set_status("nothing selected: w/b move the token cursor, v starts a selection")
            return

        def picked(label: str | None) -> None:
            if label:
                self.create(label)

        labels = app.store.labels.names()
        app.push_screen(PickerDialog("Label for the new span", labels,
                                     default=app.last_label or labels[0],
                                     validate=label_problem,
                                     hint="enter: the highlighted label (the last one used first)"),
                        picked)

    def create(self, label: str) -> None:
        """Make the selection (else the token under the cursor) a span with this label."""
        app = self.reader.app
        view = self.reader.active_view
        bounds = None if view is None else view.token_selection.selection or view.token_selection.token_cursor
        if view is None or bounds is None:
            app.set_status("nothing selected")
            return
        start, end = bounds
        article_id = view.article.id

        def saved(new: Span, late: bool) -> None:
            app.last_label = label
            if not late:
                view.token_selection.token_mode = False
            self.decider.saved(Action.CREATE.words, new, late)
            self.decider.after(new, select=not late)

        outcome = self.decider.save(f"{Action.CREATE.words} {label} '{surface(view.article, start, end)}'",
                                    CreateSpan(article_id, start, end, label), saved,
                                    marks=(Mark(article_id, start, end),))
        if outcome == "waiting":  # as once saved: the selection is made, the token cursor goes
            view.token_selection.token_mode = False
            made = Span(article_id, start, end, label, "accepted", "human")
            self.decider.waiting_on(Action.CREATE.words, made, label, advance=False)

    def grow(self, side: str, delta: int) -> None:
        if (found := self.decider.selected()) is None:
            return
        view, span = found
        if not self.tokens_ready(view):
            return
        # From where a resize typed before this one (still waiting for the database) leaves it.
        bounds = view.token_selection.grow(self.decider.waiting_bounds(span), side, delta)
        if bounds is None:
            self.reader.app.set_status(f"the span's {side} cannot move further that way")
            return

        def saved(new: Span, late: bool) -> None:
            self.decider.saved(Action.RESIZE.words, new, late)
            self.decider.after(new, before=span)

        self.decider.decide(Action.RESIZE.words, span, Resize(span.key, *bounds), saved, bounds=bounds)

    def delete(self) -> None:
        if (found := self.decider.selected()) is None:
            return
        _, span = found
        what = self.decider.describe(Action.DELETE.words, span)

        def saved(_: None, late: bool) -> None:
            self.reader.app.set_status(f"saved: {what}")
            self.decider.after(None, before=span)

        self.decider.decide(Action.DELETE.words, span, DeleteSpan(span.key), saved)
