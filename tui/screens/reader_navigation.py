"""Moving around the reader: entities, panes, articles, back to the library, bidi (a part of the reader).

A part of :class:`tui.screens.reader.ReaderScreen`; it writes nothing.
"""

from __future__ import annotations

from ..bidi import BIDI_MODES
from ..widgets.article_list import safe_title
from .reader_host import ReaderHost


class Navigation:
    """j/k, tab, n/p, escape and B of the reader."""

    def __init__(self, reader: ReaderHost) -> None:
        self.reader = reader

    def select(self, step: int) -> None:
        view = self.reader.active_view
        if view is None:
            return
        if view.token_mode:
            view.token_mode = False
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
        self.reader.activate(panes[(index + step) % len(panes)])

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
        new = await reader.place_pane(target, instead_of=pane)
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
        if view is not None and (view.selection is not None or view.token_mode):
            if view.selection is not None:
                view.clear_selection()
            else:
                view.token_mode = False
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
