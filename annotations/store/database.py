"""The store's handle on one open connection: reads on sqlite3 alone, writes through sqlite-utils.

Importing sqlite-utils costs ~20 ms, a fifth of what the app's launch added to a bare Textual app
(issue 20), and a launch only reads. So :class:`Database` holds the connection, and sqlite-utils'
``Database`` on it is made when the store first writes (``atomic()``, nested as savepoints, as
sqlite-utils does it) or a migration needs it (the search index): the app's first write is the
session it saves once its first frame is on screen.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


class Database:
    """One open SQLite connection (``conn``) and its transactions."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._utils: sqlite_utils.Database | None = None

    @property
    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils' ``Database`` on this connection, made on first use."""
        if self._utils is None:
            self._utils = sqlite_utils_database(self.conn)
        return self._utils

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """sqlite-utils' ``atomic()``: a transaction (``BEGIN`` ... ``COMMIT``, rolled back if the
        block raises or the commit fails); inside one, a savepoint, undone alone if the block raises."""
        with self.utils.atomic():
            yield self

    def close(self) -> None:
        self.conn.close()


def sqlite_utils_database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils' ``Database`` on ``conn`` (no plugins: none should run on a Parallax
    connection, and scanning for them costs ~10 ms)."""
    return _sqlite_utils().Database(conn, execute_plugins=False)


def _sqlite_utils():
    """sqlite-utils, imported without numpy and pandas.

    sqlite-utils imports numpy and pandas (when installed; spaCy brings numpy) only to map
    their value types in ``table.insert``; Parallax never passes such values. Measured here,
    numpy was 12 MB of the app's 66 MB peak and ~0.1 s of its start. A process that has
    numpy already (spaCy's) keeps it; one that imports it later gets it as usual.
    """
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    blocked = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import numpy" fails with ImportError
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils
