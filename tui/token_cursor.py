"""Token boundaries of an article, computed lazily one paragraph at a time.

Tokens come from annotations.nlp.tokens.token_offsets (spaCy's rule-based tokenizer), so a
span made with the token cursor agrees with training. spaCy tokens never cross whitespace,
so tokenizing a paragraph (or a long paragraph cut at a space) alone gives the same tokens
as tokenizing the whole text: opening a 1 MB article costs nothing until the cursor moves.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from annotations.nlp.tokens import token_offsets

Token = tuple[int, int]
BLOCK_LIMIT = 20_000  # characters tokenized at once at most (cut at a space)


class TokenIndex:
    """Token boundaries of ``text``, tokenized block by block on first use."""

    def __init__(
        self, text: str, lang: str,
        tokenize: Callable[[str, str], list[Token]] = token_offsets,
    ) -> None:
        self.text = text
        self.lang = lang
        self._tokenize = tokenize
        self._block_starts: list[int] | None = None
        self._tokens: dict[int, list[Token]] = {}

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
        """The (start, end) tokens of one block, absolute offsets, in order."""
        cached = self._tokens.get(block)
        if cached is None:
            starts = self._blocks()
            start = starts[block]
            end = starts[block + 1] if block + 1 < len(starts) else len(self.text)
            cached = [(start + s, start + e) for s, e in self._tokenize(self.text[start:end], self.lang)]
            self._tokens[block] = cached
        return cached

    def token_at(self, offset: int) -> Token | None:
        """The token holding ``offset``, else the next one in the text, else the last one."""
        block = self.block_of(offset)
        for b in range(block, self.block_count()):
            tokens = self.tokens(b)
            i = bisect_right(tokens, (offset, len(self.text) + 1)) - 1
            if b == block and i >= 0 and tokens[i][0] <= offset < tokens[i][1]:
                return tokens[i]
            i = bisect_left(tokens, (offset, -1)) if b == block else 0
            if i < len(tokens):
                return tokens[i]
        return self.step(None, -1)

    def step(self, token: Token | None, delta: int) -> Token | None:
        """The token ``delta`` tokens after (or before) ``token``; None past either end.

        With ``token`` None, +1 gives the first token and -1 the last.
        """
        if token is None:
            blocks = range(self.block_count()) if delta > 0 else range(self.block_count() - 1, -1, -1)
            for b in blocks:
                tokens = self.tokens(b)
                if tokens:
                    return tokens[0] if delta > 0 else tokens[-1]
            return None
        current = token
        for _ in range(abs(delta)):
            current = self._neighbour(current, 1 if delta > 0 else -1)
            if current is None:
                return None
        return current

    def _neighbour(self, token: Token, direction: int) -> Token | None:
        block = self.block_of(token[0])
        tokens = self.tokens(block)
        i = bisect_left(tokens, token)
        j = i + direction if i < len(tokens) and tokens[i] == token else (i if direction > 0 else i - 1)
        if 0 <= j < len(tokens):
            return tokens[j]
        b = block + direction
        while 0 <= b < self.block_count():
            tokens = self.tokens(b)
            if tokens:
                return tokens[0] if direction > 0 else tokens[-1]
            b += direction
        return None

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
