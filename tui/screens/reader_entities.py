"""The reader's keys for one story across articles (a part of :class:`tui.screens.reader.ReaderScreen`).

``E`` shows, focuses and hides the entity panel; choosing an entity there lights up all its
mentions in every open pane (linked mentions in any spelling or script, and every place an
alias is written); ``>`` and ``<`` go to its next and previous mention across panes and
articles, opening the article when it is not open. ``f`` jumps the token cursor to a word by
its first letters. ``*`` does the last decision (remembered by the
:class:`.reader_decide.Decider`) to every identical mention (open articles or the whole
corpus), as one undo step, written in the background (:mod:`.propagate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotations.model import Span, every_words
from annotations.store import BulkDecision, BulkResult, BulkTarget
from annotations.text import display_safe, fold

from ..decisions import Mark
from ..messages import ArticlesChanged
from ..surface import surface
from ..widgets.entity_panel import EntityPanel
from ..word_jump import next_word, word_starts
from ..writes import BulkDecide, Link
from .propagate import LastDecision, PropagateDialog, bulk_status
from .reader_decide import Decider
from .reader_host import MAX_PANES, ReaderHost
from .reader_layers import LayerSwitch
from .reader_spans import SpanEditing

if TYPE_CHECKING:
    from ..widgets.article_view import ArticleView

# While the panel has the focus, the reader's keys go to it, except these.
PANEL_KEEPS = {"toggle_entities", "mention", "propagate", "undo", "redo"}
Lit = tuple[tuple[str, ...], dict[int, tuple[tuple[int, int], ...]]]  # (forms, ranges by article)


class Entities:
    """Entity panel, mentions across articles, word jump and decisions for every mention."""

    def __init__(self, reader: ReaderHost, decider: Decider, span_editing: SpanEditing,
                 layer_switch: LayerSwitch) -> None:
        self.reader = reader
        self.decider = decider
        self.span_editing = span_editing
        self.layer_switch = layer_switch
        self.panel = EntityPanel()  # the screen lays it out beside the panes
        self.chosen: int | None = None
        self._lit: Lit | None = None
        self._mentions: list[tuple[int, int, int]] = []
        self._scroll_to_lit = False
        self.last_letters = ""

    # -- the panel ---------------------------------------------------------------------------

    def toggle_panel(self) -> None:
        panel = self.panel
        if not panel.shown:
            panel.open()
            panel.reload(self.chosen, forms_changed=True)
            panel.focus_list()
        elif panel.has_focus_within:
            panel.remove_class("-shown")
            self.focus_panes()
        else:
            panel.focus_list()

    def focus_panes(self) -> None:
        pane = self.reader.active_pane
        if pane is not None:
            self.reader.activate(pane)
            pane.view.focus()

    def takes_key(self, action: str) -> bool:
        """While the panel has the focus, the reader's keys are its keys (j, k, enter, l, escape),
        but for a few. Walks up from the focus (a few nodes): the screen's check_action asks
        this for every binding each time the footer refreshes."""
        return action not in PANEL_KEEPS and self.panel.has_focus_within

    def choose(self, entity_id: int | None) -> None:
        """Light up every mention of the entity in every open pane (None: back to the selected surface)."""
        store = self.reader.app.store
        self.chosen = entity_id
        entity = store.entities.get(entity_id) if entity_id is not None else None
        if entity_id is None or entity is None:
            self.chosen, self._lit, self._mentions = None, None, []
            self.reader.app.set_status("no entity chosen: the selected entity's text is lit again")
        else:
            self._mentions = store.entities.mentions(entity_id)
            ranges: dict[int, list[tuple[int, int]]] = {}
            for article_id, start, end in self._mentions:
                ranges.setdefault(article_id, []).append((start, end))
            forms = tuple(dict.fromkeys([fold(entity["name"]), *store.entities.alias_forms(entity_id)]))
            self._lit = (forms, {a: tuple(r) for a, r in ranges.items()})
            articles = len(ranges)
            self.reader.app.set_status(display_safe(
                f"entity {entity['name']}: {len(self._mentions)} linked mention(s) in {articles} "
                "article(s), its spellings lit in every pane · > next mention, < previous"))
        self._scroll_to_lit = True
        self.reader.show_selection()
        if self.panel.shown:
            self.panel.reload(self.chosen)

    def light_up(self, view: ArticleView | None, span: Span | None) -> None:
        """Light the panes (the reader calls it on every selection): the chosen entity's mentions,
        else every mention of the selected span's surface form; other panes scroll to theirs."""
        lit = self._lit
        folded = None
        if view is not None and span is not None:
            folded = fold(view.article.text[span.start:span.end])
        scroll, self._scroll_to_lit = self._scroll_to_lit, False
        for pane in self.reader.panes:
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
        panes = self.reader.panes
        open_ids = {pane.article.id for pane in panes}
        found = {(pane.article.id, s, e) for pane in panes for s, e in pane.view.highlights}
        found |= {m for m in self._mentions if m[0] not in open_ids}
        return sorted(found)

    async def mention(self, step: int) -> None:
        app = self.reader.app
        if self.chosen is None:
            app.set_status("no entity chosen: E opens the entity panel, enter chooses one")
            return
        targets = self._mention_targets()
        if not targets:
            app.set_status("the chosen entity has no mention left")
            return
        view = self.reader.active_view
        here = (-1, -1)
        if view is not None:
            cursor = view.token_selection.token_cursor if view.token_selection.token_mode else None
            span = view.selected_span
            here = (view.article.id, cursor[0] if cursor else span.start if span is not None else -1)
        keys = [(a, s) for a, s, _ in targets]
        if step > 0:
            index = next((i for i, k in enumerate(keys) if k > here), 0)
        else:
            index = next((i for i in range(len(keys) - 1, -1, -1) if keys[i] < here), len(keys) - 1)
        article_id, start, end = targets[index]
        view = await self.go_to_mention(article_id, start, end)
        app.set_status(f"mention {index + 1} of {len(targets)}: "
                       f"'{surface(view.article, start, end)}' in article {article_id}")

    async def go_to_mention(self, article_id: int, start: int, end: int) -> ArticleView:
        """Put the cursor on a mention (start -1: the first lit one of the article), opening the
        article in a pane if it is not open: the entity cursor on its span, else the token cursor
        on its first word (ready for v, w, m). Returns the view it is in."""
        reader = self.reader
        pane = reader.pane_of(article_id)
        if pane is None:  # beside the others, or in place of the active pane when they are many
            full = len(reader.panes) >= MAX_PANES
            pane = await reader.place_pane(article_id, instead_of=reader.active_pane if full else None)
            reader.show_selection()
        reader.activate(pane)
        view = pane.view
        if start < 0:
            first = next(iter(view.highlights), None) or next(
                ((s, e) for a, s, e in self._mentions if a == article_id), (0, 0))
            start, end = first
        exact = next((s for s in view.spans if (s.start, s.end) == (start, end)), None)
        if exact is not None or not view.tokens.ready:
            view.token_selection.token_mode = False
            view.select_key(exact.key) if exact is not None else view.select_nearest(start)
        else:
            view.token_selection.move_token_to(start)
        reader.show_selection()
        return view

    def link_lookalike(self, message: EntityPanel.Link) -> None:
        """``l`` in the panel: link a look-alike mention to the chosen entity."""
        if self.layer_switch.refused("linking"):
            return
        mention, entity_id = message.mention, message.entity_id
        what = display_safe(f"link '{' '.join(mention.text.split())}' to {message.name}")

        def saved(span: Span, late: bool) -> None:
            self.decider.last = LastDecision.of(span, "link", mention.text, entity_id, message.name)
            self.reader.refresh_articles([mention.article_id])
            self.choose(entity_id)
            self.reader.app.set_status(f"saved: {what} · * does it to all alike")

        self.decider.save(what, Link(mention.key, entity_id), saved,
                          marks=(Mark(mention.article_id, mention.start, mention.end, mention.key),))

    def link_likely(self, message: EntityPanel.LinkLikely) -> None:
        """``l`` on a likely entity: every mention of its forms linked to a new entity named
        after its most frequent form (one decision: one u takes it back)."""
        if self.layer_switch.refused("linking"):
            return
        name = " ".join(message.name.split())
        more = " …" if len(message.candidate.forms) > 1 else ""
        what = display_safe(every_words("link", f"'{name}'{more}", entity=name))
        self.run_bulk(BulkTarget(forms=message.candidate.forms), BulkDecision("link", entity_name=name), what)

    # -- f: jump to a word by its first letters --------------------------------------------------

    def jump_word(self) -> None:
        app = self.reader.app
        view = self.reader.active_view
        if view is None or not self.span_editing.tokens_ready(view):
            return
        text = view.article.text

        def jumped(letters: str | None) -> None:
            if letters is None:
                app.set_status("find word: cancelled")
                return
            letters = letters or self.last_letters
            self.last_letters = letters
            starts = word_starts(text, letters)
            cursor = view.token_selection.token_cursor if view.token_selection.token_mode else None
            span = view.selected_span
            here = cursor[0] if cursor else (span.start if span is not None else None)
            found = next_word(starts, here)
            shown = display_safe(letters)
            if found is None:
                app.set_status(f"no word starts with '{shown}' in this article")
                return
            view.token_selection.move_token_to(found[0])
            app.set_status(f"'{shown}': word {found[1]} of {len(starts)} · f enter: the next · "
                           "v starts a selection, m makes the span")

        from .jump import JumpDialog  # a dialog a launch never shows (issue 20)

        app.push_screen(JumpDialog(lambda letters: len(word_starts(text, letters)), self.last_letters),
                        jumped)

    # -- *: the last decision for every identical mention -------------------------------------------

    def propagate(self) -> None:
        app = self.reader.app
        last = self.decider.last
        if last is None:
            app.set_status("no decision to repeat yet: accept, relabel, reject or link a mention, then *")
            return
        open_ids = tuple(pane.article.id for pane in self.reader.panes)

        def chosen(scope: str | None) -> None:
            if not scope:
                if scope is None:
                    app.set_status("every identical mention: cancelled, nothing changed")
                return
            # After the dialog has gone from the screen: its repaint need not share the CPU with the write.
            self.reader.call_after_refresh(self.run_bulk, BulkTarget(
                forms=(last.folded,), article_ids=open_ids if scope == "open" else None),
                last.decision(), last.describe(scope))

        app.push_screen(PropagateDialog(last, open_ids), chosen)

    def run_bulk(self, target: BulkTarget, decision: BulkDecision, what: str) -> None:
        """Write a bulk decision in the background (progress in the status bar), then refresh."""
        app = self.reader.app

        def saved(result: BulkResult, late: bool) -> None:
            app.set_status(bulk_status(what, result))
            app.post_message_to_screens(ArticlesChanged(result.article_ids))
            if self.panel.shown:
                self.panel.reload(self.chosen, forms_changed=True)

        app.decisions.submit(what, BulkDecide(target, decision, what), saved, background=True)
