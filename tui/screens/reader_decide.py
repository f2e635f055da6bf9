"""How the reader writes a decision: each one a typed write, committed before the status bar says "saved".

A part of :class:`tui.screens.reader.ReaderScreen`, used by the parts that decide
(:mod:`.reader_actions`, :mod:`.reader_spans`, :mod:`.reader_tags`, :mod:`.reader_entities`).
Every write (:mod:`tui.writes`) goes through the app's :class:`tui.decisions.DecisionRunner`:
at once when the database is free, queued in the order typed when another process holds it
(the status bar says so within 100 ms), refused with the reason when it cannot be made.
While a decision waits, its span is drawn as waiting and the cursor moves on as it would once
saved, so the next key acts on the span the screen points at. The ``saved`` callback of each
decision runs only after the commit; a late one leaves the cursor where the annotator has
moved it since. The last decision on one mention is remembered here for ``*``, when it is
typed (so a ``*`` typed right after it repeats it, saved or still waiting).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from annotations.model import Action, Span

from ..decisions import Mark, Outcome, span_ident
from ..surface import surface
from ..writes import Write
from .propagate import LastDecision
from .reader_host import ReaderHost

if TYPE_CHECKING:
    from ..widgets.article_view import ArticleView

T = TypeVar("T")
BULK = 200  # rows from which a decision is written off the UI thread (accept all, its undo)
# The decisions on one mention that ``*`` can repeat: what it repeats of each (links: see remember).
DECIDED = {Action.ACCEPT.words: "label", Action.RELABEL.words: "label", Action.CREATE.words: "label",
           Action.REJECT.words: "reject"}


class Decider:
    """Writes the reader's decisions through the app's runner, and remembers the last one for ``*``."""

    def __init__(self, reader: ReaderHost) -> None:
        self.reader = reader
        self.last: LastDecision | None = None  # what ``*`` repeats

    def selected(self) -> tuple[ArticleView, Span] | None:
        """The active view and its selected span, or None (and the status bar says so)."""
        view = self.reader.active_view
        span = view.selected_span if view is not None else None
        if view is None or span is None:
            self.reader.app.set_status("no entity selected (j/k move between entities)")
            return None
        return view, span

    def save(self, what: str, write: Write[T], saved: Callable[[T, bool], None], *,
             background: bool = False, marks: tuple[Mark, ...] = (),
             article_status: tuple[int, str] | None = None,
             dropped: Callable[[], None] | None = None, step: str | None = None) -> Outcome:
        """Write through the app's decision runner; ``saved(result, late)`` runs once committed
        (``background``: a bulk write, done off the UI thread from the start; ``marks``: what
        is drawn as waiting if it has to wait; ``dropped``: if it waited and was not saved)."""
        return self.reader.app.decisions.submit(what, write, saved, background=background, marks=marks,
                                                article_status=article_status, dropped=dropped, step=step)

    def decide(self, action: str, span: Span, write: Write[T], saved: Callable[[T, bool], None], *,
               label: str | None = None, bounds: tuple[int, int] | None = None,
               advance: bool = False) -> None:
        """A decision about one span. If it has to wait for the database, the span (at its new
        ``bounds``, for a resize) is drawn as waiting, and a decision that moves on once saved
        (``advance``: a, x) moves the cursor on now: the next key acts on the next span."""
        start, end = bounds or (span.start, span.end)
        mark = Mark(span.article_id, start, end, span_ident(span))
        if self.save(self.describe(action, span, label), write, saved, marks=(mark,),
                     dropped=lambda: self.back_to(span)) == "waiting":
            self.waiting_on(action, span, label, advance)

    def back_to(self, span: Span) -> None:
        """Decisions typed ahead were dropped, this one first: the cursor goes back to its span,
        ready to type them again."""
        if self.reader.is_open():
            self.reader.go_to_span(span.article_id, span.key, span.start)

    def waiting_on(self, action: str, span: Span, label: str | None, advance: bool) -> None:
        """A decision about ``span`` was queued: move on as its save would have; ``*`` typed
        after it repeats it (a link is remembered once saved: its entity may not exist yet)."""
        pane = self.reader.pane_of(span.article_id)
        current = pane.view.selected_span if pane is not None else None
        if advance and pane is not None and current is not None and current.key == span.key:
            pane.view.select_next()
        self.reader.show_selection()
        if action in DECIDED:
            self.remember(action, span._replace(label=label or span.label, entity_id=None))

    def waiting_bounds(self, span: Span) -> Span:
        """The span as the last decision waiting for it leaves it (a resize typed ahead)."""
        ident = span_ident(span)
        marks = [m for m in self.reader.app.decisions.marks(span.article_id) if m.ident == ident]
        return span._replace(start=marks[-1].start, end=marks[-1].end) if marks else span

    def waiting_places(self, article_id: int) -> set[tuple[int, int]]:
        """Where decisions typed in the article wait for the database: (start, end) of each."""
        return {(m.start, m.end) for m in self.reader.app.decisions.marks(article_id)}

    def describe(self, action: str, span: Span, label: str | None = None) -> str:
        """"accept PERSON 'Sahel'": what a status line says a decision is about."""
        pane = self.reader.pane_of(span.article_id)
        text = surface(pane.article, span.start, span.end) if pane is not None else ""
        return f"{action} {label or span.label} '{text}'"

    def saved(self, action: str, span: Span, late: bool = False, *, before: Span | None = None) -> None:
        """A decision on one mention is saved: say so, and remember it for ``*``. One saved late
        was remembered when it was typed (a later one may have been typed since). A decision
        written at once that left the span as it was shown (``before``: ``a`` on a span already
        accepted as it stands) wrote nothing, and the status says so rather than "saved"."""
        if not late and before is not None and not before.is_suggestion and unchanged(before, span):
            status = f"already so, nothing to save: {self.describe(action, span)}"
        else:
            status = f"saved: {self.describe(action, span)}"
        if not late and self.remember(action, span):
            status += " · * does it to all alike"
        self.reader.app.set_status(status)

    def remember(self, action: str, span: Span) -> bool:
        """``*`` repeats this decision from now on (True), if it is one ``*`` can repeat."""
        pane = self.reader.pane_of(span.article_id)
        kind = "link" if action.startswith("link") else DECIDED.get(action)
        if pane is None or kind is None:
            return False
        text = pane.article.text[span.start:span.end]
        entity = self.reader.app.store.entities.get(span.entity_id) if span.entity_id is not None else None
        self.last = LastDecision.of(span, kind, text, span.entity_id, entity["name"] if entity else None)
        return True

    def after(self, span: Span | None, *, before: Span | None = None, advance: bool = False,
              select: bool = True) -> None:
        """Show the new state of the decided article with ``span`` selected (then the next one).

        A decision changes only the spans at the old and new offsets (``before``, ``span``), so
        only that neighbourhood is read again: a decision costs the same in a 1 MB article.
        The cursor follows only if it is still where the decision was made: a decision saved
        late (the database was busy) does not pull it back from where the annotator went
        (nor, with ``select`` False, onto a span it made).
        """
        touched = [s for s in (before, span) if s is not None]
        pane = self.reader.pane_of(touched[0].article_id)
        if pane is None:  # its article was closed meanwhile
            return
        view = pane.view
        current = view.selected_span
        follow = select and (before is None or (current is not None and current.key == before.key))
        start, end = min(s.start for s in touched), max(s.end for s in touched)
        view.update_spans(start, end, self.reader.app.store.view.spans(view.article.id, within=(start, end)),
                          select=span.key if span is not None and follow else None)
        self.reader.refresh_title(pane)
        if advance and follow:
            view.select_next()
        self.reader.show_selection()

    def go_to_mark(self, mark: Mark) -> None:
        """The cursor on the span a waiting decision is about (where it is now, if it moved)."""
        pane = self.reader.pane_of(mark.article_id)
        if pane is None:
            return
        key = next((s.key for s in pane.view.spans if span_ident(s) == mark.ident), None)
        self.reader.go_to_span(mark.article_id, key, mark.start)


def unchanged(before: Span, after: Span) -> bool:
    """The annotator's decision on a span is the same after as before (nothing was written)."""
    return (before.status, before.label, before.start, before.end) == (after.status, after.label,
                                                                       after.start, after.end)
