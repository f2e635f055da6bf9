"""One open article in the reader: its title line (status, counts, language) and its ArticleView."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click
from textual.widgets import Static

from annotations.model import Article, Span
from annotations.text import display_safe

from ..token_cursor import Token
from .article_list import STATUS_WORDS, visual_title
from .article_view import ArticleView


class Pane(Vertical):
    """One open article: a title line and its ArticleView."""

    def __init__(self, article: Article, spans: list[Span], *, bidi: str,
                 select: tuple[str, int] | None = None,
                 load_tokens: Callable[[], list[Token] | None] = lambda: None) -> None:
        super().__init__(classes="pane")
        self.article = article
        self.closing = False  # set while it is being replaced, so it no longer counts as open
        self._title_text = ""
        self.view = ArticleView(article, spans, bidi=bidi, select=select, load_tokens=load_tokens)

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-title", markup=False)
        yield self.view

    def show_title(self, status: str) -> None:
        """Status, counts, language and title; the title is article text: Content, display-safe.

        The counts are those of the spans the view shows (what the library counts, for this
        annotator), so a decision in a long article does not wait for a count over the database.
        """
        title = visual_title(self.article.title, 200, reorder=self.view.reorders)
        counts = self.view.status_counts()
        accepted = counts.get("accepted", 0) + counts.get("corrected", 0)
        text = (f"{STATUS_WORDS.get(status, status)} ✓{accepted} ✗{counts.get('rejected', 0)} "
                f"?{counts.get('suggested', 0)} {display_safe(self.article.lang)} · {title}")
        if text != self._title_text:
            self._title_text = text
            self.query_one(".pane-title", Static).update(Content(text), layout=False)  # one line

    def on_click(self, event: Click) -> None:
        self.view.focus()
