"""Character spans onto spaCy tokens, and a report of every span that does not fit.

Tokens come from the blank tokenizer of the article's language (what training
sees). A span whose ends fall inside a token is never silently dropped: in a
DocBin its tokens are marked *missing* (unknown, ``ent_iob_ == ""``); in CoNLL
and Hugging Face files it is snapped outwards to whole tokens. Either way it is
reported. Tokens of the suggestions a done article left undecided are unknown
in every format (:func:`unknown_tokens`): missing in a DocBin, "-" in CoNLL,
-100 in Hugging Face files. Overlaps in ``doc.ents`` are resolved
like :func:`spacy.util.filter_spans`: the longest span wins, then the earliest.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..text import display_safe
from ..tokenizers import blank_nlp
from .gold import ExportArticle, ExportSpan

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan


@dataclass(frozen=True)
class Problem:
    """A span an export could not write as it is, and what it did instead."""

    article_id: int
    title: str
    start: int
    end: int
    label: str
    text: str
    reason: str  # why: "ends inside the token 'Hammouchi'", "overlaps ..."
    action: str  # what the export did: "tokens marked missing", "snapped to ..."
    kind: str = "misaligned"  # or "overlap"

    def describe(self) -> str:
        """One terminal-safe line for the export report."""
        return display_safe(f"article {self.article_id} ({_short(self.title)}) {self.start}-{self.end} "
                            f"{self.label} {self.text!r}: {self.reason}; {self.action}")


@dataclass
class Placed:
    """An export span with its token span: exact (``span``) or snapped outwards (``snapped``)."""

    source: ExportSpan
    span: SpacySpan | None  # aligned exactly
    snapped: SpacySpan | None  # expanded to whole tokens, when not exact
    reason: str = ""


def make_doc(item: ExportArticle):
    """The article's text tokenized with the blank pipeline of its language."""
    return blank_nlp(item.article.lang).make_doc(item.article.text)


def place_spans(item: ExportArticle, doc) -> list[Placed]:
    """Align every span of the article (rejected ones left out) to the doc's tokens."""
    return [place_span(item, doc, s) for s in item.spans if s.status != "rejected"]


def place_span(item: ExportArticle, doc, s: ExportSpan) -> Placed:
    """Align one span; leading and trailing whitespace is trimmed first (it is never part of a name)."""
    start, end = trim_span(item.article.text, s.start, s.end)
    if start >= end:
        return Placed(s, None, None, "covers only whitespace")
    kb_id = s.kb_id or ""
    exact = doc.char_span(start, end, label=s.label, kb_id=kb_id, alignment_mode="strict")
    if exact is not None:
        return Placed(s, exact, None)
    snapped = doc.char_span(start, end, label=s.label, kb_id=kb_id, alignment_mode="expand")
    reasons = []
    if snapped is not None and snapped.start_char != start:
        reasons.append(f"starts inside the token {doc[snapped.start].text!r}")
    if snapped is not None and snapped.end_char != end:
        reasons.append(f"ends inside the token {doc[snapped.end - 1].text!r}")
    return Placed(s, None, snapped, " and ".join(reasons) or "does not match the tokens")


def choose_entities(doc, candidates: list) -> tuple[list, list]:
    """Non-overlapping entities by the filter_spans rule; returns (kept, dropped)."""
    from spacy.util import filter_spans

    kept = filter_spans(candidates)
    kept_ids = {id(s) for s in kept}
    return kept, [s for s in candidates if id(s) not in kept_ids]


def overlap_problem(item: ExportArticle, dropped, kept: list, action: str) -> Problem:
    winner = next((k for k in kept if k.start < dropped.end and dropped.start < k.end), None)
    reason = (f"overlaps {winner.text!r} ({winner.label_}), which is longer or earlier"
              if winner is not None else "overlaps another span")
    return make_problem(item, dropped.start_char, dropped.end_char, dropped.label_, reason, action, "overlap")


def misaligned_problem(item: ExportArticle, p: Placed, action: str) -> Problem:
    return make_problem(item, p.source.start, p.source.end, p.source.label, p.reason, action)


def sentences(doc, entities: Sequence = ()) -> list[list]:
    """Sentences of non-space tokens: the sentencizer's, also broken at every line break, but
    never inside one of ``entities`` (the sentencizer ends a sentence after "ST." of "ST. LOUIS"
    and "1." of "1. FC Cologne": split there, the entity would read as two in IOB2)."""
    from spacy.pipeline import Sentencizer

    Sentencizer()(doc)
    within = {i for ent in entities for i in range(ent.start + 1, ent.end)}  # an entity goes on here
    out: list[list] = []
    current: list = []
    for token in doc:
        if token.is_sent_start and current and token.i not in within:
            out.append(current)
            current = []
        if token.is_space:
            if "\n" in token.text and current and token.i not in within:
                out.append(current)
                current = []
            continue
        current.append(token)
        if "\n" in token.whitespace_ and current and token.i + 1 not in within:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


UNKNOWN_TAG = "-"  # spaCy's "missing" tag: neither an entity nor "O"


def iob_tags(doc, entities: list, unknown: Set[int] = frozenset()) -> list[str]:
    """IOB2 tags for every token of the doc from non-overlapping entities; ``unknown`` tokens get "-".

    spaCy encodes them: the entities become ``doc.ents`` and each token's ``ent_iob_`` is its
    IOB2 prefix. (``offsets_to_biluo_tags`` + ``biluo_to_iob`` give the same tags but walk
    every character: 0.77 ms per 3.9 KB article here against 0.18 ms, a CoNLL export 35 %
    slower.)
    """
    doc.set_ents(entities, default="outside")
    tags = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type else "O" for t in doc]
    for i in unknown:
        if tags[i] == "O":
            tags[i] = UNKNOWN_TAG
    return tags


def unknown_tokens(item: ExportArticle, doc, entities: list) -> set[int]:
    """Tokens of the article's undecided suggestions that no entity covers: unknown, never "O".

    A suggestion that cuts through a token marks the whole token (it is unknown either way).
    """
    covered = {i for ent in entities for i in range(ent.start, ent.end)}
    out: set[int] = set()
    for s in item.undecided or ():
        placed = place_span(item, doc, s)
        span = placed.span if placed.span is not None else placed.snapped
        if span is not None:
            out.update(i for i in range(span.start, span.end) if i not in covered)
    return out


def snapped_entities(item: ExportArticle, doc) -> tuple[list, list[Problem]]:
    """Entities for formats without a "missing" tag (CoNLL, HF): misaligned spans snapped outwards."""
    problems: list[Problem] = []
    candidates = []
    for p in place_spans(item, doc):
        if p.span is not None:
            candidates.append(p.span)
        elif p.snapped is not None:
            candidates.append(p.snapped)
            problems.append(misaligned_problem(item, p, f"snapped to {p.snapped.text!r}"))
        else:
            problems.append(misaligned_problem(item, p, "left out"))
    kept, dropped = choose_entities(doc, candidates)
    problems += [overlap_problem(item, d, kept, "left out (tagged O)") for d in dropped]
    return kept, problems


# -- internals --------------------------------------------------------------------


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _short(title: str, width: int = 40) -> str:
    title = " ".join(title.split())
    return title if len(title) <= width else title[: width - 1] + "\u2026"


def make_problem(item: ExportArticle, start: int, end: int, label: str, reason: str, action: str,
             kind: str = "misaligned") -> Problem:
    a = item.article
    return Problem(a.id, a.title, start, end, label, a.text[start:end], reason, action, kind)
