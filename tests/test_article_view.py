"""Pilot tests of ArticleView: entity cursor, token cursor, grow/shrink, highlights, clicks, RTL."""

from __future__ import annotations

import re

import pytest
from textual.app import App, ComposeResult

from annotations.model import Article, Span
from annotations.text import fold, normalize
from annotations.tokenizers import token_offsets
from seeds import seed_paths
from tui import styles
from tui.widgets.article_view import ArticleView

SIZE = (80, 24)
NEWS = (
    "The FBI director Christopher Wray visited Rabat.\n\n"
    "He met Abdellatif Hammouchi, head of Moroccan security, in Rabat on Tuesday.\n\n"
    "MOROCCO and the United States signed a memorandum; Morocco welcomed it."
)


def spacy_tokens(text: str, lang: str = "en"):
    """What the NLP process stores for an article: spaCy's tokens, given to the view to read."""
    return lambda: token_offsets(text, lang)


def article(text: str, lang: str = "en", id: int = 1) -> Article:
    return Article(id, "test", text, lang, None, f"hash{id}")


def span_of(text: str, surface: str, label: str, n: int, *, nth: int = 0, status="suggested",
            origin="model") -> Span:
    start = [m.start() for m in re.finditer(re.escape(surface), text)][nth]
    return Span(1, start, start + len(surface), label, status, origin, suggestion_id=n)


class ViewApp(App):
    """One or more ArticleViews, recording the messages they send."""

    def __init__(self, *views: ArticleView) -> None:
        super().__init__()
        self.views = views
        self.selected: list[Span | None] = []
        self.selections: list[tuple[int, int] | None] = []

    def compose(self) -> ComposeResult:
        yield from self.views

    def on_article_view_span_selected(self, message: ArticleView.SpanSelected) -> None:
        self.selected.append(message.span)

    def on_article_view_selection_changed(self, message: ArticleView.SelectionChanged) -> None:
        self.selections.append(message.selection)


def screen_lines(view: ArticleView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def styled_text(view: ArticleView, y: int, predicate) -> str:
    """The characters of screen row ``y`` (text area only) whose style satisfies ``predicate``."""
    strip = view.render_line(y)
    return "".join(seg.text for seg in list(strip)[1:] if seg.style and predicate(seg.style))


def news_spans() -> list[Span]:
    return [
        span_of(NEWS, "Rabat", "GPE", 5, nth=1),
        span_of(NEWS, "Christopher Wray", "PERSON", 1),
        span_of(NEWS, "FBI", "ORG", 2, status="accepted"),
        span_of(NEWS, "Christopher", "PERSON", 3, status="rejected"),
        span_of(NEWS, "Rabat", "GPE", 4),
    ]


async def test_next_prev_follow_reading_order_and_post_messages():
    view = ArticleView(article(NEWS), news_spans())
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        order = [(s.start, s.end) for s in view.spans]
        assert order == sorted(order, key=lambda r: (r[0], -r[1]))
        # "Christopher Wray" comes before the nested "Christopher".
        assert [NEWS[s:e] for s, e in order][:3] == ["FBI", "Christopher Wray", "Christopher"]
        assert view.selected_span.key == ("suggestion", 2)
        assert view.select_next().key == ("suggestion", 1)
        assert view.select_next().key == ("suggestion", 3)
        view.select_prev()
        await pilot.pause()
        assert [s.key for s in app.selected[-3:]] == [("suggestion", 1), ("suggestion", 3), ("suggestion", 1)]
        for _ in range(10):
            view.select_next()
        assert view.selected_span.key == ("suggestion", 5)  # stays on the last span
        assert view.select_key(("suggestion", 4)) and view.selected_span.key == ("suggestion", 4)
        assert not view.select_key(("span", 99))


async def test_selected_span_is_reverse_and_scrolled_into_view():
    filler = "\n\n".join(f"Paragraph {i} about nothing in particular." for i in range(60))
    text = filler + "\n\nFinally Rabat appears here."
    target = span_of(text, "Rabat", "GPE", 7)
    view = ArticleView(article(text), [span_of(text, "Paragraph 0", "MISC", 6), target])
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert view.scroll_offset.y == 0
        view.select_key(target.key)
        await pilot.pause()
        x_line = view.display_lines.cell_of(target.start)
        assert x_line is not None
        row = x_line[1] - view.scroll_offset.y
        assert 0 <= row < view.scrollable_content_region.height
        assert view.scroll_offset.y > 0
        assert styled_text(view, row, lambda s: s.reverse) == "Rabat"
        assert view.render_line(row).text.startswith(styles.GUTTER_CURSOR)


async def test_set_spans_keeps_the_same_key_or_the_nearest_position():
    spans = news_spans()
    view = ArticleView(article(NEWS), spans)
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view.select_key(("suggestion", 3))  # "Christopher" (rejected)
        decided = [s if s.key != ("suggestion", 3) else
                   Span(1, s.start, s.end, s.label, "accepted", "model", suggestion_id=3) for s in spans]
        view.set_spans(decided)
        await pilot.pause()
        assert view.selected_span.key == ("suggestion", 3)
        assert view.selected_span.status == "accepted"
        assert app.selected[-1].status == "accepted"
        # The selected span disappears: the cursor lands on the next one in reading order.
        view.set_spans([s for s in decided if s.key != ("suggestion", 3)])
        assert view.selected_span.key == ("suggestion", 4)  # the first "Rabat"
        view.set_spans([])
        assert view.selected_span is None


async def test_click_selects_the_span_under_the_mouse():
    view = ArticleView(article(NEWS), news_spans())
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        hammouchi = NEWS.index("Hammouchi")
        wray = NEWS.index("Wray")
        x, y = view.display_lines.cell_of(wray + 1)
        await pilot.click(ArticleView, offset=(x, y - view.scroll_offset.y))
        await pilot.pause()
        assert view.selected_span.key == ("suggestion", 1)  # "Christopher Wray", not the nested one
        x, y = view.display_lines.cell_of(hammouchi)
        await pilot.click(ArticleView, offset=(x, y - view.scroll_offset.y))
        assert view.selected_span.key == ("suggestion", 1)  # no span there: nothing changes
        assert view.select_at_offset(NEWS.index("Christopher") + 2)
        assert view.selected_span.key == ("suggestion", 3)  # innermost wins


async def test_token_cursor_selection_snaps_to_tokens():
    view = ArticleView(article(NEWS), news_spans(), load_tokens=spacy_tokens(NEWS))
    tokens = view.token_selection
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tokens.token_mode = True
        assert NEWS[slice(*tokens.token_cursor)] == "FBI"  # starts on the selected span
        tokens.move_token(+1)
        assert tokens.mark() == (NEWS.index("director"), NEWS.index("director") + len("director"))
        tokens.move_token(+3)
        start, end = tokens.selection
        assert NEWS[start:end] == "director Christopher Wray visited"
        tokens.move_token(+2)
        assert NEWS[slice(*tokens.selection)] == "director Christopher Wray visited Rabat."
        tokens.move_token(-1)
        assert NEWS[slice(*tokens.selection)] == "director Christopher Wray visited Rabat"
        for _ in range(6):
            tokens.move_token(-1)  # before the mark: the selection runs from the cursor to the mark
        assert NEWS[slice(*tokens.selection)] == "The FBI director"
        await pilot.pause()
        assert app.selections[-1] == tokens.selection
        # The marked range is drawn, the entity cursor is not (token mode).
        assert styled_text(view, 0, lambda s: s.reverse) == "The FBI director"
        tokens.clear_selection()
        await pilot.pause()
        assert tokens.selection is None and app.selections[-1] is None
        tokens.token_mode = False
        assert tokens.token_cursor is None
        assert styled_text(view, 0, lambda s: s.reverse) == "FBI"


async def test_grow_and_shrink_by_one_token():
    view = ArticleView(article(NEWS), news_spans(), load_tokens=spacy_tokens(NEWS))
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        await pilot.pause()
        christopher = span_of(NEWS, "Christopher", "PERSON", 3)
        assert NEWS[slice(*view.token_selection.grow(christopher, "end", +1))] == "Christopher Wray"
        assert NEWS[slice(*view.token_selection.grow(christopher, "start", +1))] == "director Christopher"
        assert view.token_selection.grow(christopher, "end", -1) is None  # would be empty
        wray = view.token_selection.grow(christopher, "end", +1)
        assert NEWS[slice(*view.token_selection.grow(wray, "start", -1))] == "Wray"
        assert NEWS[slice(*view.token_selection.grow(wray, "end", -1))] == "Christopher"
        rabat = span_of(NEWS, "Rabat", "GPE", 4)
        assert NEWS[slice(*view.token_selection.grow(rabat, "end", +1))] == "Rabat."
        dot = view.token_selection.grow(rabat, "end", +1)
        assert view.token_selection.grow(dot, "end", +1) is None  # stays inside its paragraph
        first = span_of(NEWS, "The", "MISC", 9)
        assert view.token_selection.grow(first, "start", +1) is None
        assert [NEWS[s:e] for s, e in view.token_selection.token_bounds_around(rabat)][-2:] == ["Rabat", "."]
        # A span that does not sit on token boundaries grows to the next boundary.
        inside = (NEWS.index("Wray") + 1, NEWS.index("Wray") + 3)
        assert NEWS[slice(*view.token_selection.grow(inside, "end", +1))] == "ray"


async def test_highlight_surface_lights_up_spans_and_plain_mentions():
    text = NEWS + "\n\n" + "\n\n".join(f"Filler paragraph {i}." for i in range(40)) + "\n\nLast: Morocco."
    spans = [span_of(text, "Moroccan", "NORP", 1), span_of(text, "Morocco", "GPE", 2, nth=0)]
    view = ArticleView(article(text), spans)
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        count = view.highlight_surface(fold("Morocco"))
        found = [text[s:e] for s, e in view.highlights]
        assert found == ["MOROCCO", "Morocco", "Morocco"] and count == 3  # not "Moroccan"
        view.scroll_to(y=30, animate=False, immediate=True)
        assert view.scroll_to_first_highlight()
        await pilot.pause()
        x, line = view.display_lines.cell_of(view.highlights[0][0])
        row = line - view.scroll_offset.y
        assert 0 <= row < view.scrollable_content_region.height
        assert view.render_line(row).text.startswith(styles.GUTTER_HIGHLIGHT)
        lit = styled_text(view, row, lambda s: s.bgcolor and s.bgcolor.triplet
                          and s.bgcolor.triplet.hex == styles.HIGHLIGHT_COLOR)
        assert lit == "MOROCCOMorocco"
        assert view.highlight_surface(None) == 0 and view.highlights == []
        assert not view.scroll_to_first_highlight()


def row_of_cursor(view: ArticleView) -> int | None:
    """The screen row of the view showing the selected span's first line, None off screen."""
    row = view.display_lines.line_of(view.selected_span.start) - view.scroll_offset.y
    return row if 0 <= row < view.scrollable_content_region.height else None


def long_text() -> tuple[str, list[Span]]:
    words = " ".join(f"word{i}" for i in range(40))
    text = "\n\n".join(f"Paragraph {i}: {words}, Rabat." for i in range(30))
    return text, [Span(1, m.start(), m.end(), "GPE", "suggested", "model", suggestion_id=i)
                  for i, m in enumerate(re.finditer("Rabat", text))]


async def test_the_cursor_stays_in_view_when_the_view_narrows_and_widens():
    """A pane narrows when another becomes active (its lines wrap longer): the cursor, near the
    bottom of the wide view, is still on screen, with ▶ in its gutter; widened again, too."""
    text, spans = long_text()
    view = ArticleView(article(text), spans)
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        await pilot.pause()
        view.select_key(spans[6].key)
        await pilot.pause()
        row = row_of_cursor(view)
        assert row is not None and row >= view.scrollable_content_region.height // 2
        for width in (30, 80, 20, 60):
            view.styles.width = width
            await pilot.pause()
            assert view.display_lines.wrap_width == view.display_lines.text_width < width  # wrapped again
            row = row_of_cursor(view)
            assert row is not None, width
            assert view.render_line(row).text.startswith(styles.GUTTER_CURSOR)


async def test_a_scroll_asked_before_the_view_has_a_size_is_done_once_it_has_one():
    """A pane mounted in another's place is told where its cursor goes before it is laid out."""
    text, spans = long_text()
    holder = ArticleView(article(text, id=2), [])
    app = ViewApp(holder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = ArticleView(article(text), spans)
        with app.batch_update():  # as n/p does: one layout for the swap, the text wrapped before it
            await app.mount(view, before=holder)
            view.display_lines.wrap_like(holder.display_lines)
            await holder.remove()
        view.select_key(spans[20].key)
        await pilot.pause()
        assert view.scroll_offset.y > 0
        assert row_of_cursor(view) is not None


async def test_top_puts_that_text_on_the_top_line_at_any_width():
    """A session's scroll position is the offset at the top line: restored at another width, the
    same text is at the top (not the same line number)."""
    text, spans = long_text()
    offset = text.index("Paragraph 12")
    view = ArticleView(article(text), spans, select=spans[0].key, top=offset)
    async with ViewApp(view).run_test(size=(50, 24)) as pilot:
        await pilot.pause()
        assert view.display_lines.top_offset() == offset
        assert screen_lines(view)[0][2:].startswith("Paragraph 12")
        assert view.selected_span == spans[0]  # the cursor stays where the session had it


async def test_each_pane_scrolls_to_its_own_mention():
    en = normalize(seed_paths()[0].read_text(encoding="utf-8"))
    ar_path = next(p for p in seed_paths() if p.name.startswith("003_"))
    ar = normalize(ar_path.read_text(encoding="utf-8"))
    padding = "\n\n".join("Filler." for _ in range(50)) + "\n\n"
    left = ArticleView(article(padding + en, "en", 1), [], id="left")
    right = ArticleView(article(ar, "ar", 2), [], id="right")
    app = ViewApp(left, right)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        assert left.highlight_surface(fold("Morocco")) >= 1
        assert right.highlight_surface(fold("المغرب")) >= 1
        for view in (left, right):
            view.scroll_to_first_highlight()
        await pilot.pause()
        for view in (left, right):
            _, line = view.display_lines.cell_of(view.highlights[0][0])
            assert view.scroll_offset.y <= line < view.scroll_offset.y + view.scrollable_content_region.height
        assert left.scroll_offset.y > 0


async def test_markup_in_articles_is_shown_literally():
    text = "Quote [sic] and [b]bold[/b] and [link=https://evil.example]click[/link] and [/i] $x [@click=quit]"
    view = ArticleView(article(text), [Span(1, 6, 11, "MISC", "accepted", "human", span_id=1)])
    async with ViewApp(view).run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        line = view.render_line(0)
        assert line.text[2:].rstrip() == text
        assert all(not seg.style.link and not seg.style.meta for seg in line if seg.style)
        assert styled_text(view, 0, lambda s: s.bold and s.bgcolor) == "[sic]"


async def test_wide_characters_tabs_and_harakat_take_the_right_cells():
    text = "東京と大阪の会議" * 12 + "\n\tindented\tline\nكَتَبَ الوَلَدُ 👨‍👩‍👧 done"
    view = ArticleView(article(text, "ja"), [])
    async with ViewApp(view).run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        width = view.display_lines.text_width
        rows = screen_lines(view)
        for y, row in enumerate(rows):
            assert view.render_line(y).cell_length == view.scrollable_content_region.width
            assert "\t" not in row
        cjk_rows = [r for r in rows if "東" in r]
        assert len(cjk_rows) == -(-len("東京と大阪の会議" * 12) * 2 // width)  # 2 cells each
        assert any(r.startswith("      indented    line") for r in rows)  # tab stops of 4
        # Harakat stay on their letter: each letter+mark pair is one cluster of one cell.
        index = view.display_lines.line_of(text.index("كَتَبَ"))
        layout = view.display_lines.layout(index)
        kataba = [c for c in layout.clusters if text.index("كَتَبَ") <= c.start < text.index("كَتَبَ") + 6]
        assert [c.cells for c in kataba] == [1, 1, 1] and all(len(c.text) == 2 for c in kataba)


@pytest.mark.parametrize("bidi", ["on", "off"])
async def test_arabic_span_from_the_token_cursor_is_the_word_shown(bidi):
    path = next(p for p in seed_paths() if p.name.startswith("003_"))
    text = normalize(path.read_text(encoding="utf-8"))
    view = ArticleView(article(text, "ar"), [], bidi=bidi, load_tokens=spacy_tokens(text, "ar"))
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view.token_selection.token_mode = True
        for _ in range(12):
            view.token_selection.move_token(+1)
        await pilot.pause()
        x, line = view.display_lines.cell_of(view.token_selection.token_cursor[0])
        shown = styled_text(view, line - view.scroll_offset.y, lambda s: s.reverse)
        start, end = view.token_selection.mark()
        word = text[start:end]
        assert re.fullmatch("[\u0600-\u06ff]+", word)
        assert shown == (word[::-1] if bidi == "on" else word)
        # Right-aligned: the line ends at the text area's right edge.
        row = view.render_line(line - view.scroll_offset.y).text
        assert len(row.rstrip()) == styles.GUTTER_WIDTH + view.display_lines.text_width
        # Clicking another word puts the cursor on it, whatever the visual order.
        other = text.index("الرباط")
        cx, cy = view.display_lines.cell_of(other + 2)
        await pilot.click(ArticleView, offset=(cx, cy - view.scroll_offset.y))
        assert text[slice(*view.token_selection.token_cursor)] == "بالرباط"
        assert text[slice(*view.token_selection.selection)].startswith(word)


async def test_set_bidi_switches_visual_order_at_runtime(monkeypatch):
    text = "المغرب والولايات المتحدة"
    view = ArticleView(article(text, "ar"), [], bidi="on")
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert view.render_line(0).text.strip().endswith("برغملا")  # visual: first word rightmost
        assert view.set_bidi("off") is False
        await pilot.pause()
        assert view.render_line(0).text.strip().endswith("المتحدة")
        assert view.render_line(0).text.rstrip().endswith(text)  # logical order, right-aligned
    monkeypatch.setenv("PARALLAX_BIDI", "off")
    assert ArticleView(article(text, "ar"), []).reorders is False
    monkeypatch.setenv("PARALLAX_BIDI", "on")
    assert ArticleView(article(text, "ar"), []).reorders is True
    with pytest.raises(ValueError):
        ArticleView(article(text, "ar"), [], bidi="sideways")


async def test_legend_and_status_styles_survive_monochrome():
    keys = [key for key, _ in styles.STATUS_KEYS if key != "selected"]
    attributes = {
        key: tuple(getattr(styles.span_style("PERSON", key), a) for a in
                   ("bold", "italic", "underline", "strike", "dim", "reverse"))
        for key in keys
    }
    assert len(set(attributes.values())) == len(keys)  # told apart without colour
    selected = styles.span_style("PERSON", "accepted", selected=True)
    assert selected.reverse and not any(attributes[k][5] for k in keys)
    assert styles.label_color("PERSON") == styles.DEFAULT_LABEL_COLORS["PERSON"]
    assert styles.label_color("WEAPON") == styles.label_color("WEAPON") != styles.label_color("DRUG")
    view = ArticleView(article(NEWS), [Span(1, 4, 7, "[b]AGENCY", "suggested", "rules", suggestion_id=1)])
    legend = view.legend_content().plain
    for label in [*styles.DEFAULT_LABEL_COLORS, "[b]AGENCY"]:
        assert label in legend
    for _, text in styles.STATUS_KEYS:
        assert text in legend


async def test_a_one_megabyte_article_opens_without_tokenizing():
    base = normalize(seed_paths()[0].read_text(encoding="utf-8"))
    text = (base + "\n") * (1_000_000 // len(base) + 1)
    spans = [Span(1, m.start(), m.end(), "GPE", "suggested", "model", suggestion_id=i)
             for i, m in enumerate(re.finditer("Morocco", text))]
    reads = []
    view = ArticleView(article(text), spans, load_tokens=lambda: reads.append(1) or token_offsets(text, "en"))
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert len(text) > 1_000_000
        assert screen_lines(view)[0][2:].startswith("HomePolitics")
        assert reads == []  # no token read until the token cursor is used
        view.select_key(spans[-1].key)
        await pilot.pause()
        _, line = view.display_lines.cell_of(spans[-1].start)
        assert styled_text(view, line - view.scroll_offset.y, lambda s: s.reverse) == "Morocco"
        view.token_selection.token_mode = True
        view.token_selection.move_token(+1)
        assert reads == [1]  # read once, then kept
