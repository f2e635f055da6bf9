"""The reader's part of a session: where it left each pane, read back when it opens again.

A part of :class:`tui.screens.reader.ReaderScreen`, holding both ends of one JSON shape:
:func:`reader_state` writes what the app saves (the open articles, each pane's selected span and
scroll, the active pane) and :class:`SavedReader` reads it back for the panes about to open (an
active pane out of range is the first; :meth:`.reader_navigation.Navigation.make_pane` checks
each pane's span and scroll).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..widgets.pane import Pane


def reader_state(panes: list[Pane], active: Pane | None) -> dict:
    """What the session keeps of the reader: every pane's cursor and scroll, active or not."""
    saved = []
    for pane in panes:
        span = pane.view.selected_span
        saved.append({"article": pane.article.id,
                      "span": [span.start, span.end] if span is not None else None,
                      "top": pane.view.display_lines.top_offset()})
    return {"articles": [p["article"] for p in saved], "panes": saved,
            "active": panes.index(active) if active is not None else 0}


class SavedReader:
    """A saved reader state (``state``, may be empty) for the articles about to be opened."""

    def __init__(self, article_ids: list[int], state: dict | None) -> None:
        state = state or {}
        active = state.get("active", 0)
        self.active = active if isinstance(active, int) and 0 <= active < len(article_ids) else 0
        self._panes = {p.get("article"): p for p in state.get("panes", []) if isinstance(p, dict)}

    def pane(self, article_id: int) -> dict:
        """What was saved of the article's pane: "span" ([start, end]) and "top" (its scroll)."""
        return self._panes.get(article_id, {})
