"""Writing the annotator's decisions without ever freezing the screen or losing a key.

A decision is written at once on the app's own Store, which waits at most
LOCK_WAIT_S for the write lock. When another process holds it longer (an
import, pre-annotation, a merge), the status bar says so straight away and the
decision waits in a queue: one thread writes the queue in the order the keys
were typed, on a Store of its own that waits up to LATE_WAIT_S for each. Every
decision typed while one waits joins the queue (the screen shows how many
wait, and which spans), and each says "saved" only once committed. When a write
fails (the database stayed busy, or the store refused it), that decision and
every one typed after it are dropped together, and the status says how many and
why: a later decision may rest on an earlier one, so none is written after one
that was not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from annotations.store import DecisionError, Store, StoreBusy, StoreError

from .writes import Report, Write, apply_write

LOCK_WAIT_S = 0.05  # the app's own writes: the status bar must speak within 100 ms of a key
LATE_WAIT_S = 30.0  # a decision the database kept waiting is refused after this
WAIT_SLICE_S = 0.1  # the queue waits for the database this long at a time (quitting waits no longer)
STOP_WAIT_S = 1.0  # quitting waits at most this long for a write under way
PROGRESS_EVERY_S = 0.1  # a background decision's progress is shown this often at most
FAILURES = (DecisionError, StoreError, KeyError, ValueError)

T = TypeVar("T")
Saved = Callable[[T, bool], None]  # (what the store returned, late: True when written in the background)
Outcome = Literal["saved", "waiting", "refused"]


@dataclass(frozen=True)
class Mark:
    """A place a waiting decision is about, shown as waiting: ``ident`` is the span's
    :func:`span_ident` (None for a span still to be made)."""

    article_id: int
    start: int
    end: int
    ident: tuple[str, int] | None = None


def span_ident(span) -> tuple[str, int]:
    """What stays the same for a span across decisions: its suggestion, else its own row
    (deciding a suggestion gives it a row, and so a new key)."""
    return ("suggestion", span.suggestion_id) if span.suggestion_id is not None else span.key


@dataclass(eq=False)  # each one is itself: compared by identity
class Decision:
    """A decision typed by the annotator, with what the screen shows while it waits."""

    what: str
    write: Write[Any]
    saved: Saved[Any]
    marks: tuple[Mark, ...] = ()
    article_status: tuple[int, str] | None = None  # (article, status) it gives, for d typed after it
    dropped: Callable[[], None] | None = None  # run if it is the first of those dropped (cursor back)
    step: str | None = None  # "undo" or "redo": it takes back (or brings back) the decision before it
    committed: bool = False  # set by the writing thread the moment its write has committed
    report: Report | None = None  # a background write's way to say how far it is


class Host(Protocol):
    """What the runner needs from the app: the status line, a thread, the main thread, and a
    way to show the waiting decisions (called each time they change)."""

    def set_status(self, message: str) -> None: ...
    def run_in_thread(self, work: Callable[[], None]) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...
    def decisions_waiting(self) -> None: ...


def reason(exc: BaseException, path: str) -> str:
    """A store error for the status bar: the database's path (known to the user) left out."""
    text = " ".join(str(exc).split())
    return text[len(path) + 2:] if text.startswith(f"{path}: ") else text


def count(n: int, what: str = "decision") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


class DecisionRunner:
    """Runs each decision's write and reports it: "saved: ..." only after it committed.

    ``waiting`` (read and changed on the main thread only) holds the decisions not yet
    reported saved, in the order typed; the first is the one being written.
    """

    def __init__(self, store: Store, host: Host, *, late_wait: float = LATE_WAIT_S) -> None:
        self.store = store
        self.host = host
        self.late_wait = late_wait
        self.waiting: list[Decision] = []
        self._writing = False  # a thread is working through ``waiting``
        self._attempt = threading.Lock()  # held by the thread while it tries a write
        self._stopped = False  # the app is quitting: nothing more is written

    def submit(self, what: str, write: Write[T], saved: Saved[T], *, background: bool = False,
               marks: Iterable[Mark] = (), article_status: tuple[int, str] | None = None,
               dropped: Callable[[], None] | None = None, step: str | None = None) -> Outcome:
        """Write now, or queue it if the database is busy or decisions already wait.

        ``write`` is made with :func:`tui.writes.apply_write` on a Store (the app's, or the
        queue's); ``saved`` runs on the main thread once the write committed. A ``background``
        write (thousands of rows: accept all on a long article, ``*``) goes to the queue at once,
        so the screen stays responsive while it works, and says how far it is in the status bar
        (at most every PROGRESS_EVERY_S); it waits its turn behind decisions typed before it.
        ``marks`` are the places shown as waiting meanwhile; ``dropped`` runs if it waited and was
        the first not saved; ``step`` says it is an undo or a redo. Returns what became of it:
        "saved", "waiting" or "refused".
        """
        if self.store.readonly:
            self.host.set_status(f"read-only: {what} was not saved (the database is open for looking only)")
            return "refused"
        decision = Decision(what, write, saved, tuple(marks), article_status, dropped, step,
                            report=self._reporter() if background else None)
        if self.waiting:
            ahead = len(self.waiting)
            self._queue(decision)
            self.host.set_status(f"{what} will be saved after the {count(ahead)} typed before it")
            return "waiting"
        if background:
            self._queue(decision)
            self.host.set_status(f"saving: {what}…")
            return "waiting"
        try:
            result = apply_write(write, self.store)
        except StoreBusy as exc:
            self._queue(decision)
            self.host.set_status(f"busy: {exc.who or self.holder()} holds the database; "
                                 f"{what} will be saved after it")
            return "waiting"
        except FAILURES as exc:
            self.host.set_status(f"not saved: {reason(exc, self.store.path)}: {what}")
            return "refused"
        saved(result, False)
        return "saved"

    def _reporter(self) -> Report:
        """How a background write says how far it is: from the queue's thread to the status
        bar, at most every PROGRESS_EVERY_S."""
        shown = [0.0]

        def report(text: str) -> None:
            if time.monotonic() - shown[0] >= PROGRESS_EVERY_S:
                shown[0] = time.monotonic()
                self.host.call_from_thread(self.host.set_status, text)

        return report

    # -- what the screen shows while decisions wait ------------------------------------------

    def standing(self) -> list[Decision]:
        """The waiting decisions that will stand once all are saved, in the order typed: one that
        an undo typed after it takes back is left out (and a redo puts it back), as the undo log
        will have it. An undo with no waiting decision before it takes back a saved one."""
        kept: list[Decision] = []
        undone: list[Decision] = []
        for decision in self.waiting:
            if decision.step == "undo":
                if kept:
                    undone.append(kept.pop())
            elif decision.step == "redo":
                if undone:
                    kept.append(undone.pop())
            else:
                kept.append(decision)
                undone.clear()  # a new decision empties the redo stack
        return kept

    def marks(self, article_id: int | None = None) -> list[Mark]:
        """The places the standing waiting decisions are about (of one article, or all), in order."""
        return [m for d in self.standing() for m in d.marks
                if article_id is None or m.article_id == article_id]

    def waiting_status(self, article_id: int) -> str | None:
        """The status the last standing waiting decision about the article gives it, if one does."""
        found = [d.article_status[1] for d in self.standing()
                 if d.article_status is not None and d.article_status[0] == article_id]
        return found[-1] if found else None

    def holder(self, store: Store | None = None) -> str:
        """Who holds the write lock, where a long writer said so (``store``: one of this thread's)."""
        try:
            writers = (store or self.store).presence.long_writers()
        except StoreError:
            writers = []
        return ", ".join(writers) if writers else "another process"

    # -- the queue (main thread) ------------------------------------------------------------

    def _queue(self, decision: Decision) -> None:
        self.waiting.append(decision)
        self.host.decisions_waiting()
        if not self._writing:
            self._writing = True
            self.host.run_in_thread(self._write_waiting)

    def _next(self) -> Decision | None:
        """The decision to write next; None ends the thread (nothing waits)."""
        if self.waiting:
            return self.waiting[0]
        self._writing = False
        return None

    def _saved_late(self, decision: Decision, result: Any) -> None:
        if self.waiting and self.waiting[0] is decision:
            self.waiting.pop(0)
        self.host.decisions_waiting()
        decision.saved(result, True)

    def _dropped(self, why: str) -> None:
        """The first waiting decision failed: it and every one after it are not saved."""
        dropped, self.waiting = self.waiting, []
        self._writing = False
        self.host.decisions_waiting()
        if not dropped:
            return
        if dropped[0].dropped is not None:
            dropped[0].dropped()
        if len(dropped) == 1:
            self.host.set_status(f"not saved, {why}: {dropped[0].what}")
        else:
            self.host.set_status(f"{count(len(dropped))} not saved, {why}: {dropped[0].what} "
                                 f"and the {count(len(dropped) - 1)} typed after it")

    # -- quitting ---------------------------------------------------------------------------------

    def stop(self) -> list[str]:
        """Quitting: nothing waiting is written from now on. Returns the decisions not saved.

        Waits (at most STOP_WAIT_S) for a write under way to end, so that what is reported
        as not saved is not committed a moment later; one still being written then is named
        as possibly saved.
        """
        got = self._attempt.acquire(timeout=STOP_WAIT_S)
        self._stopped = True
        if got:
            self._attempt.release()
        unsaved = [d for d in self.waiting if not d.committed]
        return [f"{d.what} (being written as the app quit: it may be saved)" if not got and i == 0 else d.what
                for i, d in enumerate(unsaved)]

    # -- the thread ----------------------------------------------------------------------------

    def _write_waiting(self) -> None:
        """In a thread: the waiting decisions, in order, on a Store of its own; each outcome
        goes back to the main thread before the next is written."""
        store = self.store
        try:
            with Store(store.path, annotator=store.annotator, config=store.config,
                       lock_wait=WAIT_SLICE_S) as late:
                while (decision := self.host.call_from_thread(self._next)) is not None:
                    try:
                        result = self._write_one(decision, late)
                    except StoreBusy:
                        why = f"database busy for {self.late_wait:g} s ({self.holder(late)})"
                        self.host.call_from_thread(self._dropped, why)
                        return
                    except FAILURES as exc:
                        self.host.call_from_thread(self._dropped, reason(exc, store.path))
                        return
                    if not decision.committed:  # stopped: the app is quitting
                        return
                    self.host.call_from_thread(self._saved_late, decision, result)
        except FAILURES as exc:  # the queue's own Store could not be opened
            self.host.call_from_thread(self._dropped, reason(exc, store.path))
        except Exception as exc:  # never leave decisions waiting for an answer that cannot come
            self.host.call_from_thread(self._dropped, f"unexpected error: {exc}")
            raise

    def _write_one(self, decision: Decision, late: Store) -> Any:
        """Try the write for up to ``late_wait`` (StoreBusy after), a slice at a time, so that
        quitting (:meth:`stop`) never waits for a whole wait and nothing is written after it."""
        started = time.monotonic()
        while True:
            with self._attempt:
                if self._stopped:
                    return None
                try:
                    result = apply_write(decision.write, late, decision.report)
                except StoreBusy:
                    if time.monotonic() - started >= self.late_wait:
                        raise
                else:
                    decision.committed = True
                    return result
