"""Token boundaries from spaCy's rule-based tokenizer, without loading a pipeline.

The trained pipelines use their language's default tokenizer, so ``spacy.blank(lang)``
gives the same tokens: span snapping in the app and token offsets in the exports agree
with what training will see. Building a blank pipeline takes a moment, so they are cached.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from . import import_spacy

_lock = threading.Lock()


@lru_cache(maxsize=16)
def blank_nlp(lang: str):
    """A cached ``spacy.blank(lang)``; languages spaCy lacks fall back to the multi-language one."""
    spacy = import_spacy()
    with _lock:
        try:
            return spacy.blank(lang)
        except Exception:  # ImportError / E048 for an unknown language code
            return spacy.blank("xx")


def token_offsets(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of every non-space token in ``text``."""
    doc = blank_nlp(lang).make_doc(text)
    return [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]
