"""The decisions the front end writes, as values: each names the one Store call that makes it.

A screen builds one (``Accept(span.key)``) and hands it to the app's
:class:`tui.decisions.DecisionRunner`, which applies it (``write.apply(store)``) at once, or
later on the queue's own Store when the database is busy. So the store call a key ends in is
written in one place, and a reader of the runner sees which calls it may make.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from annotations.model import Action, Span
from annotations.store import BulkDecision, BulkResult, BulkTarget, LayerSpan, SpanKey, Store, UndoResult

T_co = TypeVar("T_co", covariant=True)
Report = Callable[[str], None]  # how far a long write is, for the status bar


class Write(Protocol[T_co]):
    """A decision to write: one call on the Store it is given (the app's, or the queue's)."""

    def apply(self, store: Store) -> T_co: ...


# -- one span -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accept:
    key: SpanKey

    def apply(self, store: Store) -> Span:
        return store.decisions.accept(self.key)


@dataclass(frozen=True)
class Reject:
    key: SpanKey

    def apply(self, store: Store) -> Span:
        return store.decisions.reject(self.key)


@dataclass(frozen=True)
class Relabel:
    key: SpanKey
    label: str

    def apply(self, store: Store) -> Span:
        return store.decisions.relabel(self.key, self.label)


@dataclass(frozen=True)
class Resize:
    key: SpanKey
    start: int
    end: int

    def apply(self, store: Store) -> Span:
        return store.decisions.resize(self.key, self.start, self.end)


@dataclass(frozen=True)
class CreateSpan:
    article_id: int
    start: int
    end: int
    label: str

    def apply(self, store: Store) -> Span:
        return store.decisions.create_span(self.article_id, self.start, self.end, self.label)


@dataclass(frozen=True)
class DeleteSpan:
    key: SpanKey

    def apply(self, store: Store) -> None:
        store.decisions.delete_span(self.key)


@dataclass(frozen=True)
class Link:
    """Link the span to an entity: by id, or by name (a new name creates the entity)."""

    key: SpanKey
    entity: str | int

    def apply(self, store: Store) -> Span:
        return store.decisions.link(self.key, self.entity)


@dataclass(frozen=True)
class Tag:
    key: SpanKey
    tag: str
    remove: bool = False

    def apply(self, store: Store) -> None:
        if self.remove:
            store.tags.untag(self.key, self.tag)
        else:
            store.tags.tag(self.key, self.tag)


# -- one article ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagArticle:
    article_id: int
    tag: str
    remove: bool = False

    def apply(self, store: Store) -> None:
        if self.remove:
            store.tags.untag_article(self.article_id, self.tag)
        else:
            store.tags.tag_article(self.article_id, self.tag)


@dataclass(frozen=True)
class AcceptAll:
    article_id: int

    def apply(self, store: Store) -> int:
        return store.decisions.accept_all(self.article_id)


@dataclass(frozen=True)
class SetArticleStatus:
    """Done (deciding the undecided suggestions as ``undecided`` says, if it says) or in progress."""

    article_id: int
    status: str
    undecided: str | None = None

    def apply(self, store: Store) -> int:
        return store.decisions.set_article_status(self.article_id, self.status, undecided=self.undecided)


@dataclass(frozen=True)
class SetLanguage:
    article_id: int
    lang: str

    def apply(self, store: Store) -> bool:
        return store.articles.set_lang(self.article_id, self.lang)


# -- the layer's history, and many articles at once ---------------------------------------------


@dataclass(frozen=True)
class Undo:
    def apply(self, store: Store) -> UndoResult | None:
        return store.history.undo()


@dataclass(frozen=True)
class Redo:
    def apply(self, store: Store) -> UndoResult | None:
        return store.history.redo()


@dataclass(frozen=True)
class DismissConflict:
    """Not a conflict (the conflicts view's ``i``): undoable like any decision."""

    kind: str
    key: str

    def apply(self, store: Store) -> bool:
        return store.decisions.dismiss_conflict(self.kind, self.key)


@dataclass(frozen=True)
class BulkDecide:
    """One decision for every mention of ``target`` (``*``): one transaction, one undo step;
    ``report`` says how far it is (the runner's, in its thread: see ``run_background``)."""

    target: BulkTarget
    decision: BulkDecision
    what: str

    def apply(self, store: Store, report: Report | None = None) -> BulkResult:
        progress = None if report is None else (
            lambda done, total: report(f"saving {self.what}: {done:,} of {total:,} mention(s)…"))
        return store.bulk.decide(self.target, self.decision, progress=progress)


@dataclass(frozen=True)
class Reporting:
    """A long write given its way to report progress (:meth:`DecisionRunner.run_background`)."""

    function: Callable[[Store, Report], Any]
    report: Report

    def apply(self, store: Store) -> Any:
        return self.function(store, self.report)


# -- the reviewer's layer (review:NAME) ------------------------------------------------------------


@dataclass(frozen=True)
class Take:
    """Take ``layer``'s version of ``[start, end)`` into the reviewed layer."""

    article_id: int
    start: int
    end: int
    layer: str

    def apply(self, store: Store) -> int:
        return store.review.take(self.article_id, self.start, self.end, self.layer)


@dataclass(frozen=True)
class TakeAllAgreed:
    """Take ``layer``'s version of every agreed range, and reject what every compared layer rejected."""

    article_id: int
    ranges: Sequence[tuple[int, int]]
    layer: str
    compared: Sequence[str]

    def apply(self, store: Store) -> int:
        return store.review.take_all(self.article_id, self.ranges, self.layer, self.compared)


@dataclass(frozen=True)
class ReviewReplace:
    """The reviewed layer's entities over ``[start, end)`` become exactly ``entities``."""

    article_id: int
    start: int
    end: int
    entities: Sequence[LayerSpan]
    action: Action = Action.REVIEW

    def apply(self, store: Store) -> int:
        return store.review.replace(self.article_id, self.start, self.end, self.entities, action=self.action)


@dataclass(frozen=True)
class ReviewStep:
    """Undo (or redo) the reviewer's last review decision."""

    redo: bool = False

    def apply(self, store: Store) -> UndoResult | None:
        return store.review.redo() if self.redo else store.review.undo()


@dataclass(frozen=True)
class SetReviewStatus:
    article_id: int
    status: str
    undecided: str | None = None

    def apply(self, store: Store) -> int:
        return store.review.set_status(self.article_id, self.status, undecided=self.undecided)
