"""Plain records passed between the formats, the store, the NLP layer and the front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Answer = Literal["accept", "reject", "ignore"]
Origin = Literal["model", "rules", "memory", "human", "import"]
Status = Literal["suggested", "accepted", "corrected", "rejected"]
ArticleStatus = Literal["todo", "in_progress", "done", "rejected", "ignored"]


@dataclass(frozen=True)
class Article:
    """An article as stored: ``text`` is the normalized text every offset refers to."""

    id: int
    title: str
    text: str
    lang: str
    source: str | None
    hash: str
    meta: dict = field(default_factory=dict, compare=False)


class Span(NamedTuple):
    """One span as an annotator sees it: their own decision, or an undecided suggestion.

    ``span_id`` is set for a human decision (a row in ``spans``), ``suggestion_id``
    for a suggestion or a decision made on one. ``status`` is ``suggested`` when
    the annotator has not decided yet. A NamedTuple, not a frozen dataclass: a
    1 MB article has tens of thousands of spans, re-read after every decision,
    and a frozen dataclass costs ~6 us each to build.
    """

    article_id: int
    start: int
    end: int
    label: str
    status: Status
    origin: Origin
    source: str | None = None
    span_id: int | None = None
    suggestion_id: int | None = None
    annotator: str | None = None
    entity_id: int | None = None
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int]:
        """A stable handle for decisions: ("span", id) or ("suggestion", id)."""
        if self.span_id is not None:
            return ("span", self.span_id)
        assert self.suggestion_id is not None
        return ("suggestion", self.suggestion_id)

    @property
    def is_suggestion(self) -> bool:
        return self.span_id is None

    @property
    def is_gold(self) -> bool:
        return self.status in ("accepted", "corrected")


@dataclass
class SpanRecord:
    """A span read from a file or produced by a pipeline, before it is stored."""

    start: int
    end: int
    label: str
    text: str | None = None  # the surface form the source claims, checked on import
    origin: Origin = "import"
    source: str | None = None
    kb_id: str | None = None  # a knowledge-base id (or Parallax's "parallax:N"): imported as a link
    entity: str | None = None  # the linked entity's name, where the file gives it


@dataclass
class ArticleRecord:
    """An article read from a file, before it is stored.

    ``answer`` is None when the file makes no claim about gold status (plain
    text, or a record that says some tokens are unknown); "accept" makes the
    spans the annotator's gold decisions. ``suggestions`` are spans nobody
    decided on (Parallax's ``undecided``); they are stored as suggestions.
    """

    text: str
    title: str | None = None
    source: str | None = None
    lang: str | None = None
    meta: dict = field(default_factory=dict)
    spans: list[SpanRecord] = field(default_factory=list)
    answer: Answer | None = None
    suggestions: list[SpanRecord] = field(default_factory=list)
    line: int | None = None  # where the record starts in its file, for messages
    link_task: bool = False  # a Prodigy entity-linking task: its links join those of the same text
