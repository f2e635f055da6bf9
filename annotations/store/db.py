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
import sys
import threading
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

LOCK_POLL_S = 0.002  # how often a waiting write tries for the lock again
BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up (Store(timeout=))."""

_MIN_DB_BYTES = 512  # SQLite's smallest page: a non-empty file shorter than this is cut short


class StoreError(Exception):
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


def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def default_db_path() -> str:
    """``PARALLAX_DB`` if set, else ``./parallax.db``."""
    return os.environ.get("PARALLAX_DB") or "parallax.db"


def describe_error(path: str, exc: sqlite3.Error, timeout: float | None = None) -> str:
    """A one-line message for an SQLite error on ``path``: the file, the problem, what to do."""
    msg = str(exc)
    if "file is not a database" in msg and path != ":memory:":
        size = _size(path)
        if size is not None and size < _MIN_DB_BYTES:
            return (f"{path}: not an SQLite database, or a truncated one ({size} bytes, less than "
                    "one page); restore it from a backup or choose another --db")
        return (f"{path}: not an SQLite database ({msg}: the file does not start with the SQLite "
                "header); it may be corrupt or another kind of file. Choose another --db.")
    if "malformed" in msg:
        return (f"{path}: the database is damaged ({msg}); restore it from a backup "
                "(or try: sqlite3 FILE .recover).")
    if "not a database" in msg or "file is encrypted" in msg:
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


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error says the file is damaged (as opposed to busy, read-only, full)."""
    msg = str(exc)
    return "malformed" in msg or "file is not a database" in msg


def _size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _precheck(path: str, *, readonly: bool, create: bool) -> None:
    """Problems seen from the file's metadata, before SQLite touches it.

    The file itself is never opened here: on POSIX, closing any descriptor of
    the database file drops every SQLite lock this process holds on it, and a
    worker opening its own Store while the app's connection is open would let
    another process delete the -wal the app is committing into (FACTS.md).
    What the file holds is checked through SQLite, in :func:`_check`.
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
        sys.modules[name] = None  # makes "import numpy" fail with ImportError, which it expects
    try:
        import sqlite_utils
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


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
    Database = _sqlite_utils().Database  # imported when a database opens, not at import time

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
                if version:
                    ensure_sound(db, path)  # a migration rewrites tables: never into a damaged file
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
    size = _size(path) or 0
    need = pages * conn.execute("PRAGMA page_size").fetchone()[0]
    if need > size and not (_size(path + "-wal") or 0):
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
def write_transaction(db: Database, wait: float | None = None) -> Iterator[Database]:
    """One atomic write: ``BEGIN IMMEDIATE`` ... ``COMMIT``; nested calls become savepoints.

    The write waits up to ``wait`` seconds (default: the connection's busy timeout) for
    another process's write lock, then raises StoreBusy with nothing done. A read-only or
    full disk, or a corrupt file, surfaces as StoreError naming the file. Nothing of the
    write is kept then.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    waited = timeout if wait is None else wait
    _begin_immediate(db, waited, timeout)
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


def _begin_immediate(db: Database, wait: float, timeout: float) -> None:
    """Take the write lock, trying every LOCK_POLL_S for up to ``wait`` seconds.

    Not SQLite's busy handler: it sleeps up to 100 ms between tries, so a waiting
    decision missed the short gaps an import leaves between its batches and waited for
    several of them (241 ms measured, against 100 ms batches). Polling finds the gap.
    """
    conn = db.conn
    deadline = time.monotonic() + wait
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(describe_error(db_filename(db), exc, timeout)) from exc
                if time.monotonic() >= deadline:
                    raise StoreBusy(describe_error(db_filename(db), exc, wait), wait) from exc
                time.sleep(LOCK_POLL_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


# -- damage ------------------------------------------------------------------------

_checked: set[tuple[str, int, int]] = set()  # (path, device, inode) of files found sound
_checking = threading.Lock()
DAMAGE_CHECK = "the damage check"


def ensure_sound(db: Database, path: str, *, wait: bool = True) -> None:
    """Refuse to go on with a damaged file: read every page once per process (quick_check).

    Damage inside a page (a bad disk, a copy cut short while its -wal lived on) only shows
    when that page is read, so the cheap checks at open cannot see it. Writers call this
    before their first write, so that nothing is written into a damaged file; it costs
    about 1.5 s at 100,000 articles (BENCHMARKS.md), once per process and file. With
    ``wait`` False (the app's main thread) an unfinished check raises StoreBusy instead of
    blocking: the app runs the check in a worker.
    """
    if path == ":memory:":
        return
    key = _file_key(path)
    if key in _checked:
        return
    if not wait:
        raise StoreBusy(f"{path}: checking the database for damage before its first write", 0,
                        DAMAGE_CHECK)
    with _checking:
        if key in _checked:
            return
        found = _quick_check(db)
        if not found:
            _checked.add(key)  # only a sound result is kept: a damaged file is checked again
    if found:
        more = f"; {len(found) - 1} more problem(s)" if len(found) > 1 else ""
        raise StoreError(f"{path}: the database is damaged ({found[0]}{more}); nothing was written "
                         "to it. Restore it from a backup (or try: sqlite3 FILE .recover).")


def _file_key(path: str) -> tuple[str, int, int]:
    st = os.stat(path)
    return os.path.abspath(path), st.st_dev, st.st_ino


def _quick_check(db: Database) -> list[str]:
    """SQLite's findings, one line each ([] when the file is sound)."""
    try:
        rows = [r[0] for r in db.conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    if rows == ["ok"]:
        return []
    lines = [" ".join(line.split()) for row in rows for line in str(row).splitlines()]
    return [line for line in lines if line and not line.startswith("***")]


def db_filename(db: Database) -> str:
    """The file a connection is open on (":memory:" for an in-memory database)."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return (row[2] if row else "") or ":memory:"
