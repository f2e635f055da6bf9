"""The command palette (ctrl+p): the screen's actions, the labels, and articles by title.

Hits are built as :class:`textual.content.Content` from plain text and styled by
offsets; Textual's own ``Matcher.highlight`` parses markup, which article titles
must never go through.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from .keymap import HELP_TEXT, display_keys
from .screens.reader import ReaderScreen
from .widgets.article_list import safe_title

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from .app import ParallaxApp

ARTICLE_HITS = 20
AGREEMENT = "Agreement figures between annotators (parallax agreement)"
TRAIN = "Train a model now on the done articles (parallax train)"
MODELS = "Models: stock vs new F1 per label (parallax models)"


def highlight(matcher: Matcher, text: str) -> Content:
    """``text`` as literal Content, with the matched characters styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style or "bold", offset, offset + 1)
    return content


class ParallaxCommands(Provider):
    """Actions of the current screen, labels (in the reader) and articles."""

    @property
    def parallax(self) -> ParallaxApp:
        """The app (a Provider's ``app`` is typed as any App)."""
        return cast("ParallaxApp", self.app)

    def _actions(self) -> list[tuple[str, str, DOMNode]]:
        """(text, action, node) for each binding of the screen and the app, with its keys."""
        screen = self.screen
        out: list[tuple[str, str, DOMNode]] = []
        seen = set()
        keymap = self.parallax.remapped_keys
        for node in (screen, self.app):
            for binding in getattr(node, "BINDINGS", []):
                if not binding.id or binding.id in seen:
                    continue
                seen.add(binding.id)
                keys = display_keys(keymap.get(binding.id, binding.key))
                text = f"{HELP_TEXT.get(binding.id, binding.description)}  ({keys})"
                out.append((text, binding.action, node))
        return out

    def _run(self, action: str, node: DOMNode) -> None:
        if isinstance(node, ReaderScreen) and node.refused(action):
            return  # read-only: the status bar says why, as the action's key would
        self.app.call_later(self.app.run_action, action, node)

    def _labels(self) -> list[str]:

        if not isinstance(self.screen, ReaderScreen):
            return []
        return self.parallax.store.labels.names()

    def _set_label(self, label: str) -> None:
        if isinstance(self.screen, ReaderScreen):
            self.app.call_later(self.screen.set_label, label)

    def _open(self, article_id: int) -> None:
        self.app.call_later(self.parallax.open_articles, [article_id])

    def _agreement(self) -> None:
        from .screens.agreement import open_agreement  # on first use: not part of a launch

        self.app.call_later(open_agreement, self.parallax)

    def _fixed(self) -> list[tuple[str, Callable[[], object]]]:
        """Entries of the app itself: agreement, training, the models view."""
        app = self.app
        return [(AGREEMENT, self._agreement), (TRAIN, lambda: app.call_later(app.run_action, "train")),
                (MODELS, lambda: app.call_later(app.run_action, "models"))]

    async def discover(self) -> Hits:
        for text, action, node in self._actions():
            yield DiscoveryHit(Content(text), partial(self._run, action, node), text=text)
        for text, run in self._fixed():
            yield DiscoveryHit(Content(text), run, text=text)
        for label in self._labels():
            text = f"Label: {label}"
            yield DiscoveryHit(Content(text), partial(self._set_label, label), text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action, node in self._actions():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight(matcher, text), partial(self._run, action, node), text=text)
        for text, run in self._fixed():
            if (score := matcher.match(text)) > 0:
                yield Hit(score, highlight(matcher, text), run, text=text)
        for label in self._labels():
            text = f"Label: {label}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlight(matcher, text), partial(self._set_label, label), text=text)
        for article_id, title in self._find_articles(query):
            text = f"Open: {safe_title(title)}"
            score = max(matcher.match(text), 0.05)
            yield Hit(score, highlight(matcher, text), partial(self._open, article_id), text=text,
                      help=f"article {article_id}")

    def _find_articles(self, query: str) -> list[tuple[int, str]]:
        return self.parallax.store.library.find_articles(query, ARTICLE_HITS)
