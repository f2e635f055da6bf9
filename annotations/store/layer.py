"""A layer: one annotator's (or one reviewer's ``review:NAME``) decisions, and what acts on them.

``Store.layer(name)`` hands one out; the Store's own annotator's parts are its layer's
(``store.decisions`` is ``store.layer(store.annotator).decisions``). A reviewer decides in
their review layer through that layer's parts: nothing ever swaps whose layer a part writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bulk import Bulk
from .decisions import Decisions
from .history import History
from .labels import Labels
from .log import EventLog
from .tags import Tags
from .undecided import Undecided
from .view import View

if TYPE_CHECKING:
    from .connection import Connection


class Layer:
    """The event log, view, decisions, tags, bulk decisions and undo history of layer ``name``."""

    def __init__(self, cx: Connection, name: str, labels: Labels, undecided: Undecided) -> None:
        self.name = name
        self.log = EventLog(cx, name)
        self.view = View(cx, undecided, name)
        self.decisions = Decisions(cx, self.log, labels, self.view)
        self.tags = Tags(cx, self.log, self.decisions)
        self.bulk = Bulk(cx, self.log, labels)
        self.history = History(cx, self.log, self.view)
