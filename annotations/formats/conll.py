"""CoNLL-2003 style: one token per line, the tag in the last column, read as a stream.

``-DOCSTART-`` lines separate documents (a file without one is one document),
blank lines separate sentences. Tags may be IOB1 or IOB2 (BIOES/BILUO are read
too); ``-`` marks a token whose tag is unknown, and a document holding one is
imported without being marked done. ``\\uXXXX`` in a token is that character
(how ``parallax export`` writes whitespace and control characters inside a
token). The text is rebuilt with one space between tokens and a newline
between sentences, so span offsets are exact.

The tags are decoded here (:meth:`_Document.add_token`, same rules as spaCy's
``iob_to_biluo`` + ``tags_to_entities`` on IOB1/IOB2, which a test checks) rather than
by spaCy, measured: ``iob_to_biluo`` reads neither BIOES (``B-X E-X`` gives two
entities) nor the unknown tag ``-`` (ValueError E177); it pops from the front of a
list, so one 100,000-token sentence takes 0.59 s (this reader: 0.19 s for the whole
file); and importing ``spacy.training`` adds 0.6-0.8 s to an import that takes 0.25 s.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from ..config import valid_label
from ..model import ArticleRecord, SpanRecord
from .decode import decoded_lines
from .problems import Problem, excerpt

_TAG_RE = re.compile(r"^([BIESLU])-(.+)$")
UNKNOWN_TAG = "-"  # spaCy's "missing" tag, written by parallax export for undecided suggestions
DOCSTART = "-DOCSTART-"
_ESCAPE_RE = re.compile(r"\\u([0-9A-Fa-f]{4})")


def escape_token(token: str) -> str:
    """A token as one CoNLL column that reads back as the same token (:func:`unescape_token`).

    What a column cannot hold is written ``\\uXXXX``: whitespace (it would split
    the line), control characters (NUL, ESC, DEL, C1: a text file holds none of
    them), a backslash followed by ``u`` (so a literal ``\\u0041`` survives) and
    the first character of a token spelled ``-DOCSTART-``. Everything else,
    backslashes included, is written as it is.
    """
    out = []
    for i, c in enumerate(token):
        if (c.isspace() or unicodedata.category(c) == "Cc" or (c == "\\" and token[i + 1:i + 2] == "u")
                or (i == 0 and token == DOCSTART)):
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def unescape_token(column: str) -> str:
    """The token a column stands for: every ``\\uXXXX`` becomes its character."""
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), column) if "\\u" in column else column


class _Document:
    """The article being rebuilt: text parts, spans, and the entity still open."""

    def __init__(self, line: int):
        self.line = line
        self.parts: list[str] = []
        self.length = 0
        self.sentence_open = False
        self.spans: list[SpanRecord] = []
        self.open: list | None = None  # [start, end, label] of the entity being read
        self.problems: list[Problem] = []
        self.unknown = 0  # tokens tagged "-": neither an entity nor "O"

    def add_token(self, token: str, prefix: str, label: str | None) -> None:
        if self.sentence_open:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(token)
        self.length += len(token)
        self.sentence_open = True
        if label is None:
            self.close()
            return
        if self.open is not None and self.open[2] == label and prefix in ("I", "E", "L"):
            self.open[1] = self.length
        else:
            self.close()
            self.open = [start, self.length, label]
        if prefix in ("E", "L", "S", "U"):
            self.close()

    def close(self) -> None:
        if self.open is not None:
            self.spans.append(SpanRecord(*self.open))
            self.open = None

    def end_sentence(self) -> None:
        self.close()
        if self.sentence_open:
            self.parts.append("\n")
            self.length += 1
            self.sentence_open = False

    def record(self, source: str) -> ArticleRecord | None:
        """The article; with unknown tokens it is not complete gold, so it is not marked done."""
        self.close()
        text = "".join(self.parts).rstrip("\n")
        if not text:
            return None
        return ArticleRecord(text=text, source=source, spans=self.spans,
                             answer=None if self.unknown else "accept", line=self.line)


def parse_tag(tag: str) -> tuple[str, str | None] | str:
    """(prefix, label) for a tag, ("O", None) for outside, ("-", None) for unknown, or an error message."""
    if tag in ("O", UNKNOWN_TAG):
        return tag, None
    match = _TAG_RE.match(tag)
    if not match:
        return f"invalid tag {excerpt(tag)} (expected O, B-LABEL or I-LABEL)"
    if not valid_label(match.group(2)):
        return (f"invalid label {excerpt(match.group(2))} in tag {excerpt(tag)} "
                "(a letter, then letters, digits, _ or -)")
    return match.group(1), match.group(2)


def read_conll(file, path: str, name: str) -> Iterator[ArticleRecord | Problem]:
    """Yield one record per document, or the problems that refuse it."""
    doc: _Document | None = None
    seen_any = False

    def finish(d: _Document | None) -> Iterator[ArticleRecord | Problem]:
        if d is None:
            return
        if d.problems:
            yield from d.problems
            return
        record = d.record(f"{name}:{d.line}")
        if record is not None:
            yield record
            if d.unknown:
                yield Problem(path, d.line, f"{d.unknown} token{'s' if d.unknown > 1 else ''} tagged "
                              f"{UNKNOWN_TAG!r} (unknown): the article is imported with its spans but not "
                              "marked done, so they never become \"not an entity\"", notice=True)

    with file.open("rb") as stream:
        for line, text in decoded_lines(stream, path):
            if isinstance(text, Problem):
                seen_any = True
                if doc is None:
                    doc = _Document(line)
                doc.problems.append(text)
                continue
            columns = text.split("\t") if "\t" in text else text.split()
            columns = [c.strip() for c in columns if c.strip()]
            if not columns:
                if doc is not None:
                    doc.end_sentence()
                continue
            seen_any = True
            if columns[0] == DOCSTART:
                yield from finish(doc)
                doc = _Document(line)
                continue
            if doc is None:
                doc = _Document(line)
            if len(columns) < 2:
                doc.problems.append(Problem(path, line, f"token {excerpt(columns[0])} has no tag "
                                                        "(expected TOKEN ... TAG, tag in the last column)"))
                continue
            parsed = parse_tag(columns[-1])
            if isinstance(parsed, str):
                doc.problems.append(Problem(path, line, parsed))
                continue
            if parsed[0] == UNKNOWN_TAG:
                doc.unknown += 1
            doc.add_token(unescape_token(columns[0]), *parsed)
    yield from finish(doc)
    if not seen_any:
        yield Problem(path, None, "empty file (no tokens to import)")
