"""A huge ``(?:A)|(?:B)|...`` regex matched without compiling it whole: spaCy's French token_match.

spaCy's French tokenizer asks one 1.45 MB regex (266 anchored alternatives, each
with Unicode letter classes under IGNORECASE) whether a word is one token.
Compiling it takes 2.3-2.7 s here: 83 % of ``spacy.blank("fr")``, and
``Tokenizer.from_bytes`` compiles it again. :class:`LazyAlternation` compiles a
cheap superset of it instead (each big character class widened to any
character; 0.12 s), which rejects almost every word, and compiles a real
alternative (about 9 ms) only the first time its superset matches. The answer
is the whole regex's: any alternative matching is exactly the alternation
matching, and a widened alternative matches whatever the real one does. Tests
compare it with the whole regex, and the tokens with ``spacy.blank``'s.
"""

from __future__ import annotations

import re

_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_ANY = r"[\s\S]"
BIG_CLASS = 64  # characters: a class longer than this is widened in the cheap regex


class LazyAlternation:
    """``.match`` answers like ``re.compile(pattern).match`` for truth (what spaCy's tokenizer asks).

    ``pattern`` stays readable (``Tokenizer.to_bytes`` saves ``token_match.__self__.pattern``).
    A pattern of another shape is compiled whole, so the answer is always the regex's.
    """

    def __init__(self, pattern: str):
        self.pattern = pattern
        split = split_alternation(pattern)
        self._head, self._parts = split if split else ("", [])
        if not self._parts:
            self._whole: re.Pattern[str] | None = re.compile(pattern)
            return
        self._whole = None
        self._cheap = re.compile(self._head + "|".join(f"(?P<_{i}>{widen(p)})"
                                                       for i, p in enumerate(self._parts)))
        self._cheap_parts: dict[int, re.Pattern] = {}
        self._real_parts: dict[int, re.Pattern] = {}

    def match(self, string: str):
        """A match object when the whole regex matches at the start of ``string``, else None."""
        if self._whole is not None:
            return self._whole.match(string)
        found = self._cheap.match(string)
        if found is None:
            return None
        first = next(int(name[1:]) for name, value in found.groupdict().items() if value is not None)
        for i in range(first, len(self._parts)):  # earlier alternatives did not even match widened
            if self._compiled(self._cheap_parts, i, widen).match(string):
                real = self._compiled(self._real_parts, i, str).match(string)
                if real is not None:
                    return real
        return None

    def _compiled(self, cache: dict, i: int, shape) -> re.Pattern:
        if i not in cache:
            cache[i] = re.compile(self._head + shape(self._parts[i]))
        return cache[i]


def split_alternation(pattern: str) -> tuple[str, list[str]] | None:
    """(leading flags, top-level alternatives), or None when splitting could change the meaning.

    Refused: a single alternative, groups that number or refer to each other (named
    groups, back references) and lookarounds (widening inside one is no superset).
    """
    flags = _FLAGS.match(pattern)
    head = flags.group(0) if flags else ""
    body = pattern[len(head):]
    parts, start, depth = [], 0, 0
    for token in _SYNTAX.finditer(body):
        c = token.group(0)
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(body[start:token.start()])
            start = token.end()
    parts.append(body[start:])
    if len(parts) < 2 or depth != 0 or head + "|".join(parts) != pattern:
        return None
    if any(re.search(r"\(\?(?:P|=|!|<|\()|\\[1-9]", p) for p in parts):
        return None
    return head, parts


def widen(part: str) -> str:
    """The part with every character class longer than BIG_CLASS replaced by "any character"."""
    out, last = [], 0
    for token in _SYNTAX.finditer(part):
        if token.group(0)[0] == "[" and token.end() - token.start() > BIG_CLASS:
            out += [part[last:token.start()], _ANY]
            last = token.end()
    out.append(part[last:])
    return "".join(out)


# What splitting must see in a regex: an escape (skipped), a whole character class
# (a "]" first in it, after "[" or "[^", is a literal), or a bracket or bar outside one.
_SYNTAX = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|[()|]", re.S)
