"""Opening a Parallax database: pragmas, migrations and clear errors.

Every connection gets WAL mode, foreign keys, a busy timeout and
``synchronous=FULL`` (a decision acknowledged to the annotator survives a
crash or a power cut). Writes take the lock up front with ``BEGIN IMMEDIATE``
so that two processes never fail half-way through a transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger("parallax")
# An upgrade of a database this big is announced (on stderr when logging is not configured),
# so a user opening a large corpus after an upgrade knows why it waits.
_ANNOUNCE_MIGRATION_FROM = 5_000

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up (Store(timeout=))."""

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(Exception):
    """A database problem the user can act on; the message names the file."""


def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def default_db_path() -> str:
    """``PARALLAX_DB`` if set, else ``./parallax.db``."""
    return os.environ.get("PARALLAX_DB") or "parallax.db"


def describe_error(path: str, exc: sqlite3.Error, timeout: float | None = None) -> str:
    """A one-line message for an SQLite error on ``path``: the file, the problem, what to do."""
    msg = str(exc)
    if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
        return (f"{path}: not a usable database ({msg}); it may be corrupt or not a "
                "Parallax file. Restore it from a backup or choose another --db.")
    if "locked" in msg or "busy" in msg:
        waited = BUSY_TIMEOUT_S if timeout is None else timeout
        return (f"{path}: the database stayed locked by another process for "
                f"{waited:g} s ({msg}). Try again when the other writer finishes.")
    if "readonly" in msg or "read-only" in msg:
        return (f"{path}: the database cannot be written ({msg}); check the permissions of the "
                "file and of its folder (SQLite writes -wal and -shm files next to it).")
    if "unable to open" in msg:
        return f"{path}: cannot open the database ({msg}); check that the folder exists and is writable."
    if "disk is full" in msg or "disk I/O" in msg:
        return f"{path}: the disk failed or is full ({msg}); free some space and try again."
    return f"{path}: database error: {msg}"


_describe = describe_error  # the name the importer uses


def _precheck(path: str, *, readonly: bool, create: bool) -> None:
    """Problems seen before SQLite touches the file, so none of them can change it."""
    file = Path(path)
    if file.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file; give a file name with --db")
    if not file.exists():
        if not file.parent.is_dir():
            raise StoreError(f"{path}: the folder {str(file.parent)!r} does not exist; "
                             "create it first or choose another --db")
        if readonly:
            raise StoreError(f"{path}: no such database (opened read-only, so it was not created)")
        if not create:
            raise StoreError(f"{path}: no such database. Import articles first: "
                             f"parallax import FILE --db {path}")
        return
    try:
        size = file.stat().st_size
        with file.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the file ({exc.strerror}); check its permissions") from exc
    if not readonly and not os.access(file, os.W_OK):
        raise StoreError(f"{path}: the file is read-only (its permissions); make it writable "
                         f"(chmod u+w {path}) to annotate, or open it read-only to look at it")
    if size == 0:
        return  # an empty file is a new database
    if not header.startswith(_SQLITE_MAGIC):
        raise StoreError(f"{path}: not an SQLite database (the file does not start with the SQLite "
                         "header); it may be corrupt or another kind of file. Choose another --db.")
    if len(header) < 100:
        raise StoreError(f"{path}: truncated database ({size} bytes); restore it from a backup")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The header's page count is valid when the change counter matches "version valid for".
    # A non-empty -wal may hold the missing pages (a checkpoint cut short): SQLite recovers it.
    wal = Path(path + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    if header[24:28] == header[92:96] and pages and pages * page_size > size and not pending:
        raise StoreError(f"{path}: truncated database (the header says {pages * page_size} bytes, the "
                         f"file has {size}); it was cut short while copying? Restore it from a backup.")


def connect(path: str | os.PathLike, *, readonly: bool = False, create: bool = True,
            check_same_thread: bool = True, timeout: float | None = None) -> Database:
    """Open (and if needed create or migrate) a database; raise StoreError on any problem.

    Nothing is written to a file that is refused (another app's SQLite file, a
    newer Parallax's database, a corrupt file): it is checked before WAL mode
    is switched on. A read-only open of a file in a folder we cannot write to
    (so SQLite cannot make its -shm file) reads it as immutable when no -wal
    file holds newer changes.
    """
    path = str(path)
    timeout = BUSY_TIMEOUT_S if timeout is None else float(timeout)
    if path != ":memory:":
        _precheck(path, readonly=readonly, create=create)
    try:
        return _open(path, readonly=readonly, immutable=False, timeout=timeout,
                     check_same_thread=check_same_thread)
    except sqlite3.Error as exc:
        msg = str(exc)
        if (readonly and ("readonly" in msg or "unable to open" in msg)
                and not os.access(Path(path).parent, os.W_OK) and not Path(path + "-wal").exists()):
            try:
                return _open(path, readonly=True, immutable=True, timeout=timeout,
                             check_same_thread=check_same_thread)
            except sqlite3.Error as again:
                exc = again
        raise StoreError(describe_error(path, exc, timeout)) from exc


def _open(path: str, *, readonly: bool, immutable: bool, timeout: float,
          check_same_thread: bool) -> Database:
    from sqlite_utils import Database  # slow import (numpy, click): only when a database opens

    if readonly:
        uri = Path(path).resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=check_same_thread)
    else:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                               check_same_thread=check_same_thread)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        version = _check(db, path, readonly)
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            if version < SCHEMA_VERSION:
                _migrate(db)
        return db
    except BaseException:
        conn.close()
        raise


def _check(db: Database, path: str, readonly: bool) -> int:
    """The file's schema version, after refusing files that are not ours or too new."""
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or (version == 0 and has_tables):
        raise StoreError(f"{path}: this SQLite file is not a Parallax database (it belongs to another "
                         "program); it was not changed. Choose another --db.")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: made by a newer Parallax (schema {version}; this version knows up to "
            f"{SCHEMA_VERSION}). Upgrade Parallax to open it; the file was not changed.")
    if version == 0 and not has_tables and readonly:
        raise StoreError(f"{path}: an empty file, not a Parallax database yet (opened read-only, so "
                         f"nothing was created); import articles first: parallax import FILE --db {path}")
    if version < SCHEMA_VERSION and readonly:
        raise StoreError(f"{path}: made by an older Parallax (schema {version}; this one needs "
                         f"{SCHEMA_VERSION}); opened read-only, so it was not upgraded. Open it once with "
                         f"the app (parallax --db {path}) to upgrade it, then try again")
    return version


def _migrate(db: Database) -> None:
    """Apply the missing migrations in one transaction (foreign keys off, checked at the end)."""
    conn = db.conn
    # Table rebuilds (migration 3) need foreign keys off; the pragma is a no-op inside a transaction.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with write_transaction(db):
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version and version < SCHEMA_VERSION:
                articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
                if articles >= _ANNOUNCE_MIGRATION_FROM:  # rebuilding indexes takes a while
                    log.warning("%s: upgrading the database from schema %d to %d (%s articles; once, "
                                "this can take a minute)…", db_filename(db), version, SCHEMA_VERSION,
                                f"{articles:,}")
            for number in range(version + 1, SCHEMA_VERSION + 1):
                step = MIGRATIONS[number - 1]
                if callable(step):
                    step(db)
                else:
                    for statement in _split_sql(step):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(f"{db_filename(db)}: migration left {len(broken)} broken references "
                                 f"(first: {broken[0]}); the file was not changed. Please report this.")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would COMMIT our transaction)."""
    statements, current = [], []
    for line in script.splitlines():
        current.append(line)
        candidate = "\n".join(current).strip()
        if candidate.endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return statements


_STORE_FAILURES = ("locked", "busy", "readonly", "read-only", "disk is full", "disk I/O",
                   "not a database", "malformed")


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One atomic write: ``BEGIN IMMEDIATE`` ... ``COMMIT``; nested calls become savepoints.

    The busy timeout makes other writers wait for the lock instead of failing;
    a lock held longer than that, a read-only or full disk, or a corrupt file
    surfaces as StoreError naming the file. Nothing of the write is kept then.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise StoreError(describe_error(db_filename(db), exc, timeout)) from exc
            if time.monotonic() >= deadline:
                raise StoreError(describe_error(db_filename(db), exc, timeout)) from exc
            time.sleep(0.05)
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if (isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError)
                and any(s in str(exc) for s in _STORE_FAILURES)):
            raise StoreError(describe_error(db_filename(db), exc, timeout)) from exc
        raise


def db_filename(db: Database) -> str:
    """The file a connection is open on (":memory:" for an in-memory database)."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return (row[2] if row else "") or ":memory:"
