"""The reader's keys for one story across articles (a part of :class:`tui.screens.reader.ReaderScreen`).

``E`` shows, focuses and hides the entity panel; choosing an entity there lights up all its
mentions in every open pane (linked mentions in any spelling or script, and every place an
alias is written); ``>`` and ``<`` go to its next and previous mention across panes and
articles, opening the article when it is not open. ``f`` jumps the token cursor to a word by
its first letters. ``*`` does the last decision to every identical mention (open articles or
the whole corpus), as one undo step, written in the background (:mod:`.propagate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotations.model import Span
from annotations.store import BulkDecision, BulkTarget, Store
from annotations.text import display_safe, fold

from ..decisions import Mark
from ..messages import ArticlesChanged
from ..surface import surface
from ..widgets.entity_panel import EntityPanel
from ..word_jump import next_word, word_starts
from .jump import JumpDialog
from .propagate import LastDecision, PropagateDialog, bulk_status

if TYPE_CHECKING:
    from ..app import ParallaxApp
    from ..widgets.article_view import ArticleView
    from ..widgets.pane import Pane

# While the panel has the focus, the reader's keys go to it, except these.
PANEL_KEEPS = {"toggle_entities", "mention", "propagate", "undo", "redo"}
BIG_STEP = 20  # an undo or redo that changed more articles than this is reported by count
DECIDED = {"accept": "label", "label": "label", "new span": "label", "reject": "reject"}


class EntityActions:
    """Entity panel, mentions across articles, word jump and decisions for every mention."""

    if TYPE_CHECKING:  # supplied by ReaderScreen and ReaderActions
        app: ParallaxApp
        panes: list[Pane]
        active_pane: Pane | None
        active_view: ArticleView | None

        max_panes: int

        def activate(self, pane: Pane) -> None: ...
        def _refused(self, what: str) -> bool: ...  # reader_layers: read-only (another layer, --readonly)
        def _ensure_tokens(self, view: ArticleView) -> bool: ...  # reader_spans: token boundaries there
        async def place_pane(self, article_id: int, *, instead_of: Pane | None = None) -> Pane: ...
        def refresh_articles(self, article_ids, *, select=None) -> None: ...
        def _show_selection(self) -> None: ...
        def query_one(self, selector, expect_type=None): ...
        def query(self, selector): ...

    chosen_entity: int | None = None
    _entity_lit: tuple[tuple[str, ...], dict[int, tuple[tuple[int, int], ...]]] | None = None
    _entity_mentions: list[tuple[int, int, int]] = []
    _scroll_to_lit = False
    last_decision: LastDecision | None = None
    last_letters = ""

    # -- the panel ---------------------------------------------------------------------------

    def entity_panel(self) -> EntityPanel:
        return self.query_one(EntityPanel)

    def action_toggle_entities(self) -> None:
        panel = self.entity_panel()
        if not panel.shown:
            panel.add_class("-shown")
            panel.reload(self.chosen_entity, forms_changed=True)
            panel.focus_list()
        elif panel.has_focus_within:
            panel.remove_class("-shown")
            self._focus_panes()
        else:
            panel.focus_list()

    def _focus_panes(self) -> None:
        if self.active_pane is not None:
            self.activate(self.active_pane)
            self.active_pane.view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the panel has the focus, the reader's keys are its keys (j, k, enter, l, escape)."""
        # Walk up from the focus (a few nodes) rather than query the screen: this runs for every
        # binding each time the footer refreshes.
        focused = self.focused
        if (focused is not None and action not in PANEL_KEEPS
                and any(isinstance(node, EntityPanel) for node in focused.ancestors_with_self)):
            return False
        return super().check_action(action, parameters)

    # Handlers by name (on_entity_panel_...): an @on in a mixin that is not a MessagePump is never seen.

    def on_entity_panel_leave(self) -> None:
        self._focus_panes()

    def on_entity_panel_chosen(self, message: EntityPanel.Chosen) -> None:
        self.choose_entity(message.entity_id)

    def choose_entity(self, entity_id: int | None) -> None:
        """Light up every mention of the entity in every open pane (None: back to the selected surface)."""
        store = self.app.store
        self.chosen_entity = entity_id
        entity = store.entities.get(entity_id) if entity_id is not None else None
        if entity is None:
            self.chosen_entity, self._entity_lit, self._entity_mentions = None, None, []
            self.app.set_status("no entity chosen: the selected entity's text is lit again")
        else:
            self._entity_mentions = store.entities.mentions(entity_id)
            ranges: dict[int, list[tuple[int, int]]] = {}
            for article_id, start, end in self._entity_mentions:
                ranges.setdefault(article_id, []).append((start, end))
            forms = tuple(dict.fromkeys([fold(entity["name"]), *store.entities.alias_forms(entity_id)]))
            self._entity_lit = (forms, {a: tuple(r) for a, r in ranges.items()})
            articles = len(ranges)
            self.app.set_status(display_safe(f"entity {entity['name']}: {len(self._entity_mentions)} linked "
                                             f"mention(s) in {articles} article(s), its spellings lit in "
                                             "every pane · > next mention, < previous"))
        self._scroll_to_lit = True
        self._show_selection()
        panel = self.entity_panel()
        if panel.shown:
            panel.reload(self.chosen_entity)

    def light_up(self, view: ArticleView | None, span: Span | None) -> None:
        """Light the panes (called by the reader on every selection): the chosen entity's mentions,
        else every mention of the selected span's surface form; other panes scroll to theirs."""
        lit = self._entity_lit
        folded = None
        if view is not None and span is not None:
            folded = fold(view.article.text[span.start:span.end])
        scroll, self._scroll_to_lit = self._scroll_to_lit, False
        for pane in self.panes:
            if lit is None:
                count = pane.view.highlight_surface(folded)
                scroll_this = pane.view is not view
            else:
                count = pane.view.light_up(lit[0], lit[1].get(pane.article.id, ()))
                scroll_this = scroll
            if scroll_this and count:
                pane.view.scroll_to_first_highlight()

    # -- the chosen entity's mentions ----------------------------------------------------------

    def _mention_targets(self) -> list[tuple[int, int, int]]:
        """Every mention to visit: what is lit in the open panes, and the linked mentions elsewhere."""
        open_ids = {pane.article.id for pane in self.panes}
        found = {(pane.article.id, s, e) for pane in self.panes for s, e in pane.view.highlights}
        found |= {m for m in self._entity_mentions if m[0] not in open_ids}
        return sorted(found)

    async def action_mention(self, step: int) -> None:
        if self.chosen_entity is None:
            self.app.set_status("no entity chosen: E opens the entity panel, enter chooses one")
            return
        targets = self._mention_targets()
        if not targets:
            self.app.set_status("the chosen entity has no mention left")
            return
        view = self.active_view
        here = (-1, -1)
        if view is not None:
            cursor = view.token_cursor if view.token_mode else None
            span = view.selected_span
            here = (view.article.id, cursor[0] if cursor else span.start if span is not None else -1)
        keys = [(a, s) for a, s, _ in targets]
        if step > 0:
            index = next((i for i, k in enumerate(keys) if k > here), 0)
        else:
            index = next((i for i in range(len(keys) - 1, -1, -1) if keys[i] < here), len(keys) - 1)
        article_id, start, end = targets[index]
        await self.go_to_mention(article_id, start, end)
        self.app.set_status(f"mention {index + 1} of {len(targets)}: "
                            f"'{surface(self.active_view.article, start, end)}' in article {article_id}")

    async def go_to_mention(self, article_id: int, start: int, end: int) -> None:
        """Put the cursor on a mention (start -1: the first lit one of the article), opening the
        article in a pane if it is not open: the entity cursor on its span, else the token cursor
        on its first word (ready for v, w, m)."""
        pane = next((p for p in self.panes if p.article.id == article_id), None)
        if pane is None:  # beside the others, or in place of the active pane when they are many
            full = len(self.panes) >= self.max_panes
            pane = await self.place_pane(article_id, instead_of=self.active_pane if full else None)
            self._show_selection()
        self.activate(pane)
        view = pane.view
        if start < 0:
            first = next(iter(view.highlights), None) or next(
                ((s, e) for a, s, e in self._entity_mentions if a == article_id), (0, 0))
            start, end = first
        exact = next((s for s in view.spans if (s.start, s.end) == (start, end)), None)
        if exact is not None or not view.tokens.ready:
            view.token_mode = False
            view.select_key(exact.key) if exact is not None else view.select_nearest(start)
        else:
            view.move_token_to(start)
        self._show_selection()

    async def on_entity_panel_go_to(self, message: EntityPanel.GoTo) -> None:
        await self.go_to_mention(message.article_id, message.start, message.end)

    def on_entity_panel_link(self, message: EntityPanel.Link) -> None:
        if self._refused("linking"):
            return
        mention, entity_id = message.mention, message.entity_id
        what = display_safe(f"link '{' '.join(mention.text.split())}' to {message.name}")

        def saved(span: Span, late: bool) -> None:
            self.last_decision = LastDecision.of(span, "link", mention.text, entity_id, message.name)
            self.refresh_articles([mention.article_id])
            self.choose_entity(entity_id)
            self.app.set_status(f"saved: {what} · * does it to all alike")

        self.app.decisions.run(what, lambda store: store.decisions.link(mention.key, entity_id), saved,
                               marks=(Mark(mention.article_id, mention.start, mention.end, mention.key),))

    # -- f: jump to a word by its first letters --------------------------------------------------

    def action_jump_word(self) -> None:
        view = self.active_view
        if view is None or not self._ensure_tokens(view):
            return
        text = view.article.text

        def jumped(letters: str | None) -> None:
            if letters is None:
                self.app.set_status("find word: cancelled")
                return
            letters = letters or self.last_letters
            self.last_letters = letters
            starts = word_starts(text, letters)
            cursor = view.token_cursor if view.token_mode else None
            span = view.selected_span
            here = cursor[0] if cursor else (span.start if span is not None else None)
            found = next_word(starts, here)
            shown = display_safe(letters)
            if found is None:
                self.app.set_status(f"no word starts with '{shown}' in this article")
                return
            view.move_token_to(found[0])
            self.app.set_status(f"'{shown}': word {found[1]} of {len(starts)} · f enter: the next · "
                                "v starts a selection, m makes the span")

        self.app.push_screen(JumpDialog(lambda letters: len(word_starts(text, letters)), self.last_letters),
                             jumped)

    # -- *: the last decision for every identical mention -------------------------------------------

    def _saved(self, action: str, span: Span, late: bool = False) -> None:
        """After a decision on one mention (ReaderActions): remember it for ``*`` and say so. One
        saved late was remembered when it was typed (a later one may have been typed since)."""
        super()._saved(action, span, late)
        if not late and self._remember(action, span):
            self.app.set_status(self.app.status + " · * does it to all alike")

    def _waiting_on(self, action: str, span: Span, label: str | None, advance: bool) -> None:
        """A decision on one mention waits for the database (ReaderActions): ``*`` typed after it
        repeats it. A link is remembered once saved (its entity may not exist yet)."""
        super()._waiting_on(action, span, label, advance)
        if action in DECIDED:
            self._remember(action, span._replace(label=label or span.label, entity_id=None))

    def _remember(self, action: str, span: Span) -> bool:
        pane = next((p for p in self.panes if p.article.id == span.article_id), None)
        kind = "link" if action.startswith("link") else DECIDED.get(action)
        if pane is None or kind is None:
            return False
        text = pane.article.text[span.start:span.end]
        entity = self.app.store.entities.get(span.entity_id) if span.entity_id is not None else None
        self.last_decision = LastDecision.of(span, kind, text, span.entity_id,
                                             entity["name"] if entity else None)
        return True

    def action_propagate(self) -> None:
        if self._refused("every identical mention"):
            return
        last = self.last_decision
        if last is None:
            self.app.set_status("no decision to repeat yet: accept, relabel, reject or link a mention, "
                                "then *")
            return
        open_ids = tuple(pane.article.id for pane in self.panes)

        def chosen(scope: str | None) -> None:
            if not scope:
                if scope is None:
                    self.app.set_status("every identical mention: cancelled, nothing changed")
                return
            # After the dialog has gone from the screen: its repaint need not share the CPU with the write.
            self.call_after_refresh(self.run_bulk, BulkTarget(
                forms=(last.folded,), article_ids=open_ids if scope == "open" else None),
                last.decision(), last.describe(scope))

        self.app.push_screen(PropagateDialog(last, open_ids), chosen)

    def run_bulk(self, target: BulkTarget, decision: BulkDecision, what: str) -> None:
        """Write a bulk decision in the background (progress in the status bar), then refresh."""

        def write(store: Store, report) -> object:
            return store.bulk.decide(target, decision, progress=lambda done, total: report(
                f"saving {what}: {done:,} of {total:,} mention(s)…"))

        def saved(result, late: bool) -> None:
            self.app.set_status(bulk_status(what, result))
            self.app.post_message_to_screens(ArticlesChanged(result.article_ids))
            if self.entity_panel().shown:
                self.entity_panel().reload(self.chosen_entity, forms_changed=True)

        self.app.decisions.run_background(what, write, saved)

    def _show_step(self, what: str, result, late: bool = False) -> None:
        """An undo or redo (ReaderActions): a big one (every mention at once) is reported by count."""
        if len(result.article_ids) > BIG_STEP:
            self.app.post_message_to_screens(ArticlesChanged(result.article_ids))
            self.app.set_status(f"saved: {what} {result.action} ({len(result.article_ids):,} articles)")
            return
        super()._show_step(what, result, late)
