"""Turning file bytes into text, with one clear problem for binary or non-UTF-8 input."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from .problems import Problem

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def decode_text(data: bytes, path: str) -> str | Problem:
    """Decode a whole text file: UTF-8 (BOM optional), or UTF-16/32 when a BOM says so."""
    if data.startswith(_UTF32_BOMS):
        return _decode_wide(data, "utf-32", path)
    if data.startswith(_UTF16_BOMS):
        return _decode_wide(data, "utf-16", path)
    nul = data.find(b"\x00")
    if nul >= 0:
        return Problem(path, data.count(b"\n", 0, nul) + 1,
                       "binary data (a NUL byte), not a text file; import text, JSONL, CoNLL or "
                       ".spacy files only")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return not_utf8(exc, data, path, data.count(b"\n", 0, exc.start) + 1)


def _decode_wide(data: bytes, encoding: str, path: str) -> str | Problem:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        return Problem(path, None, f"not valid {encoding.upper()} despite its byte order mark "
                                   f"({exc.reason} at byte {exc.start}); save the file as UTF-8")


def not_utf8(exc: UnicodeDecodeError, data: bytes, path: str, line: int | None) -> Problem:
    """The message for bytes that are not UTF-8, naming the first bad byte."""
    bad = data[exc.start:exc.start + 1].hex().upper()
    return Problem(path, line, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8, "
                               f"e.g. iconv -f latin1 -t utf-8")


def decoded_lines(stream: BinaryIO, path: str) -> Iterator[tuple[int, str | Problem]]:
    """Yield (line number, text or problem) for each line of a UTF-8 file, streaming.

    A line that is not UTF-8 is one problem and the next line is read; binary
    data or a UTF-16/32 file is one problem for the whole file, which ends it.
    """
    for number, raw in enumerate(stream, 1):
        if number == 1:
            if raw.startswith(_UTF32_BOMS + _UTF16_BOMS):
                yield number, Problem(path, None, "encoded as UTF-16 or UTF-32; save it as UTF-8")
                return
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in raw:
            yield number, Problem(path, number, "binary data (a NUL byte), not a text file; "
                                                "import text, JSONL, CoNLL or .spacy files only")
            return
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, not_utf8(exc, raw, path, number)
