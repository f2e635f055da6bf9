"""Text handling shared by every part of Parallax.

Offsets everywhere are Python string indices into the *stored* text, which is
the imported text after :func:`normalize`. Nothing here changes a string's
length except :func:`normalize` itself, so display and matching forms can be
indexed with the stored offsets.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from itertools import repeat

__all__ = [
    "normalize",
    "content_hash",
    "display_safe",
    "fold",
    "detect_lang",
    "is_rtl",
]


def normalize(text: str) -> str:
    """Return the form Parallax stores: Unicode NFC, CRLF and CR turned into LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def content_hash(text: str) -> str:
    """A stable identity for an article's stored text (re-imports are no-ops)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- display-safe form -----------------------------------------------------

_BIDI_CONTROLS = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def _placeholder(cp: int) -> str:
    if cp < 0x20:
        return chr(0x2400 + cp)  # the Control Pictures block: ␀ .. ␟
    if cp == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls and bidi overrides: a visible replacement char


_UNSAFE_TABLE = {
    cp: _placeholder(cp)
    for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_CONTROLS]
    if cp not in (0x0A, 0x09)
}


def display_safe(text: str) -> str:
    """Replace terminal-active characters with visible placeholders, one for one.

    C0 controls other than newline and tab, DEL, C1 controls (U+0080-U+009F,
    including the one-byte CSI U+009B) and the bidi embedding/override/isolate
    characters each become a single visible character, so the result has the
    same length and every stored offset still points at the same place.
    """
    return text.translate(_UNSAFE_TABLE)


# --- matching form ---------------------------------------------------------

_ARABIC_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_ALEF_VARIANTS = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                                "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"})
_TATWEEL = "\u0640"


def fold(text: str) -> str:
    """The key under which surface forms are compared (annotation memory, search).

    Case-insensitive; for Arabic, harakat and tatweel are dropped and alef
    variants, alef maqsura and ta marbuta are folded. The result may be
    shorter than the input: use it for keys, never for offsets.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    text = _ARABIC_DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = text.translate(_ALEF_VARIANTS)
    return " ".join(text.split())


# --- language ----------------------------------------------------------------

_ARABIC_CHARS = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")
# Hebrew or Arabic script, the first thing detect_lang looks for
_RTL_CHARS = re.compile("[\u0590-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+")
_LETTERS = re.compile(r"[^\W\d_]+")  # letters of any script
_SAMPLE_CHARS = 2_000  # enough words for a clear vote; longer texts cost time, not accuracy
_SAMPLE_WINDOWS = 4  # a long text is sampled at its start and three more places
_WORD_SEPARATORS = ".,;:!?\"()[]{}<>\u00ab\u00bb\u201c\u201d\u2018'\u2019-\u2013\u2014/"

_STOP = {
    "en": set("the of and to in is that for on with as was by at from it an be are this which "
              "has have were said its their but not his her they will would".split()),
    "fr": set("le la les de des du et en un une est que qui dans pour sur au aux par avec se "
              "ce cette sont pas plus il elle ont été son sa ses leur".split()),
    "es": set("el la los las de del y en un una es que por con para se su sus al lo como "
              "más pero fue este esta".split()),
    "de": set("der die das und in den von zu mit sich des auf für ist im dem nicht ein eine "
              "als auch es an werden aus er hat dass".split()),
}
_STOP_TUPLES = {lang: tuple(sorted(words)) for lang, words in _STOP.items()}


def _sample(text: str) -> str:
    """At most ``_SAMPLE_CHARS`` of the text, taken from evenly spaced places in it."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    step, width = len(text) // _SAMPLE_WINDOWS, _SAMPLE_CHARS // _SAMPLE_WINDOWS
    return "\n".join(text[i * step:i * step + width] for i in range(_SAMPLE_WINDOWS))


def detect_lang(text: str, default: str = "en") -> str:
    """Guess an article's language from the majority of its text.

    Arabic or Hebrew when that script has most of the letters (three English lines
    and one Arabic line are English), else a vote of common words (English, French,
    Spanish, German). Called once per imported article, so it reads a bounded sample
    spread over the whole text and avoids per-character Python work.
    """
    sample = _sample(text)
    if not sample.isascii():  # O(1) in CPython: pure-ASCII text has no Arabic or Hebrew
        runs = "".join(_RTL_CHARS.findall(sample))
        # most of the letters; counted only when most of the characters are not (mixed text)
        if runs and (2 * len(runs) > len(sample) - sample.count(" ")
                     or 2 * len(runs) > sum(map(len, _LETTERS.findall(sample)))):
            arabic = sum(map(len, _ARABIC_CHARS.findall(runs)))
            return "ar" if arabic >= len(runs) - arabic else "he"
    sample = sample.lower()
    for mark in _WORD_SEPARATORS:  # str.replace is C speed; str.translate is not for non-ASCII text
        if mark in sample:
            sample = sample.replace(mark, " ")
    counts = Counter(sample.split())
    votes = {lang: sum(map(counts.get, words, repeat(0, len(words)))) for lang, words in _STOP_TUPLES.items()}
    best = max(votes, key=votes.__getitem__)
    return best if votes[best] > 0 else default


_RTL_LANGS = {"ar", "he", "fa", "ur", "ps", "yi"}


def is_rtl(lang: str) -> bool:
    """True for languages written right to left."""
    return lang.split("-")[0].lower() in _RTL_LANGS
