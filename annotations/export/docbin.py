"""spaCy training data: ``train.spacy`` and ``dev.spacy`` (DocBin) in one folder.

Each article is one Doc made with the blank tokenizer of its language.
``doc.ents`` holds the spans that fit the tokens (overlaps resolved like
``filter_spans``), ``doc.spans["sc"]`` every span that fits (overlaps kept),
and a span that does not fit leaves its tokens *missing* rather than "O", as do
the suggestions a done article left undecided.
Entity links are in ``kb_id``; ``doc.user_data`` carries the article id and title,
and ``parallax_entities`` maps each kb_id to its entity's name (the importer reads it).
"""

from __future__ import annotations

import struct
from pathlib import Path

from .align import (
    Placed,
    Problem,
    choose_entities,
    make_doc,
    misaligned_problem,
    overlap_problem,
    place_spans,
    unknown_tokens,
)
from .files import Outputs
from .gold import ExportArticle, split_articles

SPANS_KEY = "sc"
ENTITIES_KEY = "parallax_entities"  # user data: {kb_id: entity name} of the linked spans


def article_doc(item: ExportArticle):
    """The training Doc for one article, and the problems met building it."""
    doc, exact, user_data, problems = _article_parts(item)
    doc.spans[SPANS_KEY] = exact
    doc.user_data.update(user_data)
    return doc, problems


def write_spacy(articles: list[ExportArticle], folder: str | Path, *, split: float = 0.8,
                seed: int = 0, outputs: Outputs | None = None) -> dict:
    """Write train.spacy and dev.spacy; return counts, file paths and problems.

    Through ``outputs`` the files are written all or nothing (see :mod:`.files`).
    """
    if outputs is None:
        with Outputs() as outputs:
            return write_spacy(articles, folder, split=split, seed=seed, outputs=outputs)
    folder = Path(folder)
    train, dev = split_articles(articles, split, seed)
    problems: list[Problem] = []
    files = {}
    for name, part in (("train", train), ("dev", dev)):
        writer = DocBinWriter()
        for item in part:
            doc, exact, user_data, found = _article_parts(item)
            writer.add(doc, {SPANS_KEY: exact}, user_data)
            problems += found
        path = folder / f"{name}.spacy"
        writer.to_disk(outputs.file(path))
        files[name] = str(path)
    return {"files": files, "articles": {"train": len(train), "dev": len(dev)}, "problems": problems}


class DocBinWriter:
    """Writes what ``DocBin(store_user_data=True)`` writes, byte for byte, at less cost per Doc.

    ``DocBin.add`` serializes each Doc's user data and span groups with
    ``srsly.msgpack_dumps``, which builds a new packer every call and looks up
    srsly's encoder registry (entry points included) each time: three calls per
    Doc. This packs them with one packer, in the same format as
    ``SpanGroups.to_bytes``; tests compare the bytes with DocBin's own output.
    Kept for what it measured against ``DocBin.add`` + ``to_disk`` in the same
    export (benchmark databases of 100 and 1,000 articles of 2-8 KB, 30 spans each,
    alternating rounds): 498 and 499 articles/s against 371 and 356, 1.34-1.40x,
    the files byte-identical.
    """

    def __init__(self):
        import srsly.msgpack
        from spacy.tokens import DocBin

        self.docbin = DocBin(store_user_data=False)
        self._packer = srsly.msgpack.Packer(use_bin_type=True)
        self._user_data: list[bytes] = []

    def __len__(self) -> int:
        return len(self.docbin)

    def add(self, doc, groups: dict[str, list], user_data: dict) -> None:
        """Add ``doc`` (no span groups or user data of its own) with these span groups and user data."""
        if len(doc.spans) or doc.user_data:
            raise ValueError("DocBinWriter.add takes span groups and user data separately, not on the doc")
        self.docbin.add(doc)
        self.docbin.span_groups[-1] = self._span_groups(doc, groups)
        self._user_data.append(self._packer.pack(user_data))

    def to_bytes(self) -> bytes:
        return self._finished().to_bytes()

    def to_disk(self, path: str | Path) -> None:
        self._finished().to_disk(path)

    def _finished(self):
        self.docbin.store_user_data = True
        self.docbin.user_data = list[bytes | None](self._user_data)
        return self.docbin

    def _span_groups(self, doc, groups: dict[str, list]) -> bytes:
        """``doc.spans.to_bytes()`` had ``groups`` been set on the doc; their strings go to the bin."""
        if not groups:
            return self._packer.pack([])
        strings, known = self.docbin.strings, doc.vocab.strings
        packed: dict[bytes, list[str]] = {}
        for key, spans in groups.items():
            rows = []
            for span in spans:
                rows.append(_SPAN.pack(span.id, span.kb_id, span.label, span.start, span.end,
                                       span.start_char, span.end_char))
                strings.add(span.label_)
                if span.kb_id in known:
                    strings.add(span.kb_id_)
                if span.id in known:
                    strings.add(span.id_)
            group = self._packer.pack({"name": key, "attrs": {}, "spans": rows})
            packed.setdefault(group, []).append(key)
        return self._packer.pack(packed)


_SPAN = struct.Struct(">QQQllll")  # SpanGroup.to_bytes: id, kb_id, label, start, end, start_char, end_char


def _article_parts(item: ExportArticle):
    """The Doc with its entities and missing tokens, the exact spans, the user data, the problems."""
    from spacy.tokens import Span as SpacySpan

    doc = make_doc(item)
    placed = place_spans(item, doc)
    exact = [p.span for p in placed if p.span is not None]
    kept, dropped = choose_entities(doc, exact)
    problems = [overlap_problem(item, d, kept, f"kept in doc.spans[{SPANS_KEY!r}] only") for d in dropped]
    covered = {i for ent in kept for i in range(ent.start, ent.end)}
    unknown: set[int] = set()
    for p in placed:
        if p.span is not None:
            continue
        problems.append(misaligned_problem(item, p, _missing_action(p)))
        if p.snapped is not None:
            unknown.update(i for i in range(p.snapped.start, p.snapped.end) if i not in covered)
    unknown.update(unknown_tokens(item, doc, kept))
    missing = [SpacySpan(doc, start, end) for start, end in _runs(sorted(unknown))]
    doc.set_ents(kept, missing=missing)
    user_data = {"parallax_article_id": item.article.id, "parallax_title": item.article.title}
    if item.annotator:
        user_data["parallax_annotator"] = item.annotator
    entities = {s.kb_id: s.entity for s in item.spans if s.kb_id and s.entity}
    if entities:
        user_data[ENTITIES_KEY] = entities
    return doc, exact, user_data, problems


def _missing_action(p: Placed) -> str:
    if p.snapped is None:
        return "left out (no token to mark)"
    return f"tokens {p.snapped.text!r} marked missing (unknown), not O"


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 6), (9, 10)]"""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
