"""The reader's decisions: each one is a Store call, committed before the status bar says "saved".

Mixed into :class:`tui.screens.reader.ReaderScreen`. Any error from the store
(a bad label, a locked database) is shown in the status bar; nothing here
raises into the app.
"""

from __future__ import annotations

from collections.abc import Callable

from annotations.config import valid_label
from annotations.model import Span
from annotations.store import DecisionError, StoreError, UndoResult

from ..clipboard import copy_text, sentence_bounds
from .dialogs import ConfirmDialog, PickerDialog, UndecidedDialog


def _label_problem(value: str) -> str | None:
    return None if valid_label(value) else "a label is a letter, then letters, digits, _ or -"


class ReaderActions:
    """Decision actions of the reader; needs active_view, refresh_articles and the app's store."""

    # -- helpers ---------------------------------------------------------------------------

    def _selected(self) -> tuple[object, Span] | None:
        view = self.active_view
        span = view.selected_span if view is not None else None
        if span is None:
            self.app.set_status("no entity selected (j/k move between entities)")
            return None
        return view, span

    def _save(self, what: str, call: Callable[[], object]) -> object | None:
        """Run one store call; report a failure instead of raising. Returns the call's result."""
        try:
            return call()
        except (DecisionError, StoreError, KeyError, ValueError) as exc:
            self.app.set_status(f"not saved: {what}: {exc}")
            return None

    def _saved(self, action: str, span: Span) -> None:
        from .reader import surface

        article = self.active_view.article
        self.app.set_status(f"saved: {action} {span.label} '{surface(article, span.start, span.end)}'")

    def _after(self, span: Span | None, *, before: Span | None = None, advance: bool = False) -> None:
        """Show the new state of the active article with ``span`` selected (then the next one).

        A decision changes only the spans at the old and new offsets (``before``, ``span``), so
        only that neighbourhood is read again: a decision costs the same in a 1 MB article.
        """
        view = self.active_view
        touched = [s for s in (before, span) if s is not None]
        start, end = min(s.start for s in touched), max(s.end for s in touched)
        view.update_spans(start, end, self.app.store.spans(view.article.id, within=(start, end)),
                          select=span.key if span is not None else None)
        self._refresh_title(self.active_pane)
        if advance:
            view.select_next()
        self._show_selection()

    # -- accept, reject, labels -----------------------------------------------------------------

    def action_accept(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found
        new = self._save("accept", lambda: self.app.store.accept(span.key))
        if new is not None:
            self._saved("accept", new)
            self._after(new, before=span, advance=True)

    def action_reject(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found
        new = self._save("reject", lambda: self.app.store.reject(span.key))
        if new is not None:
            self._saved("reject", new)
            self._after(new, before=span, advance=True)

    def action_accept_all(self) -> None:
        view = self.active_view
        if view is None:
            return
        pending = sum(1 for s in view.spans if s.is_suggestion)
        if not pending:
            self.app.set_status("no suggestions left to accept in this article")
            return
        article_id = view.article.id

        def answered(yes: bool | None) -> None:
            if not yes:
                self.app.set_status("accept all: cancelled")
                return
            count = self._save("accept all", lambda: self.app.store.accept_all(article_id))
            if count is not None:
                self.app.set_status(f"saved: accepted all {count} remaining suggestion(s) (u undoes)")
                self.refresh_articles([article_id])

        self.app.push_screen(ConfirmDialog(f"Accept all {pending} remaining suggestion(s) in this article?"),
                             answered)

    def action_label_number(self, number: int) -> None:
        labels = self.app.store.labels()
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
        new = self._save("label", lambda: self.app.store.relabel(span.key, label))
        if new is not None:
            self.app.last_label = label
            self._saved("label", new)
            self._after(new, before=span)

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

        self.app.push_screen(PickerDialog("Label", self.app.store.labels(), default=default,
                                          validate=_label_problem,
                                          hint="type to filter · enter picks · a new name adds a label"),
                             picked)

    # -- new spans, boundaries, delete ------------------------------------------------------------

    def action_token(self, step: int) -> None:
        view = self.active_view
        if view is not None:
            view.move_token(step)

    def action_mark(self) -> None:
        view = self.active_view
        if view is None:
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

        labels = self.app.store.labels()
        self.app.push_screen(PickerDialog("Label for the new span", labels,
                                          default=self.app.last_label or labels[0],
                                          validate=_label_problem,
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
        new = self._save("new span", lambda: self.app.store.create_span(article_id, start, end, label))
        if new is not None:
            self.app.last_label = label
            view.token_mode = False
            self._saved("new span", new)
            self._after(new)

    def action_grow(self, side: str, delta: int) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found
        bounds = view.grow(span, side, delta)
        if bounds is None:
            self.app.set_status(f"the span's {side} cannot move further that way")
            return
        new = self._save("boundaries", lambda: self.app.store.resize(span.key, *bounds))
        if new is not None:
            self._saved("resize", new)
            self._after(new, before=span)

    def action_delete_span(self) -> None:
        if (found := self._selected()) is None:
            return
        _, span = found
        done = self._save("delete", lambda: self.app.store.delete_span(span.key) or True)
        if done is not None:
            self._saved("delete", span)
            self._after(None, before=span)

    # -- undo, done ------------------------------------------------------------------------------

    def action_undo(self) -> None:
        self._step("undo", self.app.store.undo)

    def action_redo(self) -> None:
        self._step("redo", self.app.store.redo)

    def _step(self, what: str, call: Callable) -> None:
        try:
            result = call()
        except (DecisionError, StoreError) as exc:
            self.app.set_status(f"not saved: {what}: {exc}")
            return
        if result is None:
            self.app.set_status(f"nothing to {what}")
            return
        self.refresh_articles(result.article_ids)
        self._show_step(what, result)

    def _show_step(self, what: str, result: UndoResult) -> None:
        """Put the cursor on the span an undo or redo changed, in its pane (made active), and
        name it in the status; an article that is not open is named instead."""
        from .reader import surface

        open_ids = {p.article.id for p in self.panes}
        elsewhere = [i for i in result.article_ids if i not in open_ids]
        note = f" (in article {', '.join(map(str, elsewhere))}, not open)" if elsewhere else ""
        shown = [c for c in result.spans if c.article_id in open_ids]
        active = self.active_view.article.id if self.active_view is not None else None
        shown.sort(key=lambda c: c.article_id != active)  # stable: reading order within an article
        named = ""
        if shown:
            first = shown[0]
            pane = self.go_to_span(first.article_id, first.key, first.start)
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
        if self.app.store.article_status(article_id) == "done":
            self._mark(article_id, "in_progress")
            return
        pending = len(self.app.store.undecided(article_id))
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
        count = self._save("article status", lambda: self.app.store.set_article_status(
            article_id, status, undecided=undecided))
        if count is None:
            return
        if status != "done":
            message = "saved: article back in progress"
        elif undecided is None:
            left = len(self.app.store.undecided(article_id))
            message = "saved: article marked done" + (
                f"; {left} suggestion(s) left undecided (unknown in exports)" if left else "")
        else:
            past = "accepted" if undecided == "accept" else "rejected"
            message = f"saved: article marked done, {past} {count} suggestion(s) (u undoes both)"
        self.app.set_status(message)
        self.refresh_articles([article_id])

    # -- tags and entities ---------------------------------------------------------------------------

    def action_tag_span(self) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found

        def picked(tag: str | None) -> None:
            if not tag:
                return
            remove = tag.startswith("-") and len(tag) > 1
            name = tag[1:].strip() if remove else tag
            call = (lambda: self.app.store.untag(span.key, name)) if remove \
                else (lambda: self.app.store.tag(span.key, name))
            if self._save("tag", lambda: call() or True) is not None:
                self.app.set_status(f"saved: {'untag' if remove else 'tag'} '{name}' on {span.label}")
                self._after(span, before=span)

        current = ", ".join(span.tags) or "none"
        self.app.push_screen(PickerDialog(f"Tag this entity (tags now: {current})",
                                          self.app.store.known_tags(), removable=span.tags,
                                          hint="a new tag is added as typed · -tag removes a tag"),
                             picked)

    def action_tag_article(self) -> None:
        view = self.active_view
        if view is None:
            return
        article_id = view.article.id

        def picked(tag: str | None) -> None:
            if not tag:
                return
            remove = tag.startswith("-") and len(tag) > 1
            name = tag[1:].strip() if remove else tag
            call = (lambda: self.app.store.untag_article(article_id, name)) if remove \
                else (lambda: self.app.store.tag_article(article_id, name))
            if self._save("tag", lambda: call() or True) is not None:
                self.app.set_status(f"saved: {'untag' if remove else 'tag'} article '{name}'")
                self.refresh_articles([article_id])

        tags = self.app.store.article_tags(article_id)
        current = ", ".join(tags) or "none"
        self.app.push_screen(PickerDialog(f"Tag this article (tags now: {current})",
                                          self.app.store.known_tags(), removable=tags,
                                          hint="a new tag is added as typed · -tag removes a tag"),
                             picked)

    def action_link_entity(self) -> None:
        if (found := self._selected()) is None:
            return
        view, span = found
        text = " ".join(view.article.text[span.start:span.end].split())
        names = [e["name"] for e in self.app.store.entities()]

        def picked(name: str | None) -> None:
            if not name:
                return
            new = self._save("link", lambda: self.app.store.link(span.key, name))
            if new is not None:
                self._saved(f"link to '{name}':", new)
                self._after(new, before=span)

        self.app.push_screen(PickerDialog("Link to entity (existing names first; a new name creates one)",
                                          names, value=text,
                                          hint="Avril Haine, Avril Hainse... can all link to Avril Haines"),
                             picked)

    # -- clipboard ---------------------------------------------------------------------------------

    def action_copy(self, what: str) -> None:
        view = self.active_view
        if view is None:
            return
        text = view.article.text
        if what == "article":
            chunk = text
        else:
            if (found := self._selected()) is None:
                return
            _, span = found
            if what == "entity":
                start, end = span.start, span.end
            else:
                start, end = sentence_bounds(text, span.start, span.end)
            chunk = text[start:end]
        self.app.set_status(f"{what}: {copy_text(self.app, chunk)}")
