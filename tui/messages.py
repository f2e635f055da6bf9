"""Messages the app's workers post from their threads (the only way they talk to the UI)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from textual.message import Message

from annotations.store import LibraryFilter


@dataclass
class PreannotateProgress(Message):
    """Pre-annotation moved on; only the latest one matters, so queued ones merge."""

    done: int
    total: int
    detail: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PreannotateProgress)


@dataclass
class PreannotateFinished(Message):
    """Pre-annotation stopped: ``articles`` were annotated; ``note`` says why if it did not run."""

    articles: int
    note: str = ""


@dataclass
class NlpJobFailed(Message):
    """An NLP job (pre-annotation, or tokens and memory for opened articles) could not be done."""

    job: str
    error: str


@dataclass
class ImportProgress(Message):
    detail: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ImportProgress)


@dataclass
class ImportFinished(Message):
    """An import (seeds or PATHS) is committed; ``problems`` are lines to show the user."""

    added: int
    skipped: int
    problems: list[str] = field(default_factory=list)


@dataclass
class LibraryLoaded(Message):
    """The ids matching a library query, in library order (``token`` drops stale answers).

    A big result comes twice: first its first page (``complete`` False), then every id.
    """

    token: int
    flt: LibraryFilter
    ids: array
    complete: bool = True


@dataclass
class MemorySuggested(Message):
    """The annotation memory added suggestions to these articles (just opened in the reader)."""

    article_ids: tuple[int, ...]


@dataclass
class ArticlesChanged(Message):
    """Spans of these articles changed outside the reader (pre-annotation, memory); None = all."""

    article_ids: tuple[int, ...] | None = None


@dataclass
class TokensReady(Message, bubble=False):
    """The token boundaries of these articles are stored (the NLP process computed them).

    Posted to the app, which hands a copy to each screen; it does not bubble back up.
    """

    article_ids: tuple[int, ...]


@dataclass
class TrainingProgress(Message):
    """A background training moved on (one line for the status bar); only the latest matters."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


@dataclass
class TrainingFinished(Message):
    """A background training ended: ``report`` is the model's (None when it failed or stopped;
    ``error`` says why), ``resuggested`` the articles its suggestions now come from."""

    lang: str
    report: dict | None = None
    error: str = ""
    resuggested: tuple[int, ...] = ()
