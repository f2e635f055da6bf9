"""What every part of the Store may use: the one declared contract between its modules.

The Store is one class written in several modules (reads in store.py, decisions in
decisions.py, the undo log in log.py, bulk loading in loading.py, the undecided rule
in undecided.py). Each part inherits :class:`StorePart`, so a reader of one file sees
here, and only here, what it may touch of the others; :class:`annotations.store.Store`
provides all of it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ..config import Config
    from ..model import Span
    from .undecided import Suggestion


class StorePart:
    db: Database  # the connection (one per Store, owned by the thread that opened it)
    path: str  # the database file
    annotator: str  # whose decisions this Store makes and reads by default
    readonly: bool
    config: Config

    if TYPE_CHECKING:  # provided by the Store and its other parts
        def write(self, wait: float | None = None) -> AbstractContextManager[Database]:
            """One atomic write transaction (store.py)."""

        def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
            """A read, every row (store.py)."""

        def spans(self, article_id: int, annotator: str | None = None, *, include_rejected: bool = True,
                  within: tuple[int, int] | None = None) -> list[Span]:
            """What an annotator sees in an article (store.py)."""

        def undecided(self, article_id: int, annotator: str | None = None) -> list[Suggestion]:
            """The rule's undecided suggestions (undecided.py)."""

        def _check_label(self, label: str, grp: int, action: str) -> None:
            """Refuse a malformed label; add a new one as part of decision ``grp`` (decisions.py)."""

        def _restore_setwise(self, grp: int, reverse: bool) -> None:
            """Put back every span row of a big undo group in a few statements (bulk.py)."""
