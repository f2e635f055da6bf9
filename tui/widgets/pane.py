"""One open article in the reader: its title line (status, counts, language) and its ArticleView."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click
from textual.widgets import Static

from annotations.model import Article, ArticleStatus, Span
from annotations.text import display_safe

from ..token_cursor import Token
from .article_list import STATUS_WORDS, visual_title
from .article_view import ArticleView

TITLE_ROOM = 200  # the width a title is laid out for before the pane has one
MIN_TITLE = 12  # cells a title keeps in a narrow pane, before the counts


def title_line(article: Article, status: str, counts: tuple[int, int, int], width: int, *,
               reorder: bool) -> str:
    """One line naming the article first, then its status, counts and language, in ``width``
    cells. A narrow pane (three side by side at 80 columns) keeps the title readable: the status
    word and language go before the title drops under MIN_TITLE cells. The title is cut on its
    logical text before it is reordered, so a right-to-left title keeps its beginning."""
    accepted, rejected, suggested = counts
    marks = f"✓{accepted} ✗{rejected} ?{suggested}"
    word = STATUS_WORDS.get(status, status)
    done = " done" if status == ArticleStatus.DONE else ""  # the one status a narrow pane still names
    tails = (f" · {word} {marks} {display_safe(article.lang)}", f" · {word} {marks}", f"{done} {marks}")
    tail = next((t for t in tails if width - cell_len(t) >= MIN_TITLE), tails[-1])
    title = visual_title(article.title, max(width - cell_len(tail), 1), reorder=reorder)
    return title + tail


class Pane(Vertical):
    """One open article: a title line and its ArticleView."""

    def __init__(self, article: Article, spans: list[Span], *, bidi: str,
                 select: tuple[str, int] | None = None, top: int | None = None,
                 load_tokens: Callable[[], list[Token] | None] = lambda: None) -> None:
        super().__init__(classes="pane")
        self.article = article
        self.closing = False  # set while it is being replaced, so it no longer counts as open
        self._title_text = ""
        self._status: str | None = None  # the status shown (show_title), kept for a resize
        self.view = ArticleView(article, spans, bidi=bidi, select=select, top=top,
                                load_tokens=load_tokens)

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-title", markup=False)
        yield self.view

    def show_title(self, status: str) -> None:
        """The article's title, then its status, counts and language (:func:`title_line`)."""
        self._status = status
        self._show_title()

    def on_resize(self) -> None:
        if self._status is not None:
            self._show_title()

    def _show_title(self) -> None:
        """The counts are those of the spans the view shows (what the library counts, for this
        annotator), so a decision in a long article does not wait for a count over the database."""
        counts = self.view.status_counts()
        accepted = counts.get("accepted", 0) + counts.get("corrected", 0)
        text = title_line(self.article, self._status or ArticleStatus.TODO,
                          (accepted, counts.get("rejected", 0), counts.get("suggested", 0)),
                          self.size.width or TITLE_ROOM, reorder=self.view.reorders)
        if text != self._title_text:
            self._title_text = text
            self.query_one(".pane-title", Static).update(Content(text), layout=False)  # one line

    def on_click(self, event: Click) -> None:
        self.view.focus()
