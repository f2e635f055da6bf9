"""Annotation memory: what a human accepted once is suggested wherever it occurs.

Forms are every accepted surface form plus the aliases of labelled entities.
Matching runs on token sequences from spaCy's blank tokenizer (the same token
boundaries the app snaps to), comparing tokens by :func:`annotations.text.fold`
(case, Arabic harakat, tatweel, alef variants), and maps back to the token
offsets in the stored text, so ``text[start:end]`` is always the surface form.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..model import SpanRecord
from ..text import fold
from ..tokenizers import blank_nlp

MEMORY_SOURCE = "memory"
# A one-token form this short ("US", "AU") is matched with its exact case only:
# folding it would suggest the pronoun "us" as a country.
SHORT_FORM = 3


@dataclass(frozen=True)
class MemoryForm:
    surface: str
    label: str
    source: str = MEMORY_SOURCE


_fold_token = lru_cache(maxsize=1 << 16)(fold)


def memory_forms(store, owner: str | None = None) -> list[MemoryForm]:
    """What ``owner``'s memory (``Store.memory_owner``; default the store's annotator's) holds:
    their accepted surface forms and the aliases of labelled entities they linked a span to;
    everyone's when the owner is ''. In the project's labels."""
    owner = store.memory.owner() if owner is None else owner
    annotator = owner or None
    scheme = set(store.labels.names())
    forms = [MemoryForm(surface, label) for surface, label in store.memory.accepted_forms(annotator)]
    forms += [MemoryForm(alias, label, f"{MEMORY_SOURCE}: alias of {name}")
              for alias, label, name in store.memory.labelled_aliases(annotator)]
    return [f for f in forms if f.label in scheme and f.surface.strip()]


def _tokens(text: str, lang: str) -> list[tuple[str, int, int, str]]:
    """(folded key, start, end, text) of every token that has a key."""
    out = []
    for tok in blank_nlp(lang).make_doc(text):
        if tok.is_space:
            continue
        key = _fold_token(tok.text)
        if key:
            out.append((key, tok.idx, tok.idx + len(tok.text), tok.text))
    return out


@dataclass
class _Entry:
    keys: tuple[str, ...]
    exact: str | None  # the surface a short one-token form must match exactly
    labels: dict[str, str]  # label -> source


class _LangIndex:
    """The forms tokenized for one language, keyed by their first token."""

    def __init__(self, forms: Iterable[MemoryForm], lang: str):
        entries: dict[tuple[tuple[str, ...], str | None], _Entry] = {}
        for form in forms:
            keys = tuple(t[0] for t in _tokens(form.surface, lang))
            if not keys:
                continue
            surface = form.surface.strip()
            cased = surface.lower() != surface.upper()
            exact = surface if len(keys) == 1 and len(keys[0]) <= SHORT_FORM and cased else None
            entry = entries.setdefault((keys, exact), _Entry(keys, exact, {}))
            entry.labels.setdefault(form.label, form.source)
        self.by_first: dict[str, list[_Entry]] = defaultdict(list)
        for entry in entries.values():
            self.by_first[entry.keys[0]].append(entry)
        for candidates in self.by_first.values():
            candidates.sort(key=lambda e: -len(e.keys))
        # Every match contains its longest token key in the folded text: a cheap first test.
        needles = sorted({max(e.keys, key=len) for e in entries.values()}, key=len, reverse=True)
        self.prefilter = re.compile("|".join(map(re.escape, needles))) if needles else None


class MemoryIndex:
    """Finds memory forms in article texts; build once per run, use for many articles."""

    def __init__(self, forms: Iterable[MemoryForm]):
        self.forms = list(forms)
        self._langs: dict[str, _LangIndex] = {}

    def __len__(self) -> int:
        return len(self.forms)

    def _index(self, lang: str) -> _LangIndex:
        if lang not in self._langs:
            self._langs[lang] = _LangIndex(self.forms, lang)
        return self._langs[lang]

    def match(self, text: str, lang: str) -> list[SpanRecord]:
        """Memory suggestions for one text: longest form first, no match across a line break."""
        index = self._index(lang)
        if index.prefilter is None or not index.prefilter.search(fold(text)):
            return []
        tokens = _tokens(text, lang)
        out: list[SpanRecord] = []
        i = 0
        while i < len(tokens):
            entry = next((e for e in index.by_first.get(tokens[i][0], ()) if _fits(e, tokens, i, text)),
                         None)
            if entry is None:
                i += 1
                continue
            start, end = tokens[i][1], tokens[i + len(entry.keys) - 1][2]
            out.extend(SpanRecord(start, end, label, text=text[start:end], origin="memory", source=source)
                       for label, source in entry.labels.items())
            i += len(entry.keys)
        return out


def _fits(entry: _Entry, tokens: list, i: int, text: str) -> bool:
    n = len(entry.keys)
    if i + n > len(tokens) or tuple(t[0] for t in tokens[i:i + n]) != entry.keys:
        return False
    if entry.exact is not None and tokens[i][3] != entry.exact:
        return False
    return all("\n" not in text[tokens[j][2]:tokens[j + 1][1]] for j in range(i, i + n - 1))


@dataclass(frozen=True)
class MemoryJob:
    """One annotator's memory to match in many articles (plain data: it travels to workers)."""

    forms: tuple[MemoryForm, ...]

    def runner(self) -> MemoryRunner:
        return MemoryRunner(self.forms)


class MemoryRunner:
    """A memory index applied to a batch of (text, (article id, language)) items."""

    def __init__(self, forms: Iterable[MemoryForm]):
        self.index = MemoryIndex(forms)

    def __call__(self, batch: list[tuple[str, tuple[int, str]]],
                 ) -> list[tuple[tuple[int, str], list[SpanRecord]]]:
        return [(context, self.index.match(text, context[1])) for text, context in batch]


def memory_suggestions(store, article_id: int, index: MemoryIndex | None = None,
                       owner: str | None = None) -> int:
    """Refresh one article's memory suggestions for ``owner`` (default: ``Store.memory_owner``);
    the app calls it when articles are opened.

    Returns how many were added; ones already stored are kept as they are.
    """
    owner = store.memory.owner() if owner is None else owner
    index = index if index is not None else MemoryIndex(memory_forms(store, owner))
    if not len(index):
        return 0
    article = store.articles.get(article_id)
    return store.loading.add_suggestions(article_id, index.match(article.text, article.lang), annotator=owner)
