"""The store's handle on one open connection: the connection and nested transactions, no sqlite-utils.

The store used sqlite-utils' ``Database`` as a wrapper of its connection (``conn``, ``atomic()``,
``close()``), and importing sqlite-utils cost every open ~20 ms: a fifth of what the app's launch
adds to a bare Textual app (issue 20). :class:`Database` is that wrapper; sqlite-utils is imported
only where the store uses more of it (:func:`sqlite_utils_database`: the migration that builds the
search index).
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# A savepoint's name only has to differ from the ones it is nested in (not ``secrets``, which
# brings hashlib: ~1.5 ms of every launch).
_savepoints = itertools.count()


class Database:
    """One open SQLite connection (``conn``) and its transactions."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction (``BEGIN`` ... ``COMMIT``); inside one, a savepoint, as sqlite-utils'
        ``Database.atomic`` does: what the block did is undone if it raises."""
        conn = self.conn
        if conn.in_transaction:
            savepoint = f"parallax_{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # An error that ended the whole transaction took the savepoint with it.
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

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
