"""A plain line (one-cell characters in stored order) is drawn from its text in runs, not a
cluster at a time (tui.layout.PlainRun, tui.render): the same segments, cells and offsets."""

from __future__ import annotations

import re

import pytest
from rich.style import Style
from textual.app import App, ComposeResult

from annotations.model import Article, Span
from annotations.text import display_safe
from tui.layout import DisplayLine, LineLayout, layout_line, wrap_article
from tui.render import LineMarks, render_strip
from tui.widgets.article_view import ArticleView
from tui.widgets.layer_view import AGREE, DISAGREE, review_draw

ESCAPES = ("clip \x1b]52;c;SGVsbG8=\x07 clear \x1b[2J csi \x9b31m del \x7f bell \x07 "
           "over \u202egnp.exe\u202c end")
TEXTS = {
    "plain": "The FBI director Christopher Wray visited Rabat on Tuesday.\n\n"
             "He met Abdellatif Hammouchi, head of Moroccan security [sic], in Rabat.",
    "arabic": "زار مدير (FBI) كريستوفر راي الرباط يوم الثلاثاء.\n"
              "The director met Hammouchi في الرباط.\n2024 -",
    "harakat": "كَتَبَ الوَلَدُ الدَّرْسَ and then left.",
    "escapes": ESCAPES,
    "cjk": "東京と大阪の会議 Tokyo and Osaka meet 東京 again.",
    "tabs": "\tindented\tline with\ttabs\nno tabs here at all",
}
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BASE = Style(color="white", bgcolor="black")
STATUSES = ("suggested", "accepted", "rejected", "corrected", AGREE, DISAGREE)


def word_spans(text: str) -> list[Span]:
    """Spans on every second word, of every status, with one span nested in a longer one."""
    words = [m.span() for m in re.finditer(r"\S+", text)]
    spans = [Span(1, s, e, ("PERSON", "GPE", "ORG")[i % 3], STATUSES[i % len(STATUSES)], "model",
                  suggestion_id=i) for i, (s, e) in enumerate(words[::2])]
    if len(words) > 4:
        spans.append(Span(1, words[1][0], words[3][1], "ORG", "suggested", "model", suggestion_id=99))
        # Two spans drawn alike, one ending where the other starts: one run on screen.
        (s, e), (_, after) = words[-2:]
        spans += [Span(1, s, e, "GPE", "accepted", "human", span_id=1), Span(1, e, after, "GPE", "accepted",
                                                                              "human", span_id=2)]
    return spans


def marks_for(line: DisplayLine, text: str, kind: str) -> LineMarks:
    """Nothing, the spans that touch ``line`` alone, or every kind of mark that does."""
    start, end = line.start, max(line.end, line.start + 1)
    spans = [s for s in word_spans(text) if s.start < end and s.end > start]
    if kind != "all":
        return LineMarks(spans if kind == "spans" else [], None, [], None, None)
    words = [m.span() for m in re.finditer(r"\S+", text) if m.start() < end and m.end() > start]
    return LineMarks(
        spans=spans,
        selected=spans[len(spans) // 2] if spans else None,
        highlights=words[1::3],
        cursor=words[-1] if words else None,
        selection=(words[0][0], words[min(2, len(words) - 1)][1]) if len(words) > 3 else None,
        waiting=words[2:3],
    )


def cells(strip) -> list[tuple[str, Style | None]]:
    """(character, style) of every character of a strip (one-cell and two-cell alike)."""
    return [(char, seg.style) for seg in strip for char in seg.text]


def both(text: str, line: DisplayLine, width: int, reorder: bool) -> tuple[LineLayout, LineLayout]:
    return layout_line(text, line, width, reorder), layout_line(text, line, width, reorder, plain=False)


@pytest.mark.parametrize("name", TEXTS)
def test_plain_lines_draw_the_same_segments_as_clusters(name):
    text = display_safe(TEXTS[name])
    plain_with_marks = 0
    for width in (9, 23, 61):
        for rtl_article in (False, True):
            for reorder in (True, False):
                for line in wrap_article(text, width, rtl_article):
                    fast, general = both(text, line, width, reorder)
                    assert general.plain is None
                    assert fast.clusters == general.clusters
                    for offset in range(line.start - 1, line.end + 2):
                        assert fast.x_of(offset) == general.x_of(offset)
                    for x in range(-2, width + 3):
                        assert fast.offset_at(x) == general.offset_at(x)
                    for kind in ("none", "spans", "all"):
                        marks = marks_for(line, text, kind)
                        for draw in (render_strip, review_draw):
                            shown, expected = draw(fast, marks, BASE), draw(general, marks, BASE)
                            assert list(shown) == list(expected)  # same text, style and cuts
                            assert cells(shown) == cells(expected)
                            assert not UNSAFE.search(shown.text)
                        plain_with_marks += fast.plain is not None and bool(marks.spans)
    assert plain_with_marks > 0  # the fast path ran, over entities, on every text


def test_only_one_cell_characters_in_stored_order_are_plain():
    text = display_safe(TEXTS["arabic"] + "\n" + TEXTS["cjk"] + "\n" + TEXTS["tabs"] + "\n" + ESCAPES)
    lines = wrap_article(text, 200, rtl_article=False)

    def plain(start: str, reorder: bool):
        line = next(line for line in lines if text.startswith(start, line.start))
        return layout_line(text, line, 200, reorder).plain

    assert plain("زار مدير", True) is None  # reordered: visual order is not stored order
    assert plain("زار مدير", False) is not None  # the terminal reorders: drawn as stored
    assert plain("東京", False) is None  # two cells a character
    assert plain("\tindented", False) is None  # a tab is as wide as its stop
    assert plain("no tabs here", True) is not None
    assert plain("clip ␛]52", True) is not None  # placeholders are plain characters
    rtl_digits = next(line for line in wrap_article(text, 40, rtl_article=True) if text[line.start] == "2")
    assert layout_line(text, rtl_digits, 40, True).plain is None  # "2024 -" is drawn "- 2024"
    run = layout_line(text, rtl_digits, 40, False).plain
    assert run is not None and run.x == 40 - len("2024 -")  # right-aligned in an RTL article


async def test_an_article_with_escapes_reaches_the_screen_as_placeholders():
    class One(App):
        def compose(self) -> ComposeResult:
            yield view

    text = ESCAPES + "\nThe FBI director visited Rabat."
    view = ArticleView(Article(1, "test", text, "en", None, "hash"), word_spans(text))
    async with One().run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        rows = [view.render_line(y) for y in range(2)]
        assert all(view.display_lines.layout(i).plain is not None for i in range(2))
        assert rows[0].text[2:].rstrip() == display_safe(ESCAPES)
        assert not any(UNSAFE.search(row.text) for row in rows)
