"""Plain text: one article per file, the first non-empty line is its title."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import ArticleRecord
from .decode import decode_text
from .problems import Problem


def read_txt(file, path: str, source: str) -> Iterator[ArticleRecord | Problem]:
    """Read one ``.txt`` file (a Path or importlib Traversable) as one article.

    The text is returned as in the file (normalization happens on import, once);
    the store takes the first non-empty line as the title.
    """
    text = decode_text(file.read_bytes(), path)
    if isinstance(text, Problem):
        yield text
    elif not text or text.isspace():
        yield Problem(path, None, "empty file (no text to import)")
    else:
        yield ArticleRecord(text=text, source=source)
