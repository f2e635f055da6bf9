"""Token boundaries of an article for the token cursor, read from the store when first needed.

The tokens are spaCy's (so a span made with the token cursor agrees with training), but
spaCy does not live in the app: a child process (:mod:`annotations.nlp.child`) computes
them when an article is opened and stores them (:mod:`annotations.store.tokens`). Until
they are there, :attr:`TokenIndex.ready` is False and the token keys say so. The text is
cut into blocks (paragraphs, long ones cut at a space) only to keep boundary changes
inside a paragraph.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

Token = tuple[int, int]
BLOCK_LIMIT = 20_000  # characters in a block at most (cut at a space)


class TokenIndex:
    """Token boundaries of ``text``; ``load`` gives them all (None: not computed yet)."""

    def __init__(self, text: str, load: Callable[[], list[Token] | None]) -> None:
        self.text = text
        self._load = load
        self._all: list[Token] | None = None
        self._block_starts: list[int] | None = None
        self._first_token: list[int] | None = None  # index in _all of each block's first token

    @property
    def ready(self) -> bool:
        """Whether the tokens are known (read from the store on first use, asked again until then)."""
        return self._loaded() is not None

    def _loaded(self) -> list[Token] | None:
        """Every token, in order; None while they are not known."""
        if self._all is None:
            self._all = self._load()
            self._first_token = None
        return self._all

    def reload(self) -> None:
        """The tokens were (re)computed: read them again on next use."""
        self._all = None
        self._first_token = None

    def _blocks(self) -> list[int]:
        if self._block_starts is None:
            starts = [0]
            text = self.text
            pos = 0
            while True:
                nl = text.find("\n", pos)
                end = len(text) if nl == -1 else nl
                while end - starts[-1] > BLOCK_LIMIT:
                    cut = text.rfind(" ", starts[-1] + 1, starts[-1] + BLOCK_LIMIT)
                    starts.append(cut + 1 if cut != -1 else starts[-1] + BLOCK_LIMIT)
                if nl == -1:
                    break
                starts.append(nl + 1)
                pos = nl + 1
            self._block_starts = starts
        return self._block_starts

    def block_of(self, offset: int) -> int:
        """Index of the block (paragraph, or piece of a long one) holding ``offset``."""
        return max(bisect_right(self._blocks(), offset) - 1, 0)

    def block_count(self) -> int:
        return len(self._blocks())

    def tokens(self, block: int) -> list[Token]:
        """The (start, end) tokens of one block, absolute offsets, in order ([] until ready)."""
        tokens = self._loaded()
        if tokens is None:
            return []
        if self._first_token is None:
            self._first_token = [bisect_left(tokens, (start, -1)) for start in self._blocks()]
        first = self._first_token
        end = first[block + 1] if block + 1 < len(first) else len(tokens)
        return tokens[first[block]:end]

    def token_at(self, offset: int) -> Token | None:
        """The token holding ``offset``, else the next one in the text, else the last one."""
        tokens = self._loaded()
        if tokens is None:
            return None
        i = bisect_right(tokens, (offset, len(self.text) + 1)) - 1
        if i >= 0 and tokens[i][0] <= offset < tokens[i][1]:
            return tokens[i]
        i = bisect_left(tokens, (offset, -1))
        if i < len(tokens):
            return tokens[i]
        return tokens[-1] if tokens else None

    def step(self, token: Token | None, delta: int) -> Token | None:
        """The token ``delta`` tokens after (or before) ``token``; None past either end.

        With ``token`` None, +1 gives the first token and -1 the last.
        """
        tokens = self._loaded()
        if not tokens:
            return None
        if token is None:
            return tokens[0] if delta > 0 else tokens[-1]
        i = bisect_left(tokens, token)
        found = i < len(tokens) and tokens[i] == token
        # Not a token (any more): tokens[i] is the first one after it, tokens[i - 1] the last before.
        j = i + delta - (1 if delta > 0 and not found else 0)
        return tokens[j] if 0 <= j < len(tokens) else None

    def around(self, start: int, end: int) -> list[Token]:
        """The tokens of the block holding ``start`` (where a span can grow or shrink)."""
        return self.tokens(self.block_of(start))

    def grow(self, start: int, end: int, side: str, delta: int) -> tuple[int, int] | None:
        """Move one end of ``[start, end)`` by one token: +1 widens, -1 narrows.

        ``side`` is "start" or "end" (logical ends, whatever the script direction). Stays
        inside the span's paragraph; None when there is no token to take or the span would
        become empty.
        """
        if side not in ("start", "end") or delta not in (1, -1):
            raise ValueError(f"grow(side={side!r}, delta={delta!r}): side is start/end, delta is +1/-1")
        tokens = self.around(start, end)
        if side == "end" and delta > 0:
            later = [e for _, e in tokens if e > end]
            return (start, later[0]) if later else None
        if side == "end":
            earlier = [e for _, e in tokens if start < e < end]
            return (start, earlier[-1]) if earlier else None
        if delta > 0:
            earlier = [s for s, _ in tokens if s < start]
            return (earlier[-1], end) if earlier else None
        later = [s for s, _ in tokens if start < s < end]
        return (later[0], end) if later else None
