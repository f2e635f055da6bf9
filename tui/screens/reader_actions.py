"""The reader's verdicts: accept, reject, labels, undo and redo, done.

A part of :class:`tui.screens.reader.ReaderScreen`. Each decision is a typed write
(:mod:`tui.writes`) handed to the :class:`.reader_decide.Decider`, which writes it through
the app's decision runner and says "saved" only once it is committed.
"""

from __future__ import annotations

from annotations.model import Action, ArticleStatus, Span
from annotations.store import UndoResult
from annotations.text import display_safe

from ..messages import ArticlesChanged
from ..writes import Accept, AcceptAll, Redo, Reject, Relabel, SetArticleStatus, Undo, Write
from .dialogs import ConfirmDialog, PickerDialog, UndecidedDialog
from .reader_decide import BULK, Decider
from .reader_host import ReaderHost
from .reader_spans import SpanEditing, label_problem

BIG_STEP = 20  # an undo or redo that changed more articles than this is reported by count


class Verdicts:
    """a, x, A, 1-9, l, u, U and d of the reader."""

    def __init__(self, reader: ReaderHost, decider: Decider, span_editing: SpanEditing) -> None:
        self.reader = reader
        self.decider = decider
        self.span_editing = span_editing

    # -- accept, reject, labels -----------------------------------------------------------------

    def accept(self) -> None:
        if (found := self.decider.selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self.decider.saved(Action.ACCEPT.words, new, late, before=span)
            self.decider.after(new, before=span, advance=True)

        self.decider.decide(Action.ACCEPT.words, span, Accept(span.key), saved, advance=True)

    def reject(self) -> None:
        if (found := self.decider.selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self.decider.saved(Action.REJECT.words, new, late, before=span)
            self.decider.after(new, before=span, advance=True)

        self.decider.decide(Action.REJECT.words, span, Reject(span.key), saved, advance=True)

    def accept_all(self) -> None:
        reader = self.reader
        view = reader.active_view
        if view is None:
            return
        waiting = self.decider.waiting_places(view.article.id)
        pending = sum(1 for s in view.spans if s.is_suggestion and (s.start, s.end) not in waiting)
        if not pending:
            reader.app.set_status("no suggestions left to accept in this article")
            return
        article_id = view.article.id

        def answered(yes: bool | None) -> None:
            if not yes:
                reader.app.set_status("accept all: cancelled")
                return

            def saved(count: int, late: bool) -> None:
                reader.app.set_status(f"saved: accepted all {count} remaining suggestion(s) (u undoes)")
                reader.refresh_articles([article_id])

            self.decider.save(f"accept all {pending} suggestion(s)", AcceptAll(article_id), saved,
                              background=pending > BULK)

        question = f"Accept all {pending} remaining suggestion(s) in this article?"
        reader.app.push_screen(ConfirmDialog(question), answered)

    def label_number(self, number: int) -> None:
        labels = self.reader.app.store.labels.names()
        if number > len(labels):
            self.reader.app.set_status(f"there is no label number {number} (the scheme has {len(labels)})")
            return
        self.set_label(labels[number - 1])

    def set_label(self, label: str) -> None:
        """Give the selected span this label, or make the token selection a span with it."""
        view = self.reader.active_view
        if view is None:
            return
        if view.token_selection.selection is not None:
            self.span_editing.create(label)
            return
        if (found := self.decider.selected()) is None:
            return
        _, span = found

        def saved(new: Span, late: bool) -> None:
            self.reader.app.last_label = label
            self.decider.saved(Action.RELABEL.words, new, late, before=span)
            self.decider.after(new, before=span)

        self.decider.decide(Action.RELABEL.words, span, Relabel(span.key, label), saved, label=label)

    def pick_label(self) -> None:
        app = self.reader.app
        view = self.reader.active_view
        if view is None:
            return
        span = view.selected_span
        if span is None and view.token_selection.selection is None:
            app.set_status("no entity selected (j/k move between entities)")
            return
        default = app.last_label if view.token_selection.selection is not None or span is None else span.label

        def picked(label: str | None) -> None:
            if label:
                self.set_label(label)

        app.push_screen(PickerDialog("Label", app.store.labels.names(), default=default,
                                     validate=label_problem,
                                     hint="type to filter · enter picks · a new name adds a label"),
                        picked)

    # -- undo, redo -------------------------------------------------------------------------------

    def undo(self) -> None:
        self.step("undo", Undo())

    def redo(self) -> None:
        self.step("redo", Redo())

    def step(self, what: str, write: Write[UndoResult | None]) -> None:
        """Undo or redo. Typed while decisions wait, it waits its turn too; when it takes back
        (or brings back) one of them, the cursor goes to that decision's span now, as it
        would once saved, and the span is no longer drawn as waiting."""
        app = self.reader.app
        runner = app.decisions
        before = runner.standing()
        big = app.store.history.step_size(what) > BULK

        def saved(result: UndoResult | None, late: bool) -> None:
            if result is None:
                app.set_status(f"nothing to {what}")
                return
            self.reader.refresh_articles(result.article_ids)
            self.show_step(what, result, late)

        if self.decider.save(what, write, saved, background=big, step=what) != "waiting":
            return
        after = runner.standing()
        changed = [d for d in before if d not in after] + [d for d in after if d not in before]
        if changed:
            if changed[0].marks:
                self.decider.go_to_mark(changed[0].marks[0])
            taken = "takes back" if what == "undo" else "brings back"
            app.set_status(f"{what} waits for the database: it {taken} {changed[0].what}")

    def show_step(self, what: str, result: UndoResult, late: bool = False) -> None:
        """Put the cursor on the span an undo or redo changed, in its pane (made active), and
        name the decision in the status as it was shown (the store's words: ``result.what``);
        an article that is not open is named too. One saved late (typed while the database was
        busy) leaves the cursor where the annotator is now. A big one (every mention at once,
        ``*``) only refreshes what is open."""
        reader = self.reader
        said = f"saved: {what} {display_safe(result.what)}"
        if len(result.article_ids) > BIG_STEP:
            reader.app.post_message_to_screens(ArticlesChanged(result.article_ids))
            reader.app.set_status(said)
            return
        open_ids = {p.article.id for p in reader.panes}
        elsewhere = [i for i in result.article_ids if i not in open_ids]
        # A step in one article that is not open says so (one over many articles counts them).
        note = f" (in article {elsewhere[0]}, not open)" if elsewhere == list(result.article_ids) else ""
        shown = [c for c in result.spans if c.article_id in open_ids]
        active = reader.active_view.article.id if reader.active_view is not None else None
        shown.sort(key=lambda c: c.article_id != active)  # stable: reading order within an article
        if shown and not late:
            first = shown[0]
            reader.go_to_span(first.article_id, first.key, first.start)
        reader.app.set_status(f"{said}{note}")

    # -- done ------------------------------------------------------------------------------------

    def toggle_done(self) -> None:
        """Mark the article done (asking first what to do with undecided suggestions), or
        back in progress. The choice and the status are one decision: one u takes both back."""
        app = self.reader.app
        view = self.reader.active_view
        if view is None:
            return
        article_id = view.article.id
        # As the annotator sees it: with the decisions typed before d, even if they still wait.
        status = app.decisions.waiting_status(article_id) or app.store.view.status(article_id)
        if status == ArticleStatus.DONE:
            self.mark(article_id, "in_progress")
            return
        waiting = self.decider.waiting_places(article_id)
        pending = sum(1 for s in app.store.view.undecided(article_id) if (s.start, s.end) not in waiting)
        if not pending:
            self.mark(article_id, "done")
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                app.set_status("done: cancelled, nothing changed")
            else:
                self.mark(article_id, "done", None if choice == "leave" else choice)

        app.push_screen(UndecidedDialog(pending), chosen)

    def mark(self, article_id: int, status: str, undecided: str | None = None) -> None:
        """Give the article this status (deciding its undecided suggestions as ``undecided`` says)."""
        app = self.reader.app

        def saved(count: int, late: bool) -> None:
            if status != ArticleStatus.DONE:
                message = "saved: article back in progress"
            elif undecided is None:
                left = len(app.store.view.undecided(article_id))
                message = "saved: article marked done" + (
                    f"; {left} suggestion(s) left undecided (unknown in exports)" if left else "")
            else:
                past = "accepted" if undecided == "accept" else "rejected"
                message = f"saved: article marked done, {past} {count} suggestion(s) (u undoes both)"
            app.set_status(message)
            self.reader.refresh_articles([article_id])

        what = "mark the article done" if status == ArticleStatus.DONE else "put the article back in progress"
        self.decider.save(what, SetArticleStatus(article_id, status, undecided), saved,
                          background=undecided is not None, article_status=(article_id, status))
