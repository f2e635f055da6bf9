"""Every error Parallax raises for a user to act on, under one root: :class:`ParallaxError`.

The front end and the commands catch ``ParallaxError`` (or one of these) and show its message,
which names the file (and line) where there is one, the problem, and what to do. No SQLite error
type leaves the store: a damaged page met while reading is :class:`StoreDamaged`. The errors of
one part live with it and derive from the root (``ExportError``, ``AgreementError``,
``PipelineError``, ``PatternError``).
"""

from __future__ import annotations

import sqlite3


class ParallaxError(Exception):
    """A problem a user can act on; the message says what and where."""


class ConfigError(ParallaxError, ValueError):
    """A configuration file that cannot be used; the message names the file and line."""


class StoreError(ParallaxError):
    """A database problem the user can act on; the message names the file."""


class StoreBusy(StoreError):
    """Another connection held the write lock for longer than this write would wait.

    Nothing of the write was done; trying again later (or on a connection that waits
    longer) is safe.
    """

    def __init__(self, message: str, waited: float, who: str | None = None) -> None:
        super().__init__(message)
        self.waited = waited
        self.who = who  # what holds the database up, where known ("the damage check")


class StoreDamaged(StoreError, sqlite3.DatabaseError):
    """A damaged page of the database, met while reading it: nothing more can be trusted.

    Also an ``sqlite3.DatabaseError``, so the store's own handling of SQLite errors still
    sees it; everything outside the store catches it as a :class:`StoreError`.
    """


class DecisionError(ParallaxError, ValueError):
    """A decision that cannot be made (bad offsets, unknown span, bad label)."""
