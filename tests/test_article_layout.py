"""Unit tests of the article view's parts: wrapping, bidi order, surface search, token index."""

from __future__ import annotations

import re

from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.text import display_safe, fold, normalize
from annotations.tokenizers import token_offsets
from seeds import seed_paths
from tui.bidi import paragraph_is_rtl
from tui.layout import layout_line, wrap_article
from tui.surface import find_surface, lowered_copy
from tui.token_cursor import BLOCK_LIMIT, TokenIndex

ARABIC_SEED = next(p for p in seed_paths() if p.name.startswith("003_"))

pieces = st.sampled_from(["a", "b", "word", " ", " ", "  ", "\n", "\t", "東", "京", "ك", "َ",
                          "كتب", "👨\u200d👩\u200d👧", "é", "1", "(", "."])


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=80), st.integers(min_value=1, max_value=30), st.booleans())
def test_wrapping_covers_every_offset_once_within_the_width(parts, width, rtl):
    text = "".join(parts)
    lines = wrap_article(text, width, rtl)
    position = 0
    for line in lines:
        assert line.start == position
        assert text[line.start : line.end].count("\n") == 0
        position = line.end + 1 if line.end < len(text) and text[line.end] == "\n" else line.end
        layout = layout_line(text, line, width, reorder=True)
        drawn = sum(c.cells for c in layout.clusters)
        widest = max((c.cells for c in layout.clusters), default=0)
        assert drawn <= max(width, widest)  # only one over-wide character may overflow
        assert sorted(c.start for c in layout.clusters) == [c.start for c in
                                                             layout_line(text, line, width, False).clusters]
    assert position == len(text)


def test_visual_order_matches_python_bidi_on_the_arabic_seed():
    text = display_safe(normalize(ARABIC_SEED.read_text(encoding="utf-8")))
    compared = 0
    for width in (40, 70):
        for line in wrap_article(text, width, rtl_article=True):
            logical = text[line.start : line.end].rstrip(" ")
            if not logical or re.search(r"[()\[\]{}«»<>]", logical):
                continue  # the Rust get_display does not mirror brackets (rule L4); we do
            shown = "".join(c.text for c in layout_line(text, line, width, True).clusters)
            assert shown == get_display(logical, base_dir="R")
            unordered = "".join(c.text for c in layout_line(text, line, width, False).clusters)
            assert unordered == logical
            compared += 1
    assert compared > 40


def test_paragraph_direction():
    assert paragraph_is_rtl("المغرب", rtl_article=False)
    assert not paragraph_is_rtl("Morocco والمغرب", rtl_article=False)
    assert paragraph_is_rtl("CNN - المغرب", rtl_article=True)  # Arabic with a Latin first word
    assert not paragraph_is_rtl("An English quote.", rtl_article=True)
    assert paragraph_is_rtl("2024 -", rtl_article=True)  # no letters: the article decides


def test_brackets_are_mirrored_in_right_to_left_runs():
    text = "زار (القاهرة) أمس"
    line = wrap_article(text, 40, rtl_article=True)[0]
    shown = "".join(c.text for c in layout_line(text, line, 40, True).clusters)
    assert "(ةرهاقلا)" in shown


def test_surface_search_folds_harakat_alef_and_arabic_prefixes():
    text = "زار وباريس ثم المَغرب وأمريكا. Morocco, Moroccan, MOROCCO."
    assert [text[s:e] for s, e in find_surface(text, fold("باريس"))] == ["باريس"]
    assert [text[s:e] for s, e in find_surface(text, fold("المغرب"))] == ["المَغرب"]
    assert [text[s:e] for s, e in find_surface(text, fold("امريكا"))] == ["أمريكا"]
    assert [text[s:e] for s, e in find_surface(text, fold("Morocco"))] == ["Morocco", "MOROCCO"]
    assert find_surface(text, "  ") == []


def test_the_fast_surface_search_finds_what_the_folding_pattern_finds():
    """The reader searches a lowered copy for non-Arabic forms; it must agree with the slow path."""
    texts = [path.read_text(encoding="utf-8") for path in seed_paths()]
    texts.append("Wray, WRAY and wray; Wrayburn. Avril  Haines\nAvril Haines.")
    for text in texts:
        lowered = lowered_copy(text)
        words = {w.strip(".,;:()«»\"'") for w in text.split()} | {"Avril Haines", "Christopher Wray"}
        for word in sorted(w for w in words if w):
            folded = fold(word)
            fast = find_surface(text, folded, lowered)
            assert lowered is not None
            assert fast == find_surface(text, folded), word
    assert lowered_copy("İstanbul") is None  # lower() would move the offsets: not used


def test_token_index_blocks_give_the_tokens_of_the_whole_text():
    sentence = "Le directeur du FBI, Christopher Wray, s'est rendu à Rabat (Maroc). "
    text = sentence * (3 * BLOCK_LIMIT // len(sentence)) + "\nFin."
    index = TokenIndex(text, lambda: token_offsets(text, "fr"))
    assert index.block_count() >= 4
    tokens = [t for b in range(index.block_count()) for t in index.tokens(b)]
    assert tokens == token_offsets(text, "fr")
    assert index.step(None, +1) == tokens[0] and index.step(None, -1) == tokens[-1]
    assert index.step(tokens[10], +5) == tokens[15] and index.step(tokens[0], -1) is None
    assert index.token_at(tokens[1][0] + 1) == tokens[1]  # inside "directeur"
