"""The store facade: the one object the CLI, the NLP layer and the app talk to.

A Store opens one SQLite connection (:class:`.connection.Connection`) and hands out the parts
that use it, each a plain class in a module of its own, so that every call names its part:
``store.decisions.accept(key)``, ``store.view.spans(article_id)``, ``store.library.rows(ids)``.
What belongs to one layer (an annotator, or a reviewer's ``review:NAME``) comes from
:meth:`Store.layer`; the Store's own annotator's are at hand as ``store.decisions``,
``store.view``, ``store.tags``, ``store.bulk``, ``store.history`` and ``store.log``.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..config import Config, config_path, load_config
from .articles import Articles
from .connection import Connection
from .corpus import Corpus
from .damage import close_connection, ensure_sound, found_damaged
from .db import connect, default_db_path
from .entities import Entities
from .errors import error_for, is_damage
from .files import belongs_to
from .labels import Labels
from .layer import Layer
from .library import Library
from .loading import Loading
from .memory import Memory
from .models import Models
from .presence import Presence
from .review import Review, review_layer
from .tokens import Tokens
from .undecided import Undecided

T = TypeVar("T")


def default_annotator() -> str:
    """``PARALLAX_ANNOTATOR`` if set, else the OS user name."""
    try:
        return os.environ.get("PARALLAX_ANNOTATOR") or getpass.getuser()
    except Exception:  # no user name in some containers
        return "annotator"


class Store:
    """A Parallax database opened for one annotator.

    Each Store owns one SQLite connection, which belongs to the thread that opened it (open
    another Store in a worker thread or process; with ``check_same_thread=False`` writes from
    several threads are serialized). Every decision is committed before its method returns.
    ``timeout`` is how long a statement waits for another process's lock (default
    BUSY_TIMEOUT_S); ``lock_wait`` how long a write waits for the write lock before raising
    StoreBusy (default: ``timeout``): the app's own writes wait briefly and finish in the
    background instead of freezing the screen. Before its first write a Store makes sure the
    file is not damaged (once per process); with ``background_check`` it raises StoreBusy until
    another thread has done that, instead of reading the whole file itself.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, annotator: str | None = None,
                 readonly: bool = False, config: Config | None = None, create: bool = True,
                 check_same_thread: bool = True, timeout: float | None = None,
                 lock_wait: float | None = None, background_check: bool = False):
        self.path = str(path or default_db_path())
        self.annotator = annotator or default_annotator()
        self.readonly = readonly
        # The config first: a bad parallax.toml must not leave a new, empty database behind.
        self.config = config or load_config(config_path(self.path))
        self.db = connect(self.path, readonly=readonly, create=create,
                          check_same_thread=check_same_thread, timeout=timeout)
        cx = self.cx = Connection(self.db, self.path, readonly=readonly, lock_wait=lock_wait,
                                  background_check=background_check)
        self.labels = Labels(cx)
        self.articles = Articles(cx)
        self.undecided = Undecided(cx)
        self.corpus = Corpus(cx)
        self.tokens = Tokens(cx)
        self.loading = Loading(cx, self.annotator)
        self.presence = Presence(cx, self.annotator)
        self.entities = Entities(cx, self.annotator)
        self.memory = Memory(cx, self.annotator, shared=self.config.memory_shared)
        self.models = Models(cx, self.path)
        self._layers: dict[str, Layer] = {}
        own = self.layer(self.annotator)
        self.log, self.view, self.decisions = own.log, own.view, own.decisions
        self.tags, self.bulk, self.history = own.tags, own.bulk, own.history
        self.review = Review(cx, self.layer(review_layer(self.annotator)))
        self.library = Library(cx, self.annotator, self.review,
                               useful_first=self.config.library_order == "useful")
        try:
            if not readonly and not cx.execute("SELECT 1 FROM labels LIMIT 1").fetchone():
                cx.ensure_sound()  # a new database: nothing to read, so this is instant
                with cx.write() as conn:  # re-checked under the lock: another process may be first
                    if not conn.execute("SELECT 1 FROM labels LIMIT 1").fetchone():
                        self.labels.set(self.config.labels)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                found_damaged(self.path)
            self.close()
            raise error_for(self.path, exc) from exc
        except BaseException:
            self.close()
            raise

    def layer(self, name: str) -> Layer:
        """The parts of layer ``name`` (an annotator, or ``review:NAME``): its log, view,
        decisions, tags, bulk decisions and undo history."""
        if name not in self._layers:
            self._layers[name] = Layer(self.cx, name, self.labels, self.undecided)
        return self._layers[name]

    # -- the connection ----------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; a file this process has not found sound keeps its -wal as it is
        (:func:`~.damage.close_connection`)."""
        if self.readonly:
            self.cx.close()
        else:
            close_connection(self.cx.conn, self.path)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads that may meet a damaged page: an SQLite error becomes a StoreError naming the file
        (a StoreDamaged for damage), so a command ends with one line rather than a traceback."""
        try:
            yield
        except sqlite3.Error as exc:
            if is_damage(exc):
                found_damaged(self.path)
            raise error_for(self.path, exc) from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self, wait: float | None = None) -> Iterator[sqlite3.Connection]:
        """One atomic write transaction (see :meth:`.connection.Connection.write`)."""
        with self.cx.write(wait) as conn:
            yield conn

    def ready_to_write(self) -> None:
        """Load what the first write needs (sqlite-utils, ~20 ms to import) now, not on the first
        decision: the app calls this once its first frame is on screen."""
        if not self.readonly:
            self.db.utils  # noqa: B018  (made on first use)

    def ensure_sound(self, *, wait: bool = True) -> None:
        """Raise StoreError if the file is damaged (every page read once per process)."""
        self.cx.ensure_sound(wait=wait)

    def sound_while(self, work: Callable[[], T]) -> T:
        """``work()``'s result, given only once every page of the file has been read and found sound.

        The page check (:meth:`ensure_sound`) runs in another thread on a read-only connection of
        its own while ``work`` reads on this one, so the two take as long as the longer of them
        rather than their sum (the check reads the whole file: about as long as all of ``parallax
        stats``' numbers at 100,000 articles, BENCHMARKS.md). Nothing computed from a damaged
        file comes back: its StoreDamaged is raised instead, even when ``work`` failed on the
        damage first.
        """
        if self.path == ":memory:":
            return work()
        found: list[BaseException] = []

        def check() -> None:
            try:
                db = connect(self.path, readonly=True, create=False)
            except BaseException as exc:
                found.append(exc)
                return
            try:
                ensure_sound(db, self.path)
            except BaseException as exc:
                found.append(exc)
            finally:
                db.close()

        checker = threading.Thread(target=check, name="parallax-damage-check", daemon=True)
        checker.start()
        try:
            result = work()
        finally:
            checker.join()
            if found:
                raise found[0]
        return result

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        """Run a read query and return every row as a dict (for the store's modules and tests;
        the rest of Parallax calls named reads)."""
        return self.cx.query(sql, params)

    def owns_file(self, path: str | os.PathLike) -> bool:
        """Whether ``path`` names this database's file, -wal, -shm or -journal (by any link or
        spelling): such a path is never read as an import or replaced by an export
        (:mod:`.files` says why)."""
        return belongs_to(self.path, path)

    def check(self) -> list[str]:
        """SQLite's quick_check: [] when the file is sound, else its findings (corrupt pages).

        Damage inside a page only shows when that page is read, so opening the
        store cannot promise a sound file; this reads every page.
        """
        try:
            rows = [r[0] for r in self.cx.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows
