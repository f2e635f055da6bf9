"""Line wrapping and per-line layout for the article view, on logical (stored) offsets.

Wrapping works on the logical text, once per width: lines break after a space, or inside a
word longer than the width. Each display line is then laid out on demand: grapheme clusters
with their cell widths, in visual order (bidi), each keeping its logical offsets, so styles,
the cursor and mouse clicks are all computed on stored offsets.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.cells import get_character_cell_size, split_graphemes

from tui.bidi import embedding_levels, has_rtl, mirror, paragraph_is_rtl, visual_order

TAB_SIZE = 4
_SPECIAL = frozenset("\t\u200d\ufe0f")
_single_width: dict[str, bool] = {}


@dataclass(frozen=True, slots=True)
class DisplayLine:
    """One wrapped line: ``text[start:end]`` (no newline), right-aligned when ``rtl``."""

    start: int
    end: int
    rtl: bool


@dataclass(frozen=True, slots=True)
class Cluster:
    """One grapheme shown on screen: logical ``[start, end)``, its cells, where it is drawn."""

    start: int
    end: int
    x: int
    cells: int
    text: str


@dataclass(frozen=True, slots=True)
class PlainRun:
    """A display line drawn as it is stored: ``text`` from offset ``start`` at column ``x``, one
    character per cell and per offset, left to right (no bidi run, no wide or zero-width
    character, no tab)."""

    start: int
    x: int
    text: str


class LineLayout:
    """A display line's clusters in visual (left-to-right) order, x relative to the text area.

    A plain line (most lines of a left-to-right article) is kept as its :class:`PlainRun` and
    drawn from it in runs (tui.render); its clusters are only made if something asks for them.
    """

    __slots__ = ("line", "plain", "_clusters")

    def __init__(self, line: DisplayLine, clusters: tuple[Cluster, ...] = (),
                 plain: PlainRun | None = None) -> None:
        self.line = line
        self.plain = plain
        self._clusters = clusters if plain is None else None

    @property
    def clusters(self) -> tuple[Cluster, ...]:
        if self._clusters is None:
            run = self.plain
            assert run is not None
            self._clusters = tuple(Cluster(run.start + i, run.start + i + 1, run.x + i, 1, char)
                                   for i, char in enumerate(run.text))
        return self._clusters

    def x_of(self, offset: int) -> int | None:
        """Screen column of the cluster holding ``offset``, or None if it is not drawn here."""
        run = self.plain
        if run is not None:
            return run.x + offset - run.start if 0 <= offset - run.start < len(run.text) else None
        for cluster in self.clusters:
            if cluster.start <= offset < cluster.end:
                return cluster.x
        return None

    def offset_at(self, x: int) -> int:
        """Logical offset under column ``x``; the nearest drawn cluster when ``x`` is in a margin."""
        run = self.plain
        if run is not None and run.text:
            return run.start + min(max(x - run.x, 0), len(run.text) - 1)
        if not self.clusters:
            return self.line.start
        best = self.clusters[0]
        best_distance = None
        for cluster in self.clusters:
            if cluster.x <= x < cluster.x + max(cluster.cells, 1):
                return cluster.start
            distance = min(abs(x - cluster.x), abs(x - (cluster.x + cluster.cells - 1)))
            if best_distance is None or distance < best_distance:
                best, best_distance = cluster, distance
        return best.start


def _is_single(char: str) -> bool:
    """True when ``char`` always takes exactly one cell on its own (the wrapping fast path)."""
    single = _single_width.get(char)
    if single is None:
        single = char not in _SPECIAL and get_character_cell_size(char) == 1
        _single_width[char] = single
    return single


def clusters_of(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Grapheme clusters of ``text[start:end]`` as absolute (start, end, cells); tabs expanded."""
    segment = text[start:end]
    if all(_is_single(c) for c in set(segment)):
        return [(start + i, start + i + 1, 1) for i in range(len(segment))]
    spans, _ = split_graphemes(segment.replace("\t", " "))
    result = []
    column = 0
    for s, e, cells in spans:
        if segment[s] == "\t":
            cells = TAB_SIZE - column % TAB_SIZE
        result.append((start + s, start + e, cells))
        column += cells
    return result


def wrap_paragraph(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Break ``text[start:end]`` into (start, end) lines of at most ``width`` visible cells.

    A line keeps the space it breaks at (so every offset belongs to one line); that trailing
    space is not drawn. Words longer than the width are cut.
    """
    width = max(width, 1)
    if all(_is_single(c) for c in set(text[start:end])):
        if end - start <= width:
            return [(start, end)]
        lines = []
        pos = start
        while end - pos > width:
            brk = text.rfind(" ", pos + 1, pos + width + 1)
            if brk == -1:
                lines.append((pos, pos + width))
                pos += width
            else:
                lines.append((pos, brk + 1))
                pos = brk + 1
        if pos < end:
            lines.append((pos, end))
        return lines
    return _wrap_clusters(text, start, end, width)


def _wrap_clusters(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """The slow path of :func:`wrap_paragraph`: wide characters, combining marks, tabs.

    Spaces and tabs are break points and may run past the width (they are not drawn at a
    line's end); tab widths count from the line's start, as :func:`layout_line` draws them.
    """
    clusters = clusters_of(text, start, end)
    lines = []
    line_start = start
    first = 0  # index of the line's first cluster
    column = 0
    last_break = None  # (offset, cluster index) just after the last space on the line
    i = 0
    while i < len(clusters):
        s, e, cells = clusters[i]
        if text[s] == "\t":
            cells = TAB_SIZE - column % TAB_SIZE
        if e - s == 1 and text[s] in " \t":  # a space with a mark on it is drawn
            column += cells
            last_break = (e, i + 1)
            i += 1
            continue
        if column + cells > width and i > first:
            brk, first = last_break if last_break is not None else (s, i)
            lines.append((line_start, brk))
            line_start, i, column, last_break = brk, first, 0, None
            continue
        column += cells
        i += 1
    lines.append((line_start, end))
    return lines


def wrap_article(text: str, width: int, rtl_article: bool) -> list[DisplayLine]:
    """Wrap a whole article to ``width`` cells; every paragraph gets at least one line."""
    lines: list[DisplayLine] = []
    append = lines.append
    pos = 0
    length = len(text)
    while True:
        nl = text.find("\n", pos)
        end = length if nl == -1 else nl
        rtl = paragraph_is_rtl(text[pos:end], rtl_article)
        for s, e in wrap_paragraph(text, pos, end, width):
            append(DisplayLine(s, e, rtl))
        if nl == -1:
            return lines
        pos = nl + 1


def line_index(starts: list[int], offset: int) -> int:
    """Index of the display line holding ``offset``, given the lines' start offsets."""
    return max(bisect_right(starts, offset) - 1, 0)


def layout_line(text: str, line: DisplayLine, width: int, reorder: bool, *, plain: bool = True) -> LineLayout:
    """Lay out one display line of the display-safe ``text`` inside ``width`` cells.

    RTL lines are right-aligned; with ``reorder`` they (and LTR lines holding RTL runs) are
    put in visual order, clusters kept whole so combining marks stay on their letter. A line
    of one-cell characters left in stored order is a :class:`PlainRun` (``plain=False``: made
    of clusters all the same, for tests comparing the two).
    """
    end = line.end
    while end > line.start and text[end - 1] in " \t":
        end -= 1  # the space a line breaks at is not drawn
    shown_text = text[line.start : end]
    single = all(_is_single(c) for c in set(shown_text))
    bidi_run = reorder and (line.rtl or has_rtl(shown_text))
    if plain and single and not bidi_run:
        x = max(width - len(shown_text), 0) if line.rtl else 0
        return LineLayout(line, plain=PlainRun(line.start, x, shown_text))
    raw = clusters_of(text, line.start, end)
    order = list(range(len(raw)))
    levels = None
    if bidi_run:
        char_levels = embedding_levels(shown_text, line.rtl)
        levels = [char_levels[s - line.start] for s, _, _ in raw]
        order = visual_order(levels)
    used = sum(cells for _, _, cells in raw)
    x = max(width - used, 0) if line.rtl else 0
    clusters = []
    for i in order:
        s, e, cells = raw[i]
        shown = "".join(" " * cells if c == "\t" else c for c in text[s:e])
        if levels is not None and levels[i] % 2 and e - s == 1:
            shown = mirror(shown)
        clusters.append(Cluster(s, e, x, cells, shown))
        x += cells
    return LineLayout(line, tuple(clusters))


def visual_order_of(text: str, *, rtl: bool = False) -> str:
    """One line (already display-safe) in visual order: right-to-left runs reversed, mirrored
    characters mirrored; ``rtl`` is its base direction (a status message: left to right)."""
    if not has_rtl(text):
        return text
    clusters = clusters_of(text, 0, len(text))
    levels = embedding_levels(text, rtl)
    cluster_levels = [levels[start] for start, _, _ in clusters]
    parts = []
    for index in visual_order(cluster_levels):
        start, end, _ = clusters[index]
        chunk = text[start:end]
        parts.append(mirror(chunk[0]) + chunk[1:] if cluster_levels[index] % 2 else chunk)
    return "".join(parts)
