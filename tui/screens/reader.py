"""The reader: one to three articles side by side, with a legend and a details bar.

The screen lays out the panes, knows which one keys act on and shows the selection; the work
of each key is done by one of its parts, each a plain class in its own module, given the
screen as a :class:`.reader_host.ReaderHost` and the other parts it uses: each ``action_*``
method below names the part. While nothing may be written (``--readonly``, or another
annotator's layer shown), :meth:`ReaderScreen.check_action` greys out the write actions
(:data:`tui.keymap.WRITE_ACTIONS`) in the footer, and their keys say why in the status bar.
Selecting an entity lights up every mention of the same folded surface form in
all open panes, and the other panes scroll to their first mention.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen

from annotations.store import SpanKey

from ..keymap import ENTITY_FOOTER, READER_BINDINGS, TOKEN_FOOTER, WRITE_ACTIONS
from ..messages import ArticlesChanged, TokensReady
from ..surface import surface
from ..widgets.article_list import STATUS_WORDS
from ..widgets.article_view import ArticleView
from ..widgets.entity_panel import EntityPanel
from ..widgets.footer import ParallaxFooter
from ..widgets.pane import Pane
from ..widgets.pane_row import PaneRow
from ..widgets.status_bar import StatusBar
from .reader_actions import Verdicts
from .reader_bars import Bars
from .reader_decide import Decider
from .reader_entities import Entities
from .reader_host import MAX_PANES
from .reader_layers import LayerSwitch
from .reader_navigation import Navigation, settle_memory
from .reader_session import SavedReader, reader_state
from .reader_spans import SpanEditing
from .reader_tags import Tagging

if TYPE_CHECKING:
    from textual import getters

    from ..app import ParallaxApp

__all__ = ["MAX_PANES", "ReaderScreen"]


class ReaderScreen(Screen):
    """Annotate the open articles; every decision is committed before it is shown as saved."""

    if TYPE_CHECKING:
        app = getters.app(ParallaxApp)

    BINDINGS = list(READER_BINDINGS)
    AUTO_FOCUS = ""  # activate() focuses the active pane; Textual's own first pick would move it

    def __init__(self, article_ids: list[int], *, state: dict | None = None) -> None:
        super().__init__()
        self._opening = list(article_ids)  # the articles compose lays out (then: the panes)
        self._saved = SavedReader(article_ids, state)  # where a session left the panes
        self._footer_is_token = False  # which set of keys the footer shows
        self._row = PaneRow()  # the panes; the one keys act on (see activate())
        # The parts, each given what it uses.
        self.bars = Bars(self)
        self.layer_switch = LayerSwitch(self)
        self.decider = Decider(self)
        self.span_editing = SpanEditing(self, self.decider)
        self.verdicts = Verdicts(self, self.decider, self.span_editing)
        self.tagging = Tagging(self, self.decider)
        self.navigation = Navigation(self, self._row)
        self.entities = Entities(self, self.decider, self.span_editing, self.layer_switch)

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The panes come with the session's cursors and active pane already in place, so a
        key typed while the reader opens acts where the screen will point."""
        with self._row:
            for index, article_id in enumerate(self._opening):
                where = self._saved.pane(article_id)
                pane = self.navigation.make_pane(article_id, where.get("span"), top=where.get("top"))
                if index == self._saved.active:
                    self._row.set_active(pane)
                yield pane
            yield self.entities.panel
        yield self.bars.legend
        yield self.bars.details
        yield StatusBar()
        yield ParallaxFooter(compact=True)

    def show_waiting(self) -> None:
        """Draw the spans whose decisions wait for the database (the app calls this when they change)."""
        for pane in self.panes:
            pane.view.set_waiting([(m.start, m.end) for m in self.app.decisions.marks(pane.article.id)])
        self.show_selection()

    def on_mount(self) -> None:
        for pane in self.panes:
            self.refresh_title(pane)
        if (active := self._row.active) is not None:
            self.activate(active)
        self.show_selection()
        # Tokens and annotation memory, once the articles are on screen (a thread of its own).
        self.call_after_refresh(self.app.jobs.articles_opened, tuple(self._opening))
        # After the refresh that follows the first one: the first can run before the articles are
        # painted, and a full collection (~10-30 ms) would then delay the launch's first look.
        self.call_after_refresh(self.call_after_refresh, settle_memory)

    # -- what keys may do -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hidden (False) while the entity panel has the focus: the reader's keys are then its
        keys. Greyed out (None) while nothing may be written, for the write actions."""
        if self.entities.takes_key(action):
            return False
        if action in WRITE_ACTIONS and self.layer_switch.readonly_reason() is not None:
            return None
        return True

    def refused(self, action: str) -> bool:
        """True (and the status bar says why) when ``action`` writes and nothing may be written now."""
        name = action.partition("(")[0]
        return name in WRITE_ACTIONS and self.layer_switch.refused(WRITE_ACTIONS[name])

    def on_key(self, event: events.Key) -> None:
        """A key whose write action is greyed out (read-only) says why it does nothing (Textual
        passes the key of a disabled binding on, to the focus and up to here)."""
        active = super().active_bindings.get(event.key)
        if active is not None and not active.enabled and self.refused(active.binding.action):
            event.stop()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """What the footer shows: the token keys in token mode, the entity keys otherwise.

        Display only: key presses are dispatched through the binding chain, so every key
        keeps working in both modes.
        """
        token = self._footer_is_token = self._token_cursor_out()
        hidden = ENTITY_FOOTER if token else TOKEN_FOOTER
        return {key: active for key, active in super().active_bindings.items()
                if active.binding.id not in hidden}

    def _token_cursor_out(self) -> bool:
        view = self.active_view
        return view is not None and view.token_selection.token_mode

    @on(ArticleView.TokenModeChanged)
    def sync_footer(self) -> None:
        """Show the other set of keys in the footer when the token cursor comes or goes
        (or another pane, with its own cursor, becomes the active one)."""
        if self._token_cursor_out() != self._footer_is_token:
            self.refresh_bindings()

    # -- the panes (the services its parts use: ReaderHost) -----------------------------------------

    @property
    def panes(self) -> list[Pane]:
        """The open panes, left to right."""
        return self._row.panes

    @property
    def active_pane(self) -> Pane | None:
        """The pane keys act on, and the one shown as active: one value, set by :meth:`activate`."""
        return self._row.active

    @property
    def active_view(self) -> ArticleView | None:
        pane = self.active_pane
        return pane.view if pane is not None else None

    @property
    def shown_layer(self) -> str | None:
        return self.layer_switch.shown

    @property
    def chosen_entity(self) -> int | None:
        """The entity whose mentions are lit (E, enter in the entity panel)."""
        return self.entities.chosen

    def is_open(self) -> bool:
        return self in self.app.screen_stack

    def pane_of(self, article_id: int) -> Pane | None:
        return next((p for p in self.panes if p.article.id == article_id), None)

    def activate(self, pane: Pane) -> None:
        """Make ``pane`` the active one now: keys act on it from the next key on, its title is
        highlighted, and focus (for the scroll keys and the mouse) follows at once."""
        changed = self._row.set_active(pane)
        if self.focused is not pane.view:
            self.set_focus(pane.view)  # the screen's set_focus is synchronous, widget.focus() is not
        if changed:
            self.show_selection()
            self.sync_footer()
            self.app.save_session()

    def refresh_title(self, pane: Pane) -> None:
        status = self.app.store.view.status(pane.article.id, self.shown_layer)
        pane.show_title(status if self.shown_layer is None else f"{self.shown_layer}: {STATUS_WORDS[status]}")

    def refresh_articles(self, article_ids: Collection[int] | None, *, select: SpanKey | None = None) -> None:
        """Read the spans of these open articles again (None: all of them) after a change."""
        store = self.app.store
        for pane in self.panes:
            if article_ids is None or pane.article.id in article_ids:
                pane.view.set_spans(store.view.spans(pane.article.id, self.shown_layer))
                if select is not None and pane is self.active_pane:
                    pane.view.select_key(select)
                self.refresh_title(pane)
        self.show_selection()

    def go_to_span(self, article_id: int, key: SpanKey | None, start: int) -> Pane | None:
        """Select the span ``key`` (else the one nearest ``start``) in the pane showing the article,
        which becomes the active pane; None when the article is not open."""
        pane = self.pane_of(article_id)
        if pane is None:
            return None
        self.activate(pane)
        pane.view.token_selection.token_mode = False
        if key is None or not pane.view.select_key(key):
            pane.view.select_nearest(start)
        self.show_selection()
        return pane

    async def go_to_mention(self, article_id: int, start: int, end: int) -> None:
        """The cursor on a mention, its article opened if need be (the conflicts view's enter)."""
        await self.entities.go_to_mention(article_id, start, end)

    async def place_pane(self, article_id: int, *, instead_of: Pane | None = None) -> Pane:
        """Open an article in a new pane (at the end), or in place of ``instead_of``; it becomes active."""
        return await self.navigation.place(article_id, instead_of=instead_of)

    # -- selection and highlights ----------------------------------------------------------

    def on_descendant_focus(self) -> None:
        """Focus moved without a key of ours (a click, Textual's first focus): the pane now
        holding it becomes active. A late event for an earlier focus changes nothing, since
        the screen's focus is read now, not the event's."""
        focused = self.focused
        for pane in self.panes:
            if focused is not None and (focused is pane or pane in focused.ancestors):
                if pane is not self.active_pane:
                    self.activate(pane)
                return

    @on(ArticleView.SpanSelected)
    def _span_selected(self, message: ArticleView.SpanSelected) -> None:
        if message.view is self.active_view:
            self.show_selection()
            self.app.save_session()

    @on(ArticleView.SelectionChanged)
    def _selection_changed(self, message: ArticleView.SelectionChanged) -> None:
        if message.view is self.active_view and message.selection is not None:
            start, end = message.selection
            article = message.view.article
            self.app.set_status(f"selection: '{surface(article, start, end)}' "
                                "(m makes it a span, 1-9 with that label, escape cancels)")

    @on(TokensReady)
    def _tokens_arrived(self, message: TokensReady) -> None:
        for pane in self.panes:
            if pane.article.id in message.article_ids:
                pane.view.tokens.reload()

    @on(ArticlesChanged)
    def _articles_changed(self, message: ArticlesChanged) -> None:
        self.refresh_articles(message.article_ids)

    def show_selection(self) -> None:
        """Details bar and legend for the active pane; same-surface highlights in every pane."""
        view = self.active_view
        span = view.selected_span if view is not None else None
        self.bars.show(view, span)
        self.entities.light_up(view, span)  # the surface's mentions, or the chosen entity's

    # -- the entity panel's messages ---------------------------------------------------------

    @on(EntityPanel.Leave)
    def _panel_left(self) -> None:
        self.entities.focus_panes()

    @on(EntityPanel.Chosen)
    def _entity_chosen(self, message: EntityPanel.Chosen) -> None:
        self.entities.choose(message.entity_id)

    @on(EntityPanel.GoTo)
    async def _panel_go_to(self, message: EntityPanel.GoTo) -> None:
        await self.entities.go_to_mention(message.article_id, message.start, message.end)

    @on(EntityPanel.Link)
    def _panel_link(self, message: EntityPanel.Link) -> None:
        self.entities.link_lookalike(message)

    @on(EntityPanel.LinkLikely)
    def _panel_link_likely(self, message: EntityPanel.LinkLikely) -> None:
        self.entities.link_likely(message)

    # -- the keys: each is done by the part named ------------------------------------------------

    def action_select(self, step: int) -> None:
        self.navigation.select(step)

    def action_pane(self, step: int) -> None:
        self.navigation.pane(step)

    async def action_article(self, step: int) -> None:
        await self.navigation.article(step)

    def action_back(self) -> None:
        self.navigation.back()

    def action_toggle_bidi(self) -> None:
        self.navigation.toggle_bidi()

    def action_switch_layer(self) -> None:
        self.layer_switch.switch()

    def action_accept(self) -> None:
        self.verdicts.accept()

    def action_reject(self) -> None:
        self.verdicts.reject()

    def action_accept_all(self) -> None:
        self.verdicts.accept_all()

    def action_label_number(self, number: int) -> None:
        self.verdicts.label_number(number)

    def action_pick_label(self) -> None:
        self.verdicts.pick_label()

    def set_label(self, label: str) -> None:
        """A label from the command palette: as 1-9 would give it."""
        if not self.refused("label_number"):
            self.verdicts.set_label(label)

    def action_undo(self) -> None:
        self.verdicts.undo()

    def action_redo(self) -> None:
        self.verdicts.redo()

    def action_toggle_done(self) -> None:
        self.verdicts.toggle_done()

    def action_token(self, step: int) -> None:
        self.span_editing.token(step)

    def action_mark(self) -> None:
        self.span_editing.mark()

    def action_make_span(self) -> None:
        self.span_editing.make_span()

    def action_grow(self, side: str, delta: int) -> None:
        self.span_editing.grow(side, delta)

    def action_delete_span(self) -> None:
        self.span_editing.delete()

    def action_tag_span(self) -> None:
        self.tagging.tag_span()

    def action_tag_article(self) -> None:
        self.tagging.tag_article()

    def action_link_entity(self) -> None:
        self.tagging.link_entity()

    def action_copy(self, what: str) -> None:
        self.tagging.copy(what)

    def action_toggle_entities(self) -> None:
        self.entities.toggle_panel()

    async def action_mention(self, step: int) -> None:
        await self.entities.mention(step)

    def action_jump_word(self) -> None:
        self.entities.jump_word()

    def action_propagate(self) -> None:
        self.entities.propagate()

    # -- the session -------------------------------------------------------------------------------

    def session_state(self) -> dict:
        """What the app saves of the reader (tui.screens.reader_session)."""
        return reader_state(self.panes, self.active_pane)
