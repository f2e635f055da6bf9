"""Plain records passed between the formats, the store, the NLP layer and the front end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, NamedTuple

Answer = Literal["accept", "reject", "ignore"]


class Status(StrEnum):
    """A span's status as an annotator sees it; ``suggested`` (undecided) is never stored."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    CORRECTED = "corrected"  # accepted with another label or other boundaries than suggested
    REJECTED = "rejected"


GOLD_STATUSES = (Status.ACCEPTED, Status.CORRECTED)  # what counts as an entity in gold
DECIDED_STATUSES = (*GOLD_STATUSES, Status.REJECTED)  # what ``spans.status`` may hold


class ArticleStatus(StrEnum):
    """An article's status for one annotator; ``todo`` (nothing decided) is never stored."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REJECTED = "rejected"  # imported with answer "reject"
    IGNORED = "ignored"  # imported with answer "ignore"

    @property
    def words(self) -> str:
        """As the library shows it: "to do", "in progress", "done", ..."""
        return "to do" if self is ArticleStatus.TODO else self.value.replace("_", " ")


class Action(StrEnum):
    """What a decision did, as the event log names it (``events.action``; the values are the
    names databases already hold). One vocabulary: the store logs these, and names an undo or
    redo with :attr:`words`, what the annotator was shown when deciding."""

    START = "start"  # the first decision in an article put it in progress (never named alone)
    ACCEPT = "accept"
    REJECT = "reject"
    RELABEL = "relabel"
    RESIZE = "resize"
    CREATE = "create"
    DELETE = "delete"
    LINK = "link"
    UNLINK = "unlink"
    TAG = "tag"
    UNTAG = "untag"
    TAG_ARTICLE = "tag_article"
    UNTAG_ARTICLE = "untag_article"
    ACCEPT_ALL = "accept_all"
    REJECT_ALL = "reject_all"
    DONE = "done"
    IN_PROGRESS = "in_progress"
    ENTITY_LABEL = "entity label"
    DISMISS_CONFLICT = "dismiss conflict"
    LABEL_EVERY = "relabel every"  # a label for every mention (``*``, the conflicts' 1-9)
    REJECT_EVERY = "reject every"
    LINK_EVERY = "link every"
    REVIEW = "review"  # the reviewed layer's entities over a range replaced
    DECIDE = "decide"  # the same, by a reviewer's new entity
    NO_ENTITY = "no entity"  # the same, by none
    TAKE = "take"
    TAKE_AGREED = "take_agreed"

    @property
    def words(self) -> str:
        """What the annotator is shown for it: "accept all", "new span", "mark done"."""
        return _ACTION_WORDS.get(self, self.value)

    @classmethod
    def every(cls, decision: str) -> Action:
        """The action of a decision for every mention (``label``, ``reject`` or ``link``)."""
        return {"label": cls.LABEL_EVERY, "reject": cls.REJECT_EVERY, "link": cls.LINK_EVERY}[decision]

    @classmethod
    def named(cls, logged: str) -> Action | None:
        """The action a log row names (None: a name this version does not know)."""
        try:
            return cls(logged)
        except ValueError:
            return None


_ACTION_WORDS = {
    Action.RELABEL: "label", Action.CREATE: "new span", Action.TAG_ARTICLE: "tag article",
    Action.UNTAG_ARTICLE: "untag article", Action.ACCEPT_ALL: "accept all",
    Action.REJECT_ALL: "reject all", Action.DONE: "mark done", Action.IN_PROGRESS: "back in progress",
    Action.ENTITY_LABEL: "label entity", Action.DISMISS_CONFLICT: "not a conflict",
    Action.TAKE_AGREED: "take the agreed", Action.DECIDE: "reviewed entity", Action.NO_ENTITY: "no entity in",
}


def every_words(decision: str, mentions: str, *, label: str | None = None, entity: str | None = None) -> str:
    """A decision for every mention as the annotator is shown it, before and after (undo):
    "accept as LOC every 'Sahel'", "reject every 'Sahel'", "link every 'Sahel' to Sahel"."""
    if decision == "label":
        return f"accept as {label} every {mentions}"
    if decision == "reject":
        return f"reject every {mentions}"
    return f"link every {mentions} to {entity}"


def counted(n: int, noun: str) -> str:
    """"1 mention", "11 mentions"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Origin(StrEnum):
    """Where a span came from."""

    MEMORY = "memory"
    RULES = "rules"
    MODEL = "model"
    HUMAN = "human"
    IMPORT = "import"


# Suggestion origins, in the order the undecided rule prefers them where they suggest the same.
SUGGESTION_ORIGINS = (Origin.MEMORY, Origin.RULES, Origin.MODEL)


class StepState(StrEnum):
    """An undo step's state in the event log (``events.state``)."""

    DONE = "done"  # in effect: undo takes it back
    UNDONE = "undone"  # taken back: redo brings it back
    DISCARDED = "discarded"  # taken back, then a new decision made: no redo any more


def sql_value(value: str) -> str:
    """``'a'``: one fixed value of an enum for SQL (never user text)."""
    return f"'{value}'"


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')``: a fixed set of these values for an SQL ``IN`` or ``CHECK`` (never user text)."""
    return "(" + ", ".join(sql_value(v) for v in values) + ")"


def origin_rank_sql(column: str = "origin") -> str:
    """SQL ranking a suggestion's origin as :data:`SUGGESTION_ORIGINS` does (memory first)."""
    whens = " ".join(f"WHEN '{origin}' THEN {rank}" for rank, origin in enumerate(SUGGESTION_ORIGINS[:-1]))
    return f"CASE {column} {whens} ELSE {len(SUGGESTION_ORIGINS) - 1} END"


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
    status: str  # a Status
    origin: str  # an Origin
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
        return self.status in GOLD_STATUSES


@dataclass
class SpanRecord:
    """A span read from a file or produced by a pipeline, before it is stored."""

    start: int
    end: int
    label: str
    text: str | None = None  # the surface form the source claims, checked on import
    origin: str = Origin.IMPORT
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


@dataclass(frozen=True)
class ArticleRange:
    """Article ids from ``first`` to ``last``, both included; None leaves that end open.

    Written ``FROM:TO`` on the command line (``1:250000``, ``250001:``, ``:1000``): how a corpus
    is cut into shards (``parallax merge --articles``) and how a run is limited to part of one.
    """

    first: int | None = None
    last: int | None = None

    @classmethod
    def parse(cls, text: str) -> ArticleRange:
        """``FROM:TO`` (either side may be empty); ValueError says what is expected."""
        first, sep, last = text.strip().partition(":")
        try:
            if not sep:
                raise ValueError
            out = cls(int(first) if first.strip() else None, int(last) if last.strip() else None)
        except ValueError:
            raise ValueError(f"{text!r}: expected FROM:TO article ids, e.g. 1:250000, 250001: or :1000"
                             ) from None
        if (out.first is not None and out.first < 1) or (out.last is not None and out.last < 1):
            raise ValueError(f"{text!r}: article ids start at 1")
        if out.first is not None and out.last is not None and out.first > out.last:
            raise ValueError(f"{text!r}: FROM is past TO")
        return out

    def bounds(self) -> tuple[int, int]:
        """(first, last) with the open ends filled in, for SQL ``BETWEEN``."""
        return (self.first or 0, self.last if self.last is not None else 2**63 - 1)

    def __contains__(self, article_id: object) -> bool:
        first, last = self.bounds()
        return isinstance(article_id, int) and first <= article_id <= last

    def __str__(self) -> str:
        return f"{'' if self.first is None else self.first}:{'' if self.last is None else self.last}"


EVERY_ARTICLE = ArticleRange()
