"""Token boundaries of articles, kept in the database so the app never needs spaCy.

The app's token cursor (w/b, making and reshaping spans) must land on the same
boundaries as training, i.e. spaCy's tokenizer; but importing spaCy costs the app
~2 s and ~60 MB. So a short-lived NLP process (:mod:`annotations.nlp.child`)
tokenizes the articles the app opens and stores the result here, under the
tokenizer's name (spaCy version and language): a new spaCy version makes old
tokens stale, and they are computed again.

Stored as zlib-compressed 32-bit (gap, length) pairs: about 1.2 bytes a token
(a 5 KB article takes ~1.2 KB), decoded with C-level ``array`` and ``accumulate``.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .connection import Connection


Token = tuple[int, int]


def encode_tokens(tokens: Sequence[Token]) -> bytes:
    """(start, end) offsets in order -> the stored form."""
    flat = array("I")
    last = 0
    for start, end in tokens:
        flat.append(start - last)
        flat.append(end - start)
        last = end
    return zlib.compress(flat.tobytes(), 6)


def decode_tokens(data: bytes) -> list[Token]:
    """The stored form -> (start, end) offsets."""
    flat = array("I")
    flat.frombytes(zlib.decompress(data))
    bounds = list(accumulate(flat))  # start0, end0, start1, end1, ...
    return list(zip(bounds[0::2], bounds[1::2], strict=True))


class Tokens:
    """The stored token boundaries of articles (by tokenizer name)."""

    def __init__(self, cx: Connection) -> None:
        self.cx = cx

    def save(self, items: Iterable[tuple[int, str, Sequence[Token]]]) -> int:
        """Store (article id, tokenizer name, tokens) for several articles in one transaction."""
        rows = [(article_id, tokenizer, encode_tokens(tokens)) for article_id, tokenizer, tokens in items]
        with self.cx.write():
            self.cx.conn.executemany(
                "INSERT INTO tokens(article_id, tokenizer, data) VALUES (?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET tokenizer=excluded.tokenizer, data=excluded.data",
                rows)
        return len(rows)

    def get(self, article_id: int, tokenizer: str) -> list[Token] | None:
        """The article's tokens by ``tokenizer``; None when not computed (or by another one)."""
        row = self.cx.conn.execute("SELECT data FROM tokens WHERE article_id=? AND tokenizer=?",
                                   (article_id, tokenizer)).fetchone()
        return decode_tokens(row[0]) if row else None

    def tokenized_ids(self, article_ids: Iterable[int], tokenizers: dict[int, str]) -> set[int]:
        """Which of these articles have tokens by the tokenizer named for them in ``tokenizers``."""
        ids = list(article_ids)
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        found = self.cx.conn.execute(
            f"SELECT article_id, tokenizer FROM tokens WHERE article_id IN ({marks})", ids).fetchall()
        return {article_id for article_id, name in found if tokenizers.get(article_id) == name}
