"""Names that are probably one entity, compared by their folded forms (annotations.text.fold).

Four reasons, strongest first: the same Arabic form once the attached article and particles
are set aside ("الحموشي" and "حموشي"), initials ("a. hammouchi" and "abdellatif hammouchi"),
a surname alone ("hammouchi", for people), and a close spelling (rapidfuzz's normalized indel similarity,
"avril hainse" and "avril haines"). Forms are compared only within blocks that share the
first letters of a word, so a corpus with tens of thousands of forms is not compared pairwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from rapidfuzz import fuzz

SPELLING = 88.0  # rapidfuzz.fuzz.ratio from which two forms count as one name misspelt
MIN_SPELLING_LEN = 5  # shorter forms differ by a letter too easily ("wray", "gray")
MIN_SURNAME_LEN = 4
MAX_BLOCK = 400  # a block this big is a common word, not a name: not compared within
_ARABIC = re.compile("[\u0600-\u06ff]")
# The article, after up to two attached particles (و ف ب ك ل), or لل
_PROCLITIC = re.compile("^(?:[\u0648\u0641\u0628\u0643\u0644]{0,2}\u0627\u0644|\u0644\u0644)")
_INITIAL = re.compile(r"^\w\.?$")


def arabic_key(folded: str) -> str:
    """An Arabic form without the article and attached particles of each word ("وبالرباط" ->
    "رباط"), so that spellings of one name with and without them compare equal."""
    words = []
    for word in folded.split():
        stripped = _PROCLITIC.sub("", word)
        words.append(stripped if len(stripped) >= 2 else word)
    return " ".join(words)


def initials_of(short: str, long: str) -> bool:
    """"a. hammouchi" abbreviates "abdellatif hammouchi": same last word, initials before it."""
    a, b = short.split(), long.split()
    if len(a) != len(b) or len(a) < 2 or a[-1] != b[-1] or len(a[-1]) < 2:
        return False
    pairs = list(zip(a[:-1], b[:-1], strict=True))
    return (any(_INITIAL.match(x) for x, _ in pairs)
            and all((_INITIAL.match(x) and y.startswith(x[0])) or x == y for x, y in pairs))


def likeness(a: str, b: str, *, people: bool = True) -> str | None:
    """Why two different folded forms are probably one name, or None. A surname alone
    ("hammouchi" for "abdellatif hammouchi") counts only for ``people`` ("the kingdom of
    morocco" is not "morocco")."""
    if a == b:
        return "same form"
    if _ARABIC.search(a) and _ARABIC.search(b):
        a, b = arabic_key(a), arabic_key(b)
        if a == b:
            return "same Arabic form"
    if initials_of(a, b) or initials_of(b, a):
        return "initials"
    short, long = sorted((a, b), key=lambda f: len(f.split()))
    if (people and len(short.split()) == 1 and len(long.split()) > 1 and len(short) >= MIN_SURNAME_LEN
            and long.split()[-1] == short):
        return "surname"
    if min(len(a), len(b)) >= MIN_SPELLING_LEN:
        score = fuzz.ratio(a, b)
        if score >= SPELLING:
            return f"spelling ({score:.0f}%)"
    return None


def _blocks(form: str) -> set[str]:
    """The block keys of a form: the first three letters of each word (Arabic: of its key)."""
    words = (arabic_key(form) if _ARABIC.search(form) else form).split()
    return {w.strip(".")[:3] for w in words if len(w.strip(".")) >= 2}


def joined(forms: Iterable[str], pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """``forms`` in groups, two forms of a pair (and so their groups) in one; groups and their
    forms in the order of ``forms`` (which must hold every form of ``pairs``)."""
    parent = {form: form for form in forms}

    def root(form: str) -> str:
        while parent[form] != form:
            parent[form] = parent[parent[form]]
            form = parent[form]
        return form

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for form in parent:
        groups[root(form)].append(form)
    return list(groups.values())


class _Shape(NamedTuple):
    words: int
    last: str | None
    initial: bool  # a word before the last is an initial
    arabic: bool


def _shape(form: str) -> _Shape:
    words = form.split()
    return _Shape(len(words), words[-1] if words else None,
                  any(_INITIAL.match(w) for w in words[:-1]), bool(_ARABIC.search(form)))


def _may_be_alike(a: str, b: str, sa: _Shape, sb: _Shape) -> bool:
    """False only where :func:`likeness` is None, found without it: two Arabic forms are
    compared whole; otherwise initials need as many words and the same last one, and an initial;
    a surname, one word that is the last of the other; a close spelling, a rapidfuzz score at the
    threshold (asked with it as a cutoff, which is faster)."""
    if sa.arabic and sb.arabic:
        return True
    if sa.last == sb.last and ((sa.words == sb.words >= 2 and (sa.initial or sb.initial))
                               or (min(sa.words, sb.words) == 1 < max(sa.words, sb.words))):
        return True
    return min(len(a), len(b)) >= MIN_SPELLING_LEN and fuzz.ratio(a, b, score_cutoff=SPELLING) > 0


def near_pairs(forms: Iterable[str], people: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """(a, b, reason) for every pair of forms that are probably one name; a < b. The surname
    rule applies to a pair whose forms are both among ``people`` (labelled as persons)."""
    people = set(people)
    forms = sorted(set(f for f in forms if f))
    blocks: dict[str, list[str]] = defaultdict(list)
    for form in forms:
        for key in _blocks(form):
            blocks[key].append(form)
    shapes = {form: _shape(form) for form in forms}
    seen: set[tuple[str, str]] = set()
    out = []
    for members in blocks.values():
        if len(members) > MAX_BLOCK:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pair = (a, b) if a < b else (b, a)
                if pair in seen:
                    continue
                seen.add(pair)
                if not _may_be_alike(a, b, shapes[a], shapes[b]):
                    continue
                reason = likeness(*pair, people=a in people and b in people)
                if reason is not None:
                    out.append((*pair, reason))
    return sorted(out)


def lookalikes(names: Iterable[str], forms: Iterable[str], *, people: bool = True) -> dict[str, str]:
    """Of ``forms``, those that look like one of ``names`` (all folded): form -> reason
    (``people``: the names are a person's, so a surname alone counts)."""
    names = sorted(set(n for n in names if n))
    by_block: dict[str, list[str]] = defaultdict(list)
    for name in names:
        for key in _blocks(name):
            by_block[key].append(name)
    out: dict[str, str] = {}
    for form in set(forms):
        if form in names:
            out[form] = "alias"
            continue
        for key in _blocks(form):
            for name in by_block.get(key, ()):
                reason = likeness(form, name, people=people)
                if reason is not None:
                    out.setdefault(form, reason)
    return out
