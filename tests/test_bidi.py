"""The python-bidi adapter (tui/bidi.py): what the app relies on, pinned.

The adapter calls python-bidi's undocumented algorithm steps for embedding levels; these
tests hold the result to the library's public ``get_display`` and to levels worked out by
hand from UAX #9, so an upgrade that changes either fails here rather than on screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bidi.algorithm import get_display

from annotations.text import display_safe, normalize
from seeds import seed_paths
from tui.bidi import embedding_levels, first_strong_is_rtl, has_rtl, mirror, visual_order
from tui.layout import wrap_article

REPO = Path(__file__).resolve().parents[1]
MIXED = ["زار (القاهرة) أمس", "abc مرحبا def", "مرحبا 123 بك", "CNN - المغرب 2024", "«المغرب» [x] {y} <z>",
         "English (مرحبا) end", "מה קורה? 3.14 ok", "12,5 مليون دولار", "tab\tمر\tحبا", "  مرحبا  ",
         "(1) مرحبا!", "بَيْتٌ كبير"]


def shown(line: str, rtl: bool) -> str:
    """The line as the app draws it, character by character: visual order, mirrored in RTL runs."""
    levels = embedding_levels(line, rtl)
    return "".join(mirror(line[i]) if levels[i] % 2 else line[i] for i in visual_order(levels))


def seed_lines():
    for path in seed_paths():
        text = display_safe(normalize(path.read_text(encoding="utf-8")))
        for width in (40, 76, 156):
            for line in wrap_article(text, width, rtl_article=path.name.startswith("003_")):
                logical = text[line.start:line.end]
                if line.rtl or has_rtl(logical):
                    yield logical, line.rtl


def test_every_reordered_seed_line_matches_python_bidis_public_get_display():
    lines = list(seed_lines())
    assert len(lines) > 100
    for line, rtl in lines:
        assert shown(line, rtl) == get_display(line, base_dir="R" if rtl else "L"), line


@pytest.mark.parametrize("rtl", [False, True])
@pytest.mark.parametrize("line", MIXED)
def test_mixed_lines_match_python_bidis_public_get_display(line, rtl):
    assert shown(line, rtl) == get_display(line, base_dir="R" if rtl else "L")


@pytest.mark.parametrize(("line", "rtl", "levels"), [
    ("abc", False, [0, 0, 0]),
    ("مرحبا", True, [1] * 5),
    # W2: digits after Arabic letters are Arabic numbers; I2 lifts them one level above the run.
    ("مرحبا 123", True, [1] * 6 + [2] * 3),
    ("مرحبا 12,5", True, [1] * 6 + [2] * 4),  # W4: a comma between two Arabic numbers joins them
    # European digits at the start of an RTL paragraph stay European, still lifted by I2.
    ("12,5 مليون", True, [2] * 4 + [1] * 6),
    ("abc مرحبا", False, [0] * 4 + [1] * 5),  # N2: the space takes the paragraph's direction
    ("(abc)", True, [1, 2, 2, 2, 1]),  # N1/N2: brackets between L and the RTL run edges
    # L1: a tab and the spaces before it go back to the paragraph level (N1 alone would give 2).
    ("abc \tdef", True, [2, 2, 2, 1, 1, 2, 2, 2]),
    # Boundary neutrals (ZWJ) keep one level per character, the level of the character before.
    ("a\u200db", False, [0, 0, 0]),
    ("abc\u200dمرحبا", False, [0] * 4 + [1] * 5),
    ("مرحبا\u200dabc", True, [1] * 6 + [2] * 3),
])
def test_levels_worked_out_by_hand(line, rtl, levels):
    assert embedding_levels(line, rtl) == levels


def test_visual_order_reverses_from_the_highest_level_down():
    assert visual_order([0, 0, 1, 1, 0]) == [0, 1, 3, 2, 4]
    assert visual_order([1, 1, 2, 2, 1]) == [4, 2, 3, 1, 0]
    assert visual_order([0, 0]) == [0, 1] and visual_order([]) == []


def test_mirror_gives_the_paired_glyph_and_leaves_the_rest():
    pairs = {"(": ")", ")": "(", "[": "]", "{": "}", "«": "»", "<": ">", "‹": "›"}
    assert {c: mirror(c) for c in pairs} == pairs
    for same in ("a", "ب", "∑", " ", "ab"):  # ∑ is mirrored in fonts but has no paired glyph
        assert mirror(same) == same


@pytest.mark.parametrize(("text", "rtl"), [
    ("", False), ("123 - .", False), ("abc مرحبا", False), ("123 مرحبا", True),
    ("\u200fabc", True),  # a right-to-left mark is strong
    ("ʹمرحبا", True),  # a modifier letter that is not strong is skipped
    ("a\ud800", False), ("\ud800مرحبا", True),  # a lone surrogate (from a JSON escape) does not raise
])
def test_base_direction_is_the_first_strong_character(text, rtl):
    assert first_strong_is_rtl(text) is rtl


def test_python_bidi_is_used_by_the_adapter_alone():
    users = [path.relative_to(REPO).as_posix() for package in ("annotations", "tui")
             for path in (REPO / package).rglob("*.py")
             if re.search(r"^\s*(from|import)\s+bidi\b", path.read_text(encoding="utf-8"), re.M)]
    assert users == ["tui/bidi.py"]
