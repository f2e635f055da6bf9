"""Checking a record read from a file and normalizing it for the store.

The text is normalized once; every span's raw offsets are mapped onto the
normalized text and checked: in range, not reversed or empty, a valid label,
and the surface form the file claims (where it gives one) must be what the
offsets point at. A bad span refuses its whole record, because importing the
rest as gold would teach a model that the missing entity is not one.
"""

from __future__ import annotations

import json
from dataclasses import replace

from ..config import valid_label
from ..model import ArticleRecord, SpanRecord
from ..text import normalize
from .offsets import OffsetMap
from .problems import Problem, describe_span, excerpt

TITLE_MAX = 200


def check_record(record: ArticleRecord, path: str, prefix: str = "") -> tuple[ArticleRecord | None,
                                                                             list[Problem]]:
    """Return (the normalized record, or None if refused; its problems and notices)."""
    line = record.line

    def problem(message: str, notice: bool = False) -> Problem:
        return Problem(path, line, prefix + message, notice)

    bad = _unencodable(record)
    if bad:
        return None, [problem(bad)]
    offsets = OffsetMap(record.text)
    text = offsets.text
    if not text.strip():
        return None, [problem("empty text (nothing to import)")]
    found: list[Problem] = []
    spans: dict[tuple[int, int, str], SpanRecord] = {}
    suggestions: dict[tuple[int, int, str, str], SpanRecord] = {}
    for kind, items in (("span", record.spans), ("undecided suggestion", record.suggestions)):
        for span in items:
            checked = _check_span(span, record.text, offsets)
            if isinstance(checked, str):
                found.append(problem(f"{kind} {describe_span(span.start, span.end, span.label)}: {checked}"))
            elif kind == "span":
                spans.setdefault((checked.start, checked.end, checked.label), checked)
            else:
                suggestions.setdefault((checked.start, checked.end, checked.label, checked.origin), checked)
    if found:
        return None, found
    ordered = sorted(spans.values(), key=lambda s: (s.start, s.end, s.label))
    overlap = _overlaps(ordered)
    notices = []
    if overlap:
        count, (a, b) = overlap
        notices.append(problem(
            f"{count} span{' overlaps' if count == 1 else 's overlap'} another, e.g. "
            f"{describe_span(a.start, a.end, a.label)} {excerpt(a.text or '')} and "
            f"{describe_span(b.start, b.end, b.label)} {excerpt(b.text or '')}; both kept "
            "(they export to doc.spans, not doc.ents)", notice=True))
    title = record.title
    if title is not None:
        title = " ".join(normalize(title).split())[:TITLE_MAX] or None
    return replace(record, text=text, title=title, spans=ordered,
                   suggestions=sorted(suggestions.values(), key=lambda s: (s.start, s.end, s.label))), notices


def _check_span(span: SpanRecord, raw: str, offsets: OffsetMap) -> SpanRecord | str:
    """The span on the normalized text, or why it is refused."""
    start, end, label = span.start, span.end, span.label
    if not valid_label(label):
        return (f"invalid label {excerpt(label)}; a label is a letter, then letters, digits, "
                "_ or - (at most 50)")
    if start > end:
        return "reversed (end before start); fix the offsets"
    if start == end:
        return "empty (start equals end); remove it or fix the offsets"
    if start < 0 or end > len(raw):
        hint = _offset_hint(raw, start, end, span.text) if span.text is not None and start >= 0 else ""
        return f"outside the text (0-{len(raw)}){hint or '; offsets are character positions in the text'}"
    new_start, new_end = offsets(start), offsets(end)
    surface = offsets.text[new_start:new_end]
    if normalize(raw[start:end]) != surface or new_start == new_end:
        return ("a boundary falls inside a character sequence that normalization joins "
                "(CRLF or a combining mark); move it to a character boundary")
    if span.text is not None and normalize(span.text) != surface:
        return (f"the text at these offsets is {excerpt(surface)} but the span says "
                f"{excerpt(span.text)}{_offset_hint(raw, start, end, span.text)}")
    return replace(span, start=new_start, end=new_end, text=surface)


def _offset_hint(raw: str, start: int, end: int, claimed: str) -> str:
    """Say when the offsets fit UTF-16 code units or UTF-8 bytes instead of characters."""
    head = raw[:end]  # every character is at least one unit in either encoding
    for encoding, width, what in (("utf-16-le", 2, "UTF-16 code units (as JavaScript counts)"),
                                  ("utf-8", 1, "UTF-8 bytes")):
        data = head.encode(encoding, "surrogatepass")
        try:
            if data[start * width:end * width].decode(encoding) == claimed:
                return f"; the offsets count {what}: convert them to character offsets"
        except UnicodeDecodeError:
            continue
    return "; fix the offsets (they are Python character positions)"


def _overlaps(spans: list[SpanRecord]) -> tuple[int, tuple[SpanRecord, SpanRecord]] | None:
    """How many start-sorted spans overlap an earlier one, and the first such pair."""
    count = 0
    first: tuple[SpanRecord, SpanRecord] | None = None
    reach: SpanRecord | None = None
    for span in spans:
        if reach is not None and span.start < reach.end:
            count += 1
            first = first or (reach, span)
        if reach is None or span.end > reach.end:
            reach = span
    return (count, first) if count and first is not None else None


def _unencodable(record: ArticleRecord) -> str | None:
    """A message when the record holds text SQLite cannot store (unpaired surrogates)."""
    fields = [("text", record.text), ("title", record.title or ""), ("source", record.source or "")]
    fields += [(what, s.text or "") for s in [*record.spans, *record.suggestions]
               for what in ("span text",)]
    fields += [("entity name", s.entity or "") for s in record.spans]
    fields += [("kb_id", s.kb_id or "") for s in record.spans]
    for name, value in fields:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (f"the {name} holds an unpaired surrogate (U+{ord(value[exc.start]):04X} at "
                    f"character {exc.start}), likely a broken emoji; fix the file's encoding")
    if record.meta:
        try:
            json.dumps(record.meta, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError):
            return "the meta holds text that cannot be stored (an unpaired surrogate); fix the file"
    return None
