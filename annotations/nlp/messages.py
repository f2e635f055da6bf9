"""What the NLP child process tells the app, one JSON object a line: typed both ways.

The child writes each message with :func:`encode`; the app reads each line with :func:`decode`,
which gives one of the message types or None for a line that is not one of ours (a stray print
from a library). A job that fails says :class:`Failed` and nothing else: never "finished".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Progress:
    """How far the job is: ``done`` of ``total`` articles, and what it is doing."""

    done: int
    total: int
    detail: str = ""


@dataclass(frozen=True)
class TokensStored:
    """The token boundaries of these articles are stored."""

    article_ids: tuple[int, ...]


@dataclass(frozen=True)
class MemoryAdded:
    """Annotation memory added suggestions to these articles."""

    article_ids: tuple[int, ...]


@dataclass(frozen=True)
class TrainProgress:
    """Training moved on: ``step`` of at most ``max_steps``; ``loss`` is the recognizer's loss
    since the last evaluation (None between evaluations), ``f1`` the best dev F1 so far (None
    before the first); ``detail`` says what it is doing when it is not a step ("scoring")."""

    step: int = 0
    max_steps: int = 0
    loss: float | None = None
    f1: float | None = None
    detail: str = ""

    def line(self) -> str:
        """One line for a terminal or a status bar."""
        if self.detail:
            return self.detail
        parts = [f"step {self.step}/{self.max_steps}"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.1f}")
        if self.f1 is not None:
            parts.append(f"dev F1 {self.f1:.2f}")
        return "  ".join(parts)


@dataclass(frozen=True)
class Trained:
    """A model was trained (and, unless only measured, registered): its report, JSON-ready (what
    ``parallax train --json`` prints; :mod:`annotations.nlp.train`)."""

    report: dict


@dataclass(frozen=True)
class Resuggested:
    """The adopted model's suggestions replaced the previous model's in these articles."""

    article_ids: tuple[int, ...]


@dataclass(frozen=True)
class Warned:
    """Something the user should know that does not stop the job (a label with no example)."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The job ran to its end (or stopped when asked: ``stopped``); ``articles`` it processed."""

    articles: int
    stopped: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failed:
    """The job could not be done; ``error`` says why, in words for the status bar."""

    error: str


ChildMessage = (Progress | TokensStored | MemoryAdded | TrainProgress | Trained | Resuggested | Warned
                | Finished | Failed)
_KINDS: dict[str, type] = {
    cls.__name__: cls for cls in (Progress, TokensStored, MemoryAdded, TrainProgress, Trained, Resuggested,
                                  Warned, Finished, Failed)}


def encode(message: ChildMessage) -> str:
    """One line of JSON: ``{"kind": "Progress", "done": 3, ...}``."""
    return json.dumps({"kind": type(message).__name__, **asdict(message)}, ensure_ascii=False)


def decode(line: str) -> ChildMessage | None:
    """The message a line holds, or None when the line is not one of ours."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or (cls := _KINDS.get(str(data.get("kind")))) is None:
        return None
    values = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is f.default_factory:  # MISSING: a required field is absent
                return None
            continue
        value = data[f.name]
        values[f.name] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**values)
    except TypeError:
        return None
