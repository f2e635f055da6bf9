"""What the reader's parts use of the reader screen: one Protocol, checked by mypy.

The reader (:class:`tui.screens.reader.ReaderScreen`) holds its parts, one plain class per
module: :class:`.reader_layers.LayerSwitch` (whose layer is shown, read-only),
:class:`.reader_decide.Decider` (how a decision is written), :class:`.reader_actions.Verdicts`
(accept, reject, labels, undo, done), :class:`.reader_spans.SpanEditing` (the token cursor,
new spans, boundaries), :class:`.reader_tags.Tagging` (tags, links, copying),
:class:`.reader_navigation.Navigation` (moving around) and
:class:`.reader_entities.Entities` (entities across articles, ``*``). Each is given the screen
as a :class:`ReaderHost` and the other parts it uses; the screen's ``action_*`` methods
forward each key to the part that does the work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol

from annotations.store import SpanKey

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from ..widgets.article_view import ArticleView
    from ..widgets.pane import Pane

MAX_PANES = 3  # articles side by side


class ReaderHost(Protocol):
    """The reader screen's services to its parts: the app, the panes and the cursor's pane."""

    @property
    def app(self) -> ParallaxApp: ...

    @property
    def panes(self) -> list[Pane]:
        """The open panes, left to right."""
        ...

    @property
    def active_pane(self) -> Pane | None:
        """The pane keys act on."""
        ...

    @property
    def active_view(self) -> ArticleView | None: ...

    @property
    def shown_layer(self) -> str | None:
        """Whose layer the panes show (None: the annotator's own)."""
        ...

    def is_open(self) -> bool:
        """The reader is still on the app's screen stack."""
        ...

    def activate(self, pane: Pane) -> None:
        """Make ``pane`` the one keys act on, now."""
        ...

    def pane_of(self, article_id: int) -> Pane | None:
        """The pane showing the article, if it is open."""
        ...

    def refresh_articles(self, article_ids: Collection[int] | None, *,
                         select: SpanKey | None = None) -> None:
        """Read the spans of these open articles again (None: all) after a change."""
        ...

    def refresh_title(self, pane: Pane) -> None: ...

    def show_selection(self) -> None:
        """Details bar, legend and highlights for the active pane's selection."""
        ...

    def go_to_span(self, article_id: int, key: SpanKey | None, start: int) -> Pane | None:
        """Select the span (else the one nearest ``start``) in its pane, made active."""
        ...

    async def place_pane(self, article_id: int, *, instead_of: Pane | None = None) -> Pane:
        """Open an article in a new pane, or in place of ``instead_of``."""
        ...

    def call_after_refresh(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...

    def refresh_bindings(self) -> None:
        """The footer draws the keys again (what may be done changed)."""
        ...
