"""Prodigy-style JSONL: one task per article with text, tokens, spans, answer and hashes.

Spans keep their exact character offsets (this is the lossless format, and it
imports back). ``token_start``/``token_end`` (inclusive, as in Prodigy) index
``tokens``; a span whose ends fall inside a token has no token indices and is
reported. ``meta`` keeps the keys the article was imported with, and a task imported from
Prodigy keeps its ``_input_hash``, ``_task_hash`` and other ``_`` keys (else they are
computed), so the file still works with the tools it came from. Extra span keys: ``status``,
``origin``, ``annotator`` and, for a span
linked to an entity, ``kb_id`` and ``entity`` (its name). A done article also has ``undecided``: the
suggestions its gold layer left undecided (``start``, ``end``, ``label``,
``origin`` and token indices), which are neither entities nor "not an entity".
"""

from __future__ import annotations

import hashlib
import json
from typing import TextIO

from ..formats.jsonl import PRODIGY_META_KEY, UNDECIDED_KEY
from .align import Problem, make_doc, misaligned_problem, place_span
from .gold import ExportArticle


def stable_hash(*parts: object) -> int:
    """A signed 32-bit integer, the same on every run and machine (like Prodigy's hashes)."""
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "big", signed=True)


def article_task(item: ExportArticle) -> tuple[dict, list[Problem]]:
    """The JSONL task for one article and the spans that did not fit its tokens."""
    doc = make_doc(item)
    a = item.article
    tokens = [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i,
               "ws": bool(t.whitespace_)} for t in doc]
    spans, problems = [], []
    for s in item.spans:
        span: dict = {"start": s.start, "end": s.end, "label": s.label}
        placed = place_span(item, doc, s)
        if placed.span is not None:
            span["token_start"], span["token_end"] = placed.span.start, placed.span.end - 1
        elif s.status != "rejected":
            problems.append(misaligned_problem(item, placed, "written without token_start/token_end"))
        span.update({"status": s.status, "origin": s.origin, "annotator": s.annotator})
        if s.kb_id:
            span["kb_id"] = s.kb_id
            span["entity"] = s.entity
        spans.append(span)
    undecided = None
    if item.undecided is not None:
        undecided = []
        for s in item.undecided:
            entry: dict = {"start": s.start, "end": s.end, "label": s.label, "origin": s.origin}
            placed = place_span(item, doc, s)
            if placed.span is not None:
                entry["token_start"], entry["token_end"] = placed.span.start, placed.span.end - 1
            undecided.append(entry)
    input_hash = stable_hash(a.text)
    kept = dict(a.meta)
    prodigy = kept.pop(PRODIGY_META_KEY, None)
    task: dict = {
        "text": a.text,
        "tokens": tokens,
        "spans": spans,
        "_input_hash": input_hash,
        "_task_hash": stable_hash(input_hash, [[s["start"], s["end"], s["label"]] for s in spans]),
        # the meta the article came with (a url, a date: what other tools read), then Parallax's
        "meta": {**kept, "title": a.title, "source": a.source, "lang": a.lang, "article_id": a.id},
    }
    if isinstance(prodigy, dict):  # a Prodigy task's own hashes and keys, as it had them
        task.update({k: v for k, v in prodigy.items() if isinstance(k, str) and k.startswith("_")})
    if undecided is not None:
        task[UNDECIDED_KEY] = undecided
    if item.answer is not None:
        task["answer"] = item.answer
    if item.annotator is not None:
        task["meta"]["annotator"] = item.annotator
    return task, problems


def write_jsonl(articles: list[ExportArticle], out: TextIO) -> dict:
    """Write one JSON line per article to an open text stream."""
    problems: list[Problem] = []
    for item in articles:
        task, found = article_task(item)
        problems += found
        out.write(json.dumps(task, ensure_ascii=False) + "\n")
    return {"articles": {"all": len(articles)}, "problems": problems}
