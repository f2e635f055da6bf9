"""The reader's decisions: each one a Store call, committed before the status bar says "saved".

Mixed into :class:`tui.screens.reader.ReaderScreen`. Every write goes through the
app's :class:`tui.decisions.DecisionRunner`: at once when the database is free,
queued in the order typed when another process holds it (the status bar says so
within 100 ms), refused with the reason when it cannot be made. While a decision
waits, its span is drawn as waiting and the cursor moves on as it would once
saved, so the next key acts on the span the screen points at. The ``saved``
callback of each action runs only after the commit; a late one leaves the cursor
where the annotator has moved it since.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from annotations.config import valid_label
from annotations.model import Span
from annotations.store import Store, UndoResult

from ..decisions import Mark, Outcome, span_ident
from ..surface import surface
from .dialogs import ConfirmDialog, PickerDialog, UndecidedDialog

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from ..widgets.article_view import ArticleView
    from ..widgets.pane import Pane


BULK = 200  # rows from which a decision is written off the UI thread (accept all, its undo)


def label_problem(value: str) -> str | None:
    return None if valid_label(value) else "a label is a letter, then letters, digits, _ or -"


class ReaderActions:
    """Decision actions of the reader (a part of :class:`tui.screens.reader.ReaderScreen`).

    What it uses of the screen is declared here; writes go through ``app.decisions``.
    """

    if TYPE_CHECKING:  # supplied by ReaderScreen
        app: ParallaxApp
        panes: list[Pane]
        active_view: ArticleView | None

        def refresh_articles(self, article_ids, *, select=None) -> None: ...
        def go_to_span(self, article_id: int, key, start: int) -> Pane | None: ...
        def _refresh_title(self, pane: Pane) -> None: ...
        def _show_selection(self) -> None: ...

    # -- helpers ---------------------------------------------------------------------------

    def _selected(self) -> tuple[object, Span] | None:
        view = self.active_view
        span = view.selected_span if view is not None else None
        if span is None:
            self.app.set_status("no entity selected (j/k move between entities)")
            return None
        return view, span

    def _save(self, what: str, write: Callable[[Store], Any], saved: Callable[[Any, bool], None], *,
              background: bool = False, marks: tuple[Mark, ...] = (),
              article_status: tuple[int, str] | None = None,
              dropped: Callable[[], None] | None = None, step: str | None = None) -> Outcome:
        """Write through the app's decision runner; ``saved(result, late)`` runs once committed
        (``background``: a bulk write, done off the UI thread from the start; ``marks``: what
        is drawn as waiting if it has to wait; ``dropped``: if it waited and was not saved)."""
        return self.app.decisions.run(what, write, saved, background=background, marks=marks,
                                      article_status=article_status, dropped=dropped, step=step)

    def _decide(self, action: str, span: Span, write: Callable[[Store], Any],
                saved: Callable[[Any, bool], None], *, label: str | None = None,
                bounds: tuple[int, int] | None = None, advance: bool = False) -> None:
        """A decision about one span. If it has to wait for the database, the span (at its new
        ``bounds``, for a resize) is drawn as waiting, and a decision that moves on once saved
        (``advance``: a, x) moves the cursor on now: the next key acts on the next span."""
        start, end = bounds or (span.start, span.end)
        mark = Mark(span.article_id, start, end, span_ident(span))
        if self._save(self._describe(action, span, label), write, saved, marks=(mark,),
                      dropped=lambda: self._back_to(span)) == "waiting":
            self._waiting_on(action, span, label, advance)

    def _back_to(self, span: Span) -> None:
        """Decisions typed ahead were dropped, this one first: the cursor goes back to its span,
        ready to type them again."""
        if self in self.app.screen_stack:
            self.go_to_span(span.article_id, span.key, span.start)

    def _waiting_on(self, action: str, span: Span, label: str | None, advance: bool) -> None:
        """A decision about ``span`` was queued: move on as its save would have."""
        pane = self._pane_of(span.article_id)
        current = pane.view.selected_span if pane is not None else None
        if advance and current is not None and current.key == span.key:
            pane.view.select_next()
        self._show_selection()

    def _waiting_bounds(self, span: Span) -> Span:
        """The span as the last decision waiting for it leaves it (a resize typed ahead)."""
        ident = span_ident(span)
        marks = [m for m in self.app.decisions.marks(span.article_id) if m.ident == ident]
        return span._replace(start=marks[-1].start, end=marks[-1].end) if marks else span

    def _describe(self, action: str, span: Span, label: str | None = None) -> str:
        """"accept PERSON 'Sahel'": what a status line says a decision is about."""
        pane = self._pane_of(span.article_id)
        text = surface(pane.article, span.start, span.end) if pane is not None else ""
        return f"{action} {label or span.label} '{text}'"

    def _saved(self, action: str, span: Span, late: bool = False) -> None:
        self.app.set_status(f"saved: {self._describe(action, span)}")

    def _pane_of(self, article_id: int):
        return next((p for p in self.panes if p.article.id == article_id), None)

    def _after(self, span: Span | None, *, before: Span | None = None, advance: bool = False,
               select: bool = True) -> None:
        """Show the new state of the decided article with ``span`` selected (then the next one).

        A decision changes only the spans at the old and new offsets (``before``, ``span``), so
        only that neighbourhood is read again: a decision costs the same in a 1 MB article.
        The cursor follows only if it is still where the decision was made: a decision saved
        late (the database was busy) does not pull it back from where the annotator went
        (nor, with ``select`` False, onto a span it made).
        """
        touched = [s for s in (before, span) if s is not None]
        pane = self._pane_of(touched[0].article_id)
        if pane is None:  # its article was closed meanwhile
            return
        view = pane.view
        current = view.selected_span
        follow = select and (before is None or (current is not None and current.key == before.key))
        start, end = min(s.start for s in touched), max(s.end for s in touched)
        view.update_spans(start, end, self.app.store.view.spans(view.article.id, within=(start, end)),
                          select=span.key if span is not None and follow else None)
        self._refresh_title(pane)
        if advance and follow:
            view.select_next()
        self._show_selection()

    # -- accept, reject, labels -----------------------------------------------------------------

    def action_accept(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self._saved("accept", new, late)
            self._after(new, before=span, advance=True)

        self._decide("accept", span, lambda store: store.decisions.accept(span.key), saved, advance=True)

    def action_reject(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self._saved("reject", new, late)
            self._after(new, before=span, advance=True)

        self._decide("reject", span, lambda store: store.decisions.reject(span.key), saved, advance=True)

    def action_accept_all(self) -> None:
        view = self.active_view
        if view is None:
            return
        waiting = self._waiting_places(view.article.id)
        pending = sum(1 for s in view.spans if s.is_suggestion and (s.start, s.end) not in waiting)
        if not pending:
            self.app.set_status("no suggestions left to accept in this article")
            return
        article_id = view.article.id

        def answered(yes: bool | None) -> None:
            if not yes:
                self.app.set_status("accept all: cancelled")
                return
            def saved(count: int, late: bool) -> None:
                self.app.set_status(f"saved: accepted all {count} remaining suggestion(s) (u undoes)")
                self.refresh_articles([article_id])

            self._save(f"accept all {pending} suggestion(s)",
                       lambda store: store.decisions.accept_all(article_id),
                       saved, background=pending > BULK)

        self.app.push_screen(ConfirmDialog(f"Accept all {pending} remaining suggestion(s) in this article?"),
                             answered)

    def action_label_number(self, number: int) -> None:
        labels = self.app.store.labels.names()
        if number > len(labels):
            self.app.set_status(f"there is no label number {number} (the scheme has {len(labels)})")
            return
        self.set_label(labels[number - 1])

    def set_label(self, label: str) -> None:
        """Give the selected span this label, or make the token selection a span with it."""
        view = self.active_view
        if view is None:
            return
        if view.selection is not None:
            self._create(label)
            return
        if (found := self._selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self.app.last_label = label
            self._saved("label", new, late)
            self._after(new, before=span)

        self._decide("label", span, lambda store: store.decisions.relabel(span.key, label), saved,
                     label=label)

    def action_pick_label(self) -> None:
        view = self.active_view
        if view is None:
            return
        span = view.selected_span
        if span is None and view.selection is None:
            self.app.set_status("no entity selected (j/k move between entities)")
            return
        default = self.app.last_label if view.selection is not None or span is None else span.label

        def picked(label: str | None) -> None:
            if label:
                self.set_label(label)

        self.app.push_screen(PickerDialog("Label", self.app.store.labels.names(), default=default,
                                          validate=label_problem,
                                          hint="type to filter · enter picks · a new name adds a label"),
                             picked)

    # -- undo, done ------------------------------------------------------------------------------

    def action_undo(self) -> None:
        self._step("undo", lambda store: store.history.undo())

    def action_redo(self) -> None:
        self._step("redo", lambda store: store.history.redo())

    def _step(self, what: str, write: Callable[[Store], UndoResult | None]) -> None:
        """Undo or redo. Typed while decisions wait, it waits its turn too; when it takes back
        (or brings back) one of them, the cursor goes to that decision's span now, as it
        would once saved, and the span is no longer drawn as waiting."""
        runner = self.app.decisions
        before = runner.standing()
        big = self.app.store.history.step_size(what) > BULK
        def saved(result: UndoResult | None, late: bool) -> None:
            if result is None:
                self.app.set_status(f"nothing to {what}")
                return
            self.refresh_articles(result.article_ids)
            self._show_step(what, result, late)

        if self._save(what, write, saved, background=big, step=what) != "waiting":
            return
        after = runner.standing()
        changed = [d for d in before if d not in after] + [d for d in after if d not in before]
        if changed:
            if changed[0].marks:
                self._go_to_mark(changed[0].marks[0])
            taken = "takes back" if what == "undo" else "brings back"
            self.app.set_status(f"{what} waits for the database: it {taken} {changed[0].what}")

    def _go_to_mark(self, mark: Mark) -> None:
        """The cursor on the span a waiting decision is about (where it is now, if it moved)."""
        pane = self._pane_of(mark.article_id)
        if pane is None:
            return
        key = next((s.key for s in pane.view.spans if span_ident(s) == mark.ident), None)
        self.go_to_span(mark.article_id, key, mark.start)

    def _show_step(self, what: str, result: UndoResult, late: bool = False) -> None:
        """Put the cursor on the span an undo or redo changed, in its pane (made active), and
        name it in the status; an article that is not open is named instead. One saved late
        (typed while the database was busy) leaves the cursor where the annotator is now."""
        open_ids = {p.article.id for p in self.panes}
        elsewhere = [i for i in result.article_ids if i not in open_ids]
        note = f" (in article {', '.join(map(str, elsewhere))}, not open)" if elsewhere else ""
        shown = [c for c in result.spans if c.article_id in open_ids]
        active = self.active_view.article.id if self.active_view is not None else None
        shown.sort(key=lambda c: c.article_id != active)  # stable: reading order within an article
        named = ""
        if shown:
            first = shown[0]
            pane = self._pane_of(first.article_id) if late else self.go_to_span(
                first.article_id, first.key, first.start)
            named = f" {first.label} '{surface(pane.article, first.start, first.end)}'"
            named += " (no span there now)" if first.key is None else ""
            named += f" and {len(shown) - 1} more" if len(shown) > 1 else ""
        self.app.set_status(f"saved: {what} {result.action}{named}{note}")

    def action_toggle_done(self) -> None:
        """Mark the article done (asking first what to do with undecided suggestions), or
        back in progress. The choice and the status are one decision: one u takes both back."""
        view = self.active_view
        if view is None:
            return
        article_id = view.article.id
        # As the annotator sees it: with the decisions typed before d, even if they still wait.
        status = self.app.decisions.waiting_status(article_id) or self.app.store.view.status(article_id)
        if status == "done":
            self._mark(article_id, "in_progress")
            return
        waiting = self._waiting_places(article_id)
        pending = sum(1 for s in self.app.store.view.undecided(article_id) if (s.start, s.end) not in waiting)
        if not pending:
            self._mark(article_id, "done")
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                self.app.set_status("done: cancelled, nothing changed")
            else:
                self._mark(article_id, "done", None if choice == "leave" else choice)

        self.app.push_screen(UndecidedDialog(pending), chosen)

    def _mark(self, article_id: int, status: str, undecided: str | None = None) -> None:
        def saved(count: int, late: bool) -> None:
            if status != "done":
                message = "saved: article back in progress"
            elif undecided is None:
                left = len(self.app.store.view.undecided(article_id))
                message = "saved: article marked done" + (
                    f"; {left} suggestion(s) left undecided (unknown in exports)" if left else "")
            else:
                past = "accepted" if undecided == "accept" else "rejected"
                message = f"saved: article marked done, {past} {count} suggestion(s) (u undoes both)"
            self.app.set_status(message)
            self.refresh_articles([article_id])

        what = "mark the article done" if status == "done" else "put the article back in progress"
        self._save(what, lambda store: store.decisions.set_article_status(article_id, status,
                                                                          undecided=undecided),
                   saved, background=undecided is not None, article_status=(article_id, status))

    def _waiting_places(self, article_id: int) -> set[tuple[int, int]]:
        """Where decisions typed in the article wait for the database: (start, end) of each."""
        return {(m.start, m.end) for m in self.app.decisions.marks(article_id)}
