"""Moving around the reader: entities, panes, articles opened in panes, back to the library, bidi.

A part of :class:`tui.screens.reader.ReaderScreen`; it writes nothing.
"""

from __future__ import annotations

import gc

from annotations.tokenizers import tokenizer_name

from ..bidi import BIDI_MODES
from ..widgets.article_list import safe_title
from ..widgets.pane import Pane
from ..widgets.pane_row import PaneRow
from .reader_host import ReaderHost


def settle_memory() -> None:
    """Collect once, then freeze what is left, after articles open (their spans, lines, caches).

    With a 1 MB article open (12,700 spans) Python's full garbage collections walk the whole
    heap: about one key press in twenty waited ~100 ms for one (the reader benchmark). Frozen
    objects are left out of later collections; what is unfrozen first is whatever the last
    freeze kept of articles closed since, so it can be collected now.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Navigation:
    """j/k, tab, n/p, escape and B of the reader, and the articles opened in its panes."""

    def __init__(self, reader: ReaderHost, row: PaneRow) -> None:
        self.reader = reader
        self.row = row

    # -- opening articles ---------------------------------------------------------------------

    def make_pane(self, article_id: int, where: object = None, *, top: object = None) -> Pane:
        """A pane for the article; ``where`` is a session's [start, end] for its cursor, ``top``
        the offset of the text it showed at the top (its scroll)."""
        app = self.reader.app
        store = app.store
        article = store.articles.get(article_id)
        spans = store.view.spans(article_id, self.reader.shown_layer)
        select = None
        if isinstance(where, list) and len(where) == 2:
            select = next((s.key for s in spans if [s.start, s.end] == where), None)
        shown = top if isinstance(top, int) and 0 <= top <= len(article.text) else None
        pane = Pane(article, spans, bidi=app.bidi, select=select, top=shown,
                    load_tokens=lambda: store.tokens.get(article_id, tokenizer_name(article.lang)))
        pane.view.set_waiting([(m.start, m.end) for m in app.decisions.marks(article_id)])
        return pane

    async def place(self, article_id: int, *, instead_of: Pane | None = None) -> Pane:
        """Open an article in a new pane (after the others), or in place of ``instead_of``; it
        becomes the active pane."""
        reader, app = self.reader, self.reader.app
        new = self.make_pane(article_id)
        if instead_of is None:
            await self.row.add(new)
            reader.activate(new)
        else:
            instead_of.closing = True
            # One layout for the swap: in between, the panes would be laid out (and their
            # articles wrapped) at a width for one pane more, painted as an extra column and
            # words cut short.
            with app.batch_update():
                await self.row.mount(new, before=instead_of)
                new.view.display_lines.wrap_like(instead_of.view.display_lines)
                reader.activate(new)
                await instead_of.remove()
        app.jobs.articles_opened((article_id,))
        reader.call_after_refresh(settle_memory)
        reader.refresh_title(new)
        app.save_session()
        return new

    # -- moving around ----------------------------------------------------------------------------

    def select(self, step: int) -> None:
        view = self.reader.active_view
        if view is None:
            return
        if view.token_selection.token_mode:
            view.token_selection.token_mode = False
        if not view.spans:
            self.reader.app.set_status("no entities here: w/b move the token cursor, v starts a selection")
            return
        view.select_next() if step > 0 else view.select_prev()
        # The details bar and the same-text marks in the same repaint as the cursor (the
        # SpanSelected message that follows finds nothing left to change).
        self.reader.show_selection()

    def pane(self, step: int) -> None:
        panes = self.reader.panes
        active = self.reader.active_pane
        if len(panes) < 2 or active is None:
            return
        index = panes.index(active)
        pane = panes[(index + step) % len(panes)]
        # Scrolled while inactive (to the selected text's first mention), it shows its cursor
        # again: the next key acts where the ▶ is.
        pane.view.show_cursor()
        self.reader.activate(pane)

    async def article(self, step: int) -> None:
        """Replace the active pane's article with the next/previous one in library order."""
        reader = self.reader
        pane = reader.active_pane
        if pane is None:
            return
        target = self.neighbour(pane.article.id, step)
        if target is None:
            reader.app.set_status("no next article" if step > 0 else "no previous article")
            return
        new = await self.place(target, instead_of=pane)
        reader.app.set_status(f"opened {safe_title(new.article.title)[:60]}")

    def neighbour(self, article_id: int, step: int) -> int | None:
        """The next article in the library's order that is not already open."""
        app = self.reader.app
        order = app.library_order()
        open_ids = {p.article.id for p in self.reader.panes}
        if order and article_id in order:
            index = order.index(article_id) + step
            while 0 <= index < len(order):
                if order[index] not in open_ids:
                    return order[index]
                index += step
            return None
        candidate = app.store.library.adjacent_id(article_id, step)
        while candidate is not None:
            if candidate not in open_ids:
                return candidate
            candidate = app.store.library.adjacent_id(candidate, step)
        return None

    def back(self) -> None:
        """Clear the selection (or the token cursor), else back to the library."""
        app = self.reader.app
        view = self.reader.active_view
        tokens = None if view is None else view.token_selection
        if tokens is not None and (tokens.selection is not None or tokens.token_mode):
            if tokens.selection is not None:
                tokens.clear_selection()
            else:
                tokens.token_mode = False
            app.set_status("selection cleared")
            return
        app.pop_screen()
        app.save_session()

    def toggle_bidi(self) -> None:
        app = self.reader.app
        app.bidi = BIDI_MODES[(BIDI_MODES.index(app.bidi) + 1) % len(BIDI_MODES)]
        reorders = [pane.view.set_bidi(app.bidi) for pane in self.reader.panes]
        for pane in self.reader.panes:
            self.reader.refresh_title(pane)
        how = "reordered by Parallax" if any(reorders) else "left to the terminal"
        app.set_status(f"bidi: {app.bidi} (right-to-left lines {how})")
