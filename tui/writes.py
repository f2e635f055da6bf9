"""The decisions the front end writes, as values, and the one function that makes each on a Store.

A screen builds one (``Accept(span.key)``) and hands it to the app's
:class:`tui.decisions.DecisionRunner`, which makes it with :func:`apply_write` at once, or later
on the queue's own Store when the database is busy. :func:`apply_write` names, for each kind of
write, the one Store call it ends in: a reader of the runner (or of one key's trail, from the
screen to the row) finds every call a decision may make in one ``match``.

Each kind is a frozen record declared like a dataclass (:class:`Write` is marked
``dataclass_transform``, so type checkers read it so); :class:`Write` gives it its ``__init__``,
equality, hash and repr. ``@dataclass`` generated and compiled six methods per class: the
twenty kinds cost every launch of the app ~8 ms (issue 20).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Generic, TypeVar, cast, dataclass_transform

from annotations.model import Action, Span
from annotations.store import BulkDecision, BulkResult, BulkTarget, LayerSpan, SpanKey, Store, UndoResult

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Report = Callable[[str], None]  # how far a long write is, for the status bar


_NO_DEFAULT = object()


@dataclass_transform(frozen_default=True)
class Write(Generic[T_co]):
    """A decision to write; ``T_co`` is what its Store call returns (what ``saved`` is given).

    A kind lists its fields as annotations, with defaults last, as in a frozen dataclass."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[tuple[object, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(cls.__dict__.get("__annotations__", {}))
        cls._defaults = tuple(cls.__dict__.get(name, _NO_DEFAULT) for name in cls._fields)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))  # the first fields, given by position
        for name, default in zip(fields[len(args):], self._defaults[len(args):], strict=True):
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif default is not _NO_DEFAULT:
                values[name] = default
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {name!r}")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected or repeated arguments {sorted(kwargs)}")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and cast(Write, other)._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


# -- one span -------------------------------------------------------------------------------


class Accept(Write[Span]):
    key: SpanKey


class Reject(Write[Span]):
    key: SpanKey


class Relabel(Write[Span]):
    key: SpanKey
    label: str


class Resize(Write[Span]):
    key: SpanKey
    start: int
    end: int


class CreateSpan(Write[Span]):
    article_id: int
    start: int
    end: int
    label: str


class DeleteSpan(Write[None]):
    key: SpanKey


class Link(Write[Span]):
    """Link the span to an entity: by id, or by name (a new name creates the entity)."""

    key: SpanKey
    entity: str | int


class Tag(Write[None]):
    key: SpanKey
    tag: str
    remove: bool = False


# -- one article ------------------------------------------------------------------------------


class TagArticle(Write[None]):
    article_id: int
    tag: str
    remove: bool = False


class AcceptAll(Write[int]):
    article_id: int


class SetArticleStatus(Write[int]):
    """Done (deciding the undecided suggestions as ``undecided`` says, if it says) or in progress."""

    article_id: int
    status: str
    undecided: str | None = None


class SetLanguage(Write[bool]):
    article_id: int
    lang: str


# -- the layer's history, and many articles at once ---------------------------------------------


class Undo(Write[UndoResult | None]):
    pass


class Redo(Write[UndoResult | None]):
    pass


class DismissConflict(Write[bool]):
    """Not a conflict (the conflicts view's ``i``): undoable like any decision."""

    kind: str
    key: str


class BulkDecide(Write[BulkResult]):
    """One decision for every mention of ``target`` (``*``): one transaction, one undo step,
    saying how far it is through the runner's ``report`` (written in the background)."""

    target: BulkTarget
    decision: BulkDecision
    what: str


# -- the reviewer's layer (review:NAME) ------------------------------------------------------------


class Take(Write[int]):
    """Take ``layer``'s version of ``[start, end)`` into the reviewed layer."""

    article_id: int
    start: int
    end: int
    layer: str


class TakeAllAgreed(Write[int]):
    """Take ``layer``'s version of every agreed range, and reject what every compared layer rejected."""

    article_id: int
    ranges: Sequence[tuple[int, int]]
    layer: str
    compared: Sequence[str]


class ReviewReplace(Write[int]):
    """The reviewed layer's entities over ``[start, end)`` become exactly ``entities``."""

    article_id: int
    start: int
    end: int
    entities: Sequence[LayerSpan]
    action: Action = Action.REVIEW


class ReviewStep(Write[UndoResult | None]):
    """Undo (or redo) the reviewer's last review decision."""

    redo: bool = False


class SetReviewStatus(Write[int]):
    article_id: int
    status: str
    undecided: str | None = None


# -- making one ---------------------------------------------------------------------------------


def apply_write(write: Write[T], store: Store, report: Report | None = None) -> T:
    """Make ``write`` on ``store`` (the app's, or the queue's: only that Store is used);
    ``report`` hears how far a long one is. Returns what its Store call returned."""
    # Each case returns what its class names as Write[...]: checked by the tests that decide
    # through the screens (mypy cannot narrow T from a class pattern).
    return cast(T, _store_call(write, store, report))


def _store_call(write: Write[Any], store: Store, report: Report | None) -> object:
    match write:
        case Accept():
            return store.decisions.accept(write.key)
        case Reject():
            return store.decisions.reject(write.key)
        case Relabel():
            return store.decisions.relabel(write.key, write.label)
        case Resize():
            return store.decisions.resize(write.key, write.start, write.end)
        case CreateSpan():
            return store.decisions.create_span(write.article_id, write.start, write.end, write.label)
        case DeleteSpan():
            store.decisions.delete_span(write.key)
            return None
        case Link():
            return store.decisions.link(write.key, write.entity)
        case Tag(remove=True):
            store.tags.untag(write.key, write.tag)
            return None
        case Tag():
            store.tags.tag(write.key, write.tag)
            return None
        case TagArticle(remove=True):
            store.tags.untag_article(write.article_id, write.tag)
            return None
        case TagArticle():
            store.tags.tag_article(write.article_id, write.tag)
            return None
        case AcceptAll():
            return store.decisions.accept_all(write.article_id)
        case SetArticleStatus():
            return store.decisions.set_article_status(write.article_id, write.status,
                                                      undecided=write.undecided)
        case SetLanguage():
            return store.articles.set_lang(write.article_id, write.lang)
        case Undo():
            return store.history.undo()
        case Redo():
            return store.history.redo()
        case DismissConflict():
            return store.decisions.dismiss_conflict(write.kind, write.key)
        case BulkDecide():
            what = write.what
            progress = None if report is None else (
                lambda done, total: report(f"saving {what}: {done:,} of {total:,} mention(s)…"))
            return store.bulk.decide(write.target, write.decision, progress=progress)
        case Take():
            return store.review.take(write.article_id, write.start, write.end, write.layer)
        case TakeAllAgreed():
            return store.review.take_all(write.article_id, write.ranges, write.layer, write.compared)
        case ReviewReplace():
            return store.review.replace(write.article_id, write.start, write.end, write.entities,
                                        action=write.action)
        case ReviewStep():
            return store.review.redo() if write.redo else store.review.undo()
        case SetReviewStatus():
            return store.review.set_status(write.article_id, write.status, undecided=write.undecided)
    raise TypeError(f"no Store call for {type(write).__name__}")
