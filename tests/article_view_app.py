"""A minimal app showing one ArticleView, started in a pseudo-terminal by test_terminal_safety.

Not a test module: run as ``python tests/article_view_app.py`` it shows HOSTILE_TEXT (escape
sequences an article could carry) with a span over part of it; ``q`` quits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.model import Article, Span  # noqa: E402
from tui.widgets.article_view import ArticleView  # noqa: E402

HOSTILE_TEXT = (
    "START clipboard \x1b]52;c;SGVsbG8=\x07 then\n"
    "clear \x1b[2J screen\n"
    "title \x1b]0;title\x07 set\n"
    "c1 \x9b2J csi\n"
    "markup [b]bold[/b] [link=https://example.com]x[/link] END"
)


class ArticleViewApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        article = Article(1, "hostile", HOSTILE_TEXT, "en", None, "h")
        start = HOSTILE_TEXT.index("clear")
        yield ArticleView(article, [Span(1, start, start + 14, "ORG", "accepted", "human", span_id=1)])


if __name__ == "__main__":
    ArticleViewApp().run()
