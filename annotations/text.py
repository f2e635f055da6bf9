"""Text handling shared by every part of Parallax.

Offsets everywhere are Python string indices into the *stored* text, which is
the imported text after :func:`normalize`. Nothing here changes a string's
length except :func:`normalize` itself, so display and matching forms can be
indexed with the stored offsets.
"""

from __future__ import annotations

import re
import unicodedata

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
    import hashlib  # here, not at the top: no launch of the app hashes (~1 ms to import, issue 20)

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


# --- language (annotations.language; detect_lang is kept here, where it always was) ----------

def detect_lang(text: str, default: str = "en") -> str:
    """Guess an article's language (:func:`annotations.language.guess_lang`)."""
    from .language import guess_lang

    return guess_lang(text, default).lang


_RTL_LANGS = {"ar", "he", "fa", "ur", "ps", "yi"}


def is_rtl(lang: str) -> bool:
    """True for languages written right to left."""
    return lang.split("-")[0].lower() in _RTL_LANGS
