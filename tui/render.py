"""Turn one laid-out display line into a Strip: gutter marker, alignment, span and cursor styles.

Text comes only from the display-safe article text through Segments: nothing is parsed as
markup, so ``[sic]`` or ``[link=...]`` in an article are shown as typed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from annotations.model import Span
from tui import styles
from tui.layout import LineLayout, PlainRun

Range = tuple[int, int]
_STATUS_RANK = {"rejected": 0, "suggested": 1, "accepted": 2, "corrected": 2}


@dataclass(frozen=True)
class LineMarks:
    """What is drawn over one display line besides its text."""

    spans: list[Span]  # spans overlapping the line
    selected: Span | None  # the entity cursor (None in token mode)
    highlights: list[Range]  # same-surface mentions overlapping the line
    cursor: Range | None  # the token cursor
    selection: Range | None  # the marked token range
    waiting: list[Range] = field(default_factory=list)  # decided, but waiting for the database


def top_span(offset: int, marks: LineMarks) -> Span | None:
    """The span drawn at ``offset``: the selected one, else gold over suggestions, else innermost."""
    top: Span | None = None
    top_rank: tuple = ()
    for span in marks.spans:
        if span.start <= offset < span.end:
            rank = (span is marks.selected, _STATUS_RANK.get(span.status, 1), span.start - span.end)
            if top is None or rank > top_rank:
                top, top_rank = span, rank
    return top


def style_at(offset: int, marks: LineMarks) -> Style:
    """The style of the character at ``offset`` (to add to the widget's base style)."""
    top = top_span(offset, marks)
    highlighted = any(s <= offset < e for s, e in marks.highlights)
    if top is not None:
        key = styles.status_key(top.status, top.origin)
        style = styles.span_style(top.label, key, top is marks.selected, highlighted)
    else:
        style = styles.HIGHLIGHT_STYLE if highlighted else Style()
    if any(s <= offset < e for s, e in marks.waiting):
        style += styles.WAITING_STYLE  # over the span as it is stored: the decision is not yet
    if marks.selection is not None and marks.selection[0] <= offset < marks.selection[1]:
        style += styles.TOKEN_SELECTION_STYLE
    elif marks.cursor is not None and marks.cursor[0] <= offset < marks.cursor[1]:
        style += styles.TOKEN_CURSOR_STYLE
    return style


def gutter_marker(layout: LineLayout, marks: LineMarks) -> str:
    """▶ on the line of the selected span or token cursor, » on a line with a highlight."""
    start = layout.line.start
    end = max(layout.line.end, start + 1)
    for range_ in (marks.selected and (marks.selected.start, marks.selected.end), marks.cursor):
        if range_ and range_[0] < end and range_[1] > start:
            return styles.GUTTER_CURSOR
    return styles.GUTTER_HIGHLIGHT if marks.highlights else " "


def _edges(marks: LineMarks) -> list[int]:
    """Offsets where the marks can change: the style is the same between two edges."""
    edges = {offset for span in marks.spans for offset in (span.start, span.end)}
    edges.update(offset for range_ in marks.highlights for offset in range_)
    edges.update(offset for range_ in marks.waiting for offset in range_)
    for range_ in (marks.selection, marks.cursor):
        if range_ is not None:
            edges.update(range_)
    return sorted(edges)


def render_strip(layout: LineLayout, marks: LineMarks, base: Style, *,
                 style_of: Callable[[int, LineMarks], Style] = style_at,
                 gutter_of: Callable[[LineLayout, LineMarks], str] = gutter_marker) -> Strip:
    """The Strip for one display line: gutter, then clusters at their x, styles merged in runs.

    Styles are worked out once per run between two mark edges (not per character), and
    the same Style object is reused within a line, so runs merge by identity. A plain line
    (:class:`tui.layout.PlainRun`) is cut at those edges rather than walked character by
    character; the segments are the same. A view that draws spans its own way (the review's
    layers) passes ``style_of`` and ``gutter_of``.
    """
    gutter = gutter_of(layout, marks).ljust(styles.GUTTER_WIDTH)
    segments = [Segment(gutter, base + styles.GUTTER_STYLE)]
    edges = _edges(marks)
    if layout.plain is not None:
        _plain_segments(segments, layout.plain, edges, marks, base, style_of)
        return Strip(segments)
    by_region: dict[int, Style] = {}
    texts: list[str] = []
    run_style: Style | None = None
    x = 0
    for cluster in layout.clusters:
        if cluster.x > x:
            if texts:
                segments.append(Segment("".join(texts), run_style))
                texts = []
            segments.append(Segment(" " * (cluster.x - x), base))
            run_style = None
        region = bisect_right(edges, cluster.start)
        style = by_region.get(region)
        if style is None:
            style = by_region[region] = base + style_of(cluster.start, marks) if edges else base
        if style is not run_style and texts:
            segments.append(Segment("".join(texts), run_style))
            texts = []
        run_style = style
        texts.append(cluster.text)
        x = cluster.x + cluster.cells
    if texts:
        segments.append(Segment("".join(texts), run_style))
    return Strip(segments)


def _plain_segments(segments: list[Segment], run: PlainRun, edges: list[int], marks: LineMarks,
                    base: Style, style_of: Callable[[int, LineMarks], Style]) -> None:
    """:func:`render_strip`'s loop for a plain line, a piece between two edges at a time: the
    style of a piece is the one its first character gets there, and pieces whose styles are
    the same object are joined, as characters are there."""
    text = run.text
    if not text:
        return
    if run.x > 0:
        segments.append(Segment(" " * run.x, base))
    if not edges:
        segments.append(Segment(text, base))
        return
    start, end = run.start, run.start + len(text)
    region = bisect_right(edges, start)
    texts: list[str] = []
    run_style: Style | None = None
    pos = start
    while pos < end:
        stop = min(edges[region], end) if region < len(edges) else end
        style = base + style_of(pos, marks)
        if style is not run_style and texts:
            segments.append(Segment("".join(texts), run_style))
            texts = []
        run_style = style
        texts.append(text[pos - start : stop - start])
        pos = stop
        region += 1
    segments.append(Segment("".join(texts), run_style))
