"""Opening a Parallax database: pragmas, migrations and clear errors.

Every connection gets WAL mode, foreign keys, a busy timeout and
``synchronous=FULL`` (a decision acknowledged to the annotator survives a
crash or a power cut). One write is :func:`store.transaction.write_transaction`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from .damage import close_connection, ensure_sound, found_damaged
from .database import Database
from .errors import (
    BUSY_TIMEOUT_S,
    StoreDamaged,
    StoreError,
    error_for,
    file_size,
    is_damage,
)
from .schema import APPLICATION_ID, CURRENT, MIGRATIONS, SCHEMA_VERSION
from .sqlite_connection import ParallaxConnection, check_header_length
from .transaction import db_filename, write_transaction

log = logging.getLogger("parallax")
# An upgrade of a database this big is announced (on stderr when logging is not configured),
# so a user opening a large corpus after an upgrade knows why it waits.
_ANNOUNCE_MIGRATION_FROM = 5_000

def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def default_db_path() -> str:
    """``PARALLAX_DB`` if set, else ``./parallax.db``."""
    return os.environ.get("PARALLAX_DB") or "parallax.db"


def _precheck(path: str, *, readonly: bool, create: bool) -> None:
    """Problems seen from the file's metadata, before SQLite touches it.

    The file itself is opened here only while this process has no SQLite connection
    to it (:func:`~.sqlite_connection.check_header_length`): on POSIX, closing any descriptor of the
    database file drops every SQLite lock this process holds on it, and a worker
    opening its own Store while the app's connection is open would let another
    process delete the -wal the app is committing into (FACTS.md). What the file
    holds is otherwise checked through SQLite, in :func:`_check`.
    """
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
    if not file.is_file():
        raise StoreError(f"{path}: not a regular file (a device, FIFO or socket); choose another --db")
    if not os.access(file, os.R_OK):
        raise StoreError(f"{path}: cannot read the file (permission denied); check its permissions")
    if not readonly and not os.access(file, os.W_OK):
        raise StoreError(f"{path}: the file is read-only (its permissions); make it writable "
                         f"(chmod u+w {path}) to annotate, or open it read-only to look at it")
    check_header_length(path)


def connect(path: str | os.PathLike, *, readonly: bool = False, create: bool = True,
            check_same_thread: bool = True, timeout: float | None = None) -> Database:
    """Open (and if needed create or migrate) a database; raise StoreError on any problem.

    Nothing is written to a file that is refused (another app's SQLite file, a
    newer Parallax's database, a corrupt file): it is checked, every page of it
    when it is not in WAL mode yet, before WAL mode is switched on, and its -wal
    is not copied into it when the refused connection closes (a damaged file
    raises StoreDamaged). A read-only open of a file in a folder we cannot write to
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
        raise error_for(path, exc, timeout) from exc


def _open(path: str, *, readonly: bool, immutable: bool, timeout: float,
          check_same_thread: bool) -> Database:
    if readonly:
        uri = Path(path).resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=check_same_thread, factory=ParallaxConnection)
    else:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                               check_same_thread=check_same_thread, factory=ParallaxConnection)
    conn.track(path)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        version = _check(db, path, readonly)
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                # Switching writes the header: read every page first. Once per file (it stays in
                # WAL), so the full check's cost (1.0-1.4 s at 100,000 articles here) is paid once.
                ensure_sound(db, path)
                _switch_to_wal(conn, timeout)
            conn.execute("PRAGMA synchronous = FULL")
            if version < SCHEMA_VERSION:
                if version:
                    ensure_sound(db, path)  # a migration rewrites tables: never into a damaged file
                _migrate(db)
        return db
    except BaseException as exc:
        if isinstance(exc, StoreDamaged) or is_damage(exc):
            found_damaged(path)
        if readonly:
            conn.close()
        else:  # a refused file's -wal is not copied into it on the way out
            close_connection(conn, path)
        raise


def _switch_to_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the file in WAL mode, waiting up to ``timeout`` for other processes to let it.

    The switch needs an exclusive lock. When several processes open a new file at
    once, each holding a shared lock from its first reads, SQLite answers the ones
    that would deadlock with "database is locked" at once, without calling the busy
    handler (2 of 25 runs of four processes here); so the wait is done here, with the
    same deadline the busy timeout gives every other statement.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


_IDENTITY_SQL = ("SELECT (SELECT user_version FROM pragma_user_version), "
                 "(SELECT application_id FROM pragma_application_id), "
                 "(SELECT count(*) FROM sqlite_master WHERE type = 'table')")


def _check(db: Database, path: str, readonly: bool) -> int:
    """The file's schema version, after refusing files that are not ours or too new."""
    conn = db.conn
    # One statement, so one snapshot: read apart, another process creating the file could commit
    # its tables between the version (0) and the tables (some), and a new file looked foreign.
    version, app_id, has_tables = conn.execute(_IDENTITY_SQL).fetchone()
    if version:  # a file cut short is named as such, before a read of a missing page says "damaged"
        _check_length(conn, path)
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
    if not version:
        _check_length(conn, path)
    if version < SCHEMA_VERSION and readonly:
        raise StoreError(f"{path}: made by an older Parallax (schema {version}; this one needs "
                         f"{SCHEMA_VERSION}); opened read-only, so it was not upgraded. Open it once with "
                         f"the app (parallax --db {path}) to upgrade it, then try again")
    return version


def _check_length(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a file cut short: the header counts more pages than the file holds.

    With a non-empty -wal the missing pages may legitimately be there (a live
    writer's new pages, or a checkpoint cut short), so only a full read can tell:
    that is :func:`verify`, which every writer runs before its first write.
    """
    if path == ":memory:":
        return
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    size = file_size(path) or 0
    need = pages * conn.execute("PRAGMA page_size").fetchone()[0]
    if need > size and not (file_size(path + "-wal") or 0):
        raise StoreError(f"{path}: truncated database (the header says {need} bytes, the file has "
                         f"{size}); it was cut short while copying? Restore it from a backup.")


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
            if version == 0:  # a new database: the current schema in one step
                for statement in _split_sql(CURRENT):
                    conn.execute(statement)
                version = SCHEMA_VERSION
                conn.execute(f"PRAGMA user_version = {version}")
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
