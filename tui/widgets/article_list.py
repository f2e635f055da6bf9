"""The library's article list: a Line-API view over an id list, with no widget per article.

The list holds only the matching ids (from :func:`annotations.store.library.matching_ids`,
or first just the first page of them while the rest are counted); the columns of
the rows on screen are fetched through a callback when a line is rendered, and
cached until :meth:`ArticleList.invalidate`. 100,000 articles cost one array of ints.
"""

from __future__ import annotations

from array import array
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotations.model import ArticleStatus
from annotations.store import LibraryRow
from annotations.text import display_safe

from ..bidi import first_strong_is_rtl
from ..keymap import LIBRARY_LIST_BINDINGS
from ..layout import visual_order_of

STATUS_WORDS: dict[str, str] = {status: status.words for status in ArticleStatus}  # a row holds a str
LANG_W, STATUS_W, REVIEW_W = 3, 11, 2
REVIEW_MARKS = {"reviewed": "R", "disputed": "≠", "awaiting": "…"}  # annotations.store.review
CountWidths = tuple[int, int, int]  # digits for accepted, rejected, open suggestions
MIN_COUNT_WIDTHS: CountWidths = (4, 3, 4)  # the column never narrower than this (headings fit)


def count_widths(rows: Iterable[LibraryRow]) -> CountWidths:
    """Digits each count needs so that the largest of these rows shows whole (19,762 -> 5)."""
    wa, wr, ws = MIN_COUNT_WIDTHS
    for row in rows:
        wa, wr, ws = (max(wa, len(str(row.accepted))), max(wr, len(str(row.rejected))),
                      max(ws, len(str(row.suggested))))
    return wa, wr, ws


def counts_width(widths: CountWidths) -> int:
    """Cells of the counts column: each count, its mark, and a space between them."""
    return sum(widths) + 5


def counts_text(row: LibraryRow, widths: CountWidths = MIN_COUNT_WIDTHS) -> str:
    """Span counts as a column of ``counts_width(widths)`` cells: accepted, rejected, open suggestions."""
    wa, wr, ws = widths
    return f"✓{row.accepted:<{wa}} ✗{row.rejected:<{wr}} ?{row.suggested:<{ws}}"


def _title_width(width: int, widths: CountWidths) -> int:
    return max(8, width - 2 - LANG_W - counts_width(widths) - STATUS_W - REVIEW_W - 3)


def header_text(width: int, widths: CountWidths = MIN_COUNT_WIDTHS) -> str:
    """The column heading matching :meth:`ArticleList.render_line` with these count widths."""
    wa, wr, ws = widths
    counts = f"{'✓ok':<{wa + 1}} {'✗no':<{wr + 1}} {'?open':<{ws + 1}}"
    return ("  " + "title".ljust(_title_width(width, widths)) + " " + "la".ljust(LANG_W) + " " + counts
            + " " + "status".ljust(STATUS_W) + "rv")[:width]


def safe_title(title: str) -> str:
    """A title on one line, terminal-safe: controls shown as placeholders, no newlines."""
    return display_safe(" ".join(title.split()))


def visual_title(title: str, width: int | None = None, *, reorder: bool = False) -> str:
    """A safe title cut to ``width`` cells, in visual order when the app reorders RTL text.

    The cut is made on the logical text (an RTL title keeps its beginning, and the
    ellipsis lands at its visual end), then grapheme clusters are reordered.
    """
    text = safe_title(title)
    if width is not None:
        text = Content(text).truncate(width, ellipsis=True).plain
    return visual_order_of(text, rtl=first_strong_is_rtl(text)) if reorder else text


class ArticleList(ScrollView, can_focus=True):
    """A cursor over the articles matching the library query; space marks, enter opens."""

    COMPONENT_CLASSES = {"article-list--cursor", "article-list--marked", "article-list--done",
                         "article-list--dim"}

    DEFAULT_CSS = """
    ArticleList { background: $surface; }
    ArticleList > .article-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    ArticleList > .article-list--marked { text-style: bold; color: $accent; }
    ArticleList > .article-list--done { color: $success; }
    ArticleList > .article-list--dim { color: $text-muted; }
    """

    # Priority bindings, as in the reader: Textual runs them as each key arrives, in the order
    # typed, so keys typed after enter reach the reader it opens (see action_open).
    BINDINGS = [Binding(keys, action, description, show=show, id=binding_id, priority=True)
                for binding_id, keys, description, action, show in LIBRARY_LIST_BINDINGS]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto an article (None when the list is empty)."""

        article_list: ArticleList
        article_id: int | None

    @dataclass
    class ColumnsChanged(Message):
        """The counts column changed width (a larger count came on screen): the heading follows."""

        article_list: ArticleList
        widths: CountWidths

    @dataclass
    class MarksChanged(Message):
        """The marks changed; ``refused`` is the article that could not be marked (limit reached)."""

        article_list: ArticleList
        marked: list[int]
        refused: int | None = None

    def __init__(self, fetch: Callable[[list[int]], list[LibraryRow]],
                 open_articles: Callable[[list[int]], Awaitable[None]], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._fetch = fetch
        self._open = open_articles  # returns once the reader showing them is ready for keys
        self.ids: array = array("q")
        self.complete = True  # False while ids is only the first page of the result
        self._to_end = False  # "end" pressed before every id was known: go there when they are
        self.marked: dict[int, None] = {}  # an ordered set: open in marking order
        self.max_marks: int | None = None  # the reader's panes: no more can be marked
        self._rows: dict[int, LibraryRow] = {}
        self.reorder = False  # put right-to-left titles in visual order (the app's bidi mode)
        self.widths: CountWidths = MIN_COUNT_WIDTHS  # of the counts column, from the rows on screen
        self._painted_width = 0  # the row width last painted (content_width)

    # -- data ------------------------------------------------------------------

    def set_ids(self, ids: array, *, keep: int | None = None, complete: bool = True) -> None:
        """Show a new result (or its first page); the cursor stays on article ``keep`` if it is there."""
        self.ids = ids
        self.complete = complete
        self._rows.clear()
        self.virtual_size = Size(self.size.width, len(ids))
        index = 0
        if self._to_end and complete:
            self._to_end = False
            index = len(ids) - 1
        elif keep is not None:
            try:
                index = ids.index(keep)
            except ValueError:
                index = 0
        self.cursor = min(index, max(0, len(ids) - 1))
        self.refresh()

    def invalidate(self, article_ids: Iterable[int] | None = None) -> None:
        """Forget cached rows (all, or some) so counts and statuses are read again."""
        if article_ids is None:
            self._rows.clear()
        else:
            for article_id in article_ids:
                self._rows.pop(article_id, None)
        self.refresh()

    @property
    def highlighted(self) -> int | None:
        return self.ids[self.cursor] if 0 <= self.cursor < len(self.ids) else None

    def row(self, article_id: int) -> LibraryRow | None:
        if article_id not in self._rows:
            self._load([article_id])
        return self._rows.get(article_id)

    def _load(self, wanted: list[int]) -> None:
        missing = [i for i in wanted if i not in self._rows]
        if missing:
            if len(self._rows) > 5000:
                self._rows.clear()
            for row in self._fetch(missing):
                self._rows[row.id] = row

    # -- cursor ----------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.ids) - 1)) if self.ids else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, x_axis=False, immediate=True)
        self.post_message(self.Highlighted(self, self.highlighted))

    def refresh_line(self, index: int) -> None:
        y = index - round(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_cursor(self, step: int) -> None:
        self._to_end = False
        self.cursor += step

    def action_page(self, step: int) -> None:
        self._to_end = False
        self.cursor += step * max(1, self.size.height - 1)

    def action_edge(self, end: int) -> None:
        self._to_end = bool(end) and not self.complete
        self.cursor = len(self.ids) - 1 if end else 0

    def action_toggle_mark(self) -> None:
        article_id = self.highlighted
        if article_id is None:
            return
        if article_id in self.marked:
            del self.marked[article_id]
        elif self.max_marks is not None and len(self.marked) >= self.max_marks:
            self.post_message(self.MarksChanged(self, list(self.marked), refused=article_id))
            return  # the annotator chooses which to unmark; the cursor stays
        else:
            self.marked[article_id] = None
        self.post_message(self.MarksChanged(self, list(self.marked)))
        self.cursor += 1

    async def action_open(self) -> None:
        """Open the marked articles (or the highlighted one) and wait until their reader is ready.

        Awaited in the key's own binding, so Textual takes the next key only then: keys typed
        together with enter act in the reader, not in the library (a message to the screen
        would arrive after them).
        """
        ids = list(self.marked) or ([self.highlighted] if self.highlighted is not None else [])
        if ids:
            await self._open(ids)

    def clear_marks(self) -> None:
        self.marked.clear()
        self.post_message(self.MarksChanged(self, []))
        self.refresh()

    async def on_click(self, event: events.Click) -> None:
        index = event.y + round(self.scroll_offset.y)
        if 0 <= index < len(self.ids):
            self._to_end = False
            self.cursor = index
            if event.chain >= 2:
                await self._open([self.ids[index]])

    # -- rendering ---------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.ids))

    @property
    def content_width(self) -> int:
        """The cells a row has: the widget's width less the scrollbar when the list scrolls (the
        last column was drawn under it)."""
        return self.scrollable_content_region.width or self.size.width

    def render_line(self, y: int) -> Strip:
        top = round(self.scroll_offset.y)
        index = top + y
        width = self.content_width
        if width != self._painted_width:  # a scrollbar came or went: the heading follows
            self._painted_width = width
            self.post_message(self.ColumnsChanged(self, self.widths))
        base = self.rich_style
        if index >= len(self.ids):
            return Strip.blank(width, base)
        page = list(self.ids[top:top + self.size.height])
        self._load(page)
        self._fit_counts(page)
        row = self._rows.get(self.ids[index])
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("article-list--cursor")
        if row is None:
            return Strip([Segment("  …", style)]).crop_extend(0, width, style)
        return Strip(self._row_segments(row, index == self.cursor, width, style), None) \
            .crop_extend(0, width, style)

    def _fit_counts(self, page: list[int]) -> None:
        """Size the counts column for the largest count on screen; when it changes, every line
        is painted again with it and the heading is told."""
        widths = count_widths(row for i in page if (row := self._rows.get(i)) is not None)
        if widths != self.widths:
            self.widths = widths
            self.refresh()
            self.post_message(self.ColumnsChanged(self, widths))

    def _row_segments(self, row: LibraryRow, is_cursor: bool, width: int, style: RichStyle) -> list[Segment]:
        title_w = _title_width(width, self.widths)
        marked = row.id in self.marked
        lead = ("▶" if is_cursor else " ") + ("●" if marked else " ")
        title = Content(visual_title(row.title, title_w, reorder=self.reorder)).truncate(title_w, pad=True)
        title_style = style
        if marked:
            title_style = style + self.get_component_rich_style("article-list--marked")
        status_style = style
        if row.status == ArticleStatus.DONE:
            status_style = style + self.get_component_rich_style("article-list--done")
        elif row.status == ArticleStatus.TODO and not is_cursor:
            status_style = style + self.get_component_rich_style("article-list--dim")
        lang = Content(display_safe(row.lang)).truncate(LANG_W, pad=True)
        return [
            Segment(lead, title_style),
            *title.render_segments(title_style_for(title_style)),
            Segment(" ", style),
            *lang.render_segments(title_style_for(style)),
            Segment(" " + counts_text(row, self.widths) + " ", style),
            Segment(STATUS_WORDS.get(row.status, row.status).ljust(STATUS_W), status_style),
            Segment(REVIEW_MARKS.get(row.review, " ").ljust(REVIEW_W), style),
        ]


def title_style_for(rich_style: RichStyle):
    """A Textual style for rendering Content on top of a Rich style."""
    from textual.style import Style

    return Style.from_rich_style(rich_style)
