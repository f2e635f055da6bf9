"""Writing the annotator's decisions without ever freezing the screen.

A decision is written at once on the app's own Store, which waits at most
LOCK_WAIT_S for the write lock. When another process holds it longer (an
import, pre-annotation, a merge), the status bar says so straight away, and the
same write is retried in a thread on a Store of its own that waits up to
LATE_WAIT_S. It then either commits (the status says "saved") or is refused
("not saved", reason first). Until it is settled, further decisions are refused
with a message, never queued behind it and never dropped in silence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from annotations.store import DecisionError, Store, StoreBusy, StoreError

LOCK_WAIT_S = 0.05  # the app's own writes: the status bar must speak within 100 ms of a key
LATE_WAIT_S = 30.0  # a decision the database kept waiting is refused after this
PROGRESS_EVERY_S = 0.1  # a background decision's progress is shown this often at most
FAILURES = (DecisionError, StoreError, KeyError, ValueError)

Write = Callable[[Store], Any]
Saved = Callable[[Any, bool], None]  # (what the store returned, late: True when written in the background)


class Host(Protocol):
    """What the runner needs from the app: the status line, a thread, and the main thread."""

    def set_status(self, message: str) -> None: ...
    def run_in_thread(self, work: Callable[[], None]) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


@dataclass
class Pending:
    """A decision waiting for another process to let go of the database."""

    what: str
    since: float


def reason(exc: BaseException, path: str) -> str:
    """A store error for the status bar: the database's path (known to the user) left out."""
    text = " ".join(str(exc).split())
    return text[len(path) + 2:] if text.startswith(f"{path}: ") else text


class DecisionRunner:
    """Runs each decision's write and reports it: "saved: ..." only after it committed."""

    def __init__(self, store: Store, host: Host, *, late_wait: float = LATE_WAIT_S) -> None:
        self.store = store
        self.host = host
        self.late_wait = late_wait
        self.pending: Pending | None = None

    def run(self, what: str, write: Write, saved: Saved, *, background: bool = False) -> bool:
        """Write now, or in the background if the database is busy; False if refused at once.

        ``write`` gets a Store (the app's, or a background one: it must use that Store
        only); ``saved`` runs on the main thread once the write committed. A ``background``
        write (thousands of rows: accept all on a long article) goes to the thread at once,
        so the screen stays responsive while it works; the status bar says it is working.
        """
        if self.store.readonly:
            self.host.set_status(f"read-only: {what} was not saved (the database is open for looking only)")
            return False
        if self.pending is not None:
            self.host.set_status(f"not saved, still waiting for the database to save "
                                 f"{self.pending.what}: {what}")
            return False
        if background:
            self.pending = Pending(what, time.monotonic())
            self.host.set_status(f"saving: {what}…")
            self.host.run_in_thread(lambda: self._write_late(what, write, saved))
            return True
        try:
            result = write(self.store)
        except StoreBusy as exc:
            self.pending = Pending(what, time.monotonic())
            self.host.set_status(f"busy: {exc.who or self.holder()} holds the database; "
                                 f"{what} will be saved after it")
            self.host.run_in_thread(lambda: self._write_late(what, write, saved))
            return True
        except FAILURES as exc:
            self.host.set_status(f"not saved: {reason(exc, self.store.path)}: {what}")
            return False
        saved(result, False)
        return True

    def run_background(self, what: str, write: Callable[[Store, Callable[[str], None]], Any],
                       saved: Saved) -> bool:
        """A long decision (every identical mention at once): ``run(..., background=True)``, with
        ``write(store, report)`` saying how far it is with ``report(text)``, shown in the status
        bar (at most every PROGRESS_EVERY_S). False if refused at once."""
        shown = [0.0]

        def report(text: str) -> None:
            if time.monotonic() - shown[0] >= PROGRESS_EVERY_S:
                shown[0] = time.monotonic()
                self.host.call_from_thread(self.host.set_status, text)

        return self.run(what, lambda store: write(store, report), saved, background=True)

    def holder(self, store: Store | None = None) -> str:
        """Who holds the write lock, where a long writer said so (``store``: one of this thread's)."""
        try:
            writers = (store or self.store).presence.long_writers()
        except StoreError:
            writers = []
        return ", ".join(writers) if writers else "another process"

    def _write_late(self, what: str, write: Write, saved: Saved) -> None:
        """In a thread: the same write on a Store that waits; the outcome goes back to the main thread."""
        store = self.store
        try:
            with Store(store.path, annotator=store.annotator, config=store.config,
                       lock_wait=self.late_wait) as late:
                try:
                    result = write(late)
                except StoreBusy as exc:
                    why = f"database busy for {exc.waited:g} s ({self.holder(late)})"
                    self.host.call_from_thread(self._refused, what, why)
                    return
        except FAILURES as exc:
            self.host.call_from_thread(self._refused, what, reason(exc, store.path))
        except Exception as exc:  # never leave the runner waiting for an answer that cannot come
            self.host.call_from_thread(self._refused, what, f"unexpected error: {exc}")
            raise
        else:
            self.host.call_from_thread(self._saved_late, result, saved)

    def _refused(self, what: str, why: str) -> None:
        self.pending = None
        self.host.set_status(f"not saved, {why}: {what}")

    def _saved_late(self, result: Any, saved: Saved) -> None:
        self.pending = None
        saved(result, True)
