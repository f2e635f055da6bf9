"""The app's background jobs: imports, pre-annotation, what opening an article needs from spaCy,
the damage check and library queries, each in a thread worker of the app.

A part of :class:`tui.app.ParallaxApp` (``app.jobs``), given the app as a :class:`JobsHost`.
Every job opens its own Store (a connection belongs to its thread) and reports with typed
messages from :mod:`tui.messages`, posted to the app, which hands them back here
(``import_finished`` ...); a job that fails is reported by the app's one handler of failed
workers. spaCy never runs in the app: it runs in an NLP child process (:meth:`Jobs.nlp_child`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Protocol

from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker, get_current_worker
from textual.worker_manager import WorkerManager

from annotations.store import FIRST_PAGE, LibraryFilter, Store, StoreError
from annotations.tokenizers import tokenizer_name

from .messages import (
    ArticlesChanged,
    ImportFinished,
    ImportProgress,
    LibraryLoaded,
    MemorySuggested,
    NlpJobFailed,
    PreannotateFinished,
    PreannotateProgress,
    TokensReady,
)

if TYPE_CHECKING:  # the NLP child's messages are imported by the thread that reads a child, not
    from annotations.nlp.messages import ChildMessage  # by every launch of the app (~3 ms, issue 20)

GROUP_NAMES = {"import": "import", "preannotate": "pre-annotation", "library": "library search",
               "check": "the damage check", "decision": "saving a decision",
               "opened": "tokens and annotation memory", "train": "training", "train-check": "training"}



class JobsHost(Protocol):
    """What the jobs use of the app (mypy checks ParallaxApp against it where it makes its Jobs)."""

    store: Store
    db_path: str

    @property
    def workers(self) -> WorkerManager: ...
    def run_worker(self, work: Any, name: str | None = ..., group: str = ..., description: str = ...,
                   exit_on_error: bool = ..., start: bool = ..., exclusive: bool = ...,
                   thread: bool = ...) -> Worker[Any]: ...
    def post_message(self, message: Message) -> bool: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def set_status(self, message: str) -> None: ...
    def set_background(self, text: str) -> None: ...
    def stop_on_damage(self, message: str) -> None: ...
    def post_message_to_screens(self, message: ArticlesChanged | TokensReady) -> None: ...


class ImportCancelled(Exception):
    """Raised from the import's progress callback when the app is quitting."""


class Jobs:
    """The app's background jobs and what they share: the NLP processes running, the articles
    opened that wait for one, the articles to pre-annotate once the run under way ends."""

    def __init__(self, host: JobsHost, *, preannotate: bool = True) -> None:
        self.host = host
        self.preannotate_enabled = preannotate
        self.import_problems: list[str] = []  # printed by the CLI when the app exits
        self.nlp_processes: set[subprocess.Popen] = set()  # NLP processes (spaCy never runs in the app)
        self.opened_pending: dict[int, None] = {}  # opened articles waiting for the NLP child (ordered)
        self.opened_lock = threading.Lock()
        self.opened_running = False  # an "opened" worker is at work (one at a time)
        self.nlp_inbox: IO[str] | None = None  # the pre-annotation process, taking "opened" requests
        self.preannotate_queue: set[int] = set()  # to pre-annotate once the run under way ends

    def _start(self, group: str, work: Callable[[], None], *, exclusive: bool = True) -> None:
        """``work`` in a thread worker of the app (``exclusive``: cancelling the group's last one)."""
        self.host.run_worker(work, name=group, group=group, thread=True, exclusive=exclusive,
                             exit_on_error=False)

    def stop(self) -> None:
        """The app is ending: every NLP process stops where it is (each batch is committed)."""
        for child in list(self.nlp_processes):
            if child.poll() is None:
                child.terminate()

    def worker_store(self, *, readonly: bool = False) -> Store:
        """A Store of the calling thread's own, as the app's is (its annotator and config)."""
        store = self.host.store
        return Store(self.host.db_path, annotator=store.annotator, readonly=readonly, config=store.config)

    # -- import -----------------------------------------------------------------------------------

    def run_import(self, paths: tuple[str, ...] = (), *, seeds: bool = False) -> None:
        """Import PATHS (or the bundled seeds) in one thread, then start pre-annotation."""
        self._start("import", partial(self._import, paths, seeds))

    def _import(self, paths: tuple[str, ...], seeds: bool) -> None:
        from annotations import importer

        worker = get_current_worker()
        post = self.host.post_message
        post(ImportProgress("importing the seed articles" if seeds else f"importing {len(paths)} path(s)"))

        def on_progress(report: importer.ImportReport) -> None:
            if worker.is_cancelled:
                raise ImportCancelled  # stops the import; batches stored so far stay
            post(ImportProgress(f"importing: {report.imported} article(s)"))

        with self.worker_store() as store:
            try:
                if seeds:
                    report = importer.import_seeds(store, on_progress=on_progress)
                else:
                    report = importer.import_paths(store, list(paths), on_progress=on_progress)
            except ImportCancelled:
                return
        post(ImportFinished(report.imported, report.duplicates, [str(p) for p in report.problems]))

    def import_progress(self, message: ImportProgress) -> None:
        self.host.set_background(message.detail)

    def import_finished(self, message: ImportFinished) -> None:
        self.import_problems.extend(message.problems)
        text = f"imported {message.added} article(s)"
        if message.skipped:
            text += f", {message.skipped} already there"
        if message.problems:
            text += f"; {len(message.problems)} problem(s): {message.problems[0]}"
        self.host.set_background("")
        self.host.set_status(text)
        self.host.post_message_to_screens(ArticlesChanged(None))
        self.preannotate_pending()

    # -- pre-annotation ---------------------------------------------------------------------------

    def run_preannotate(self, article_ids: list[int] | None = None) -> None:
        """Run the spaCy pipelines over these articles, in a child process; the UI stays usable.

        Articles opened meanwhile go to this same process (:meth:`articles_opened`), which does
        them first: a second process loading spaCy beside it made the first article's token
        keys wait about 5 s in a fresh folder.
        """
        self._start("preannotate", partial(self._preannotate, article_ids))

    def _preannotate(self, article_ids: list[int] | None) -> None:
        from annotations.nlp.messages import Failed, Finished, Progress

        post = self.host.post_message
        for message in self.nlp_child("preannotate", article_ids):
            if isinstance(message, Progress):
                post(PreannotateProgress(message.done, message.total, message.detail))
            elif isinstance(message, Finished) and message.job != "opened":
                self._close_inbox()  # requests from now on start an "opened" process of their own
                note = ("pre-annotation stopped; it carries on at the next start" if message.stopped
                        else "; ".join(message.warnings))
                post(PreannotateFinished(message.articles, note))
            elif isinstance(message, Failed):
                if message.job == "opened":
                    post(NlpJobFailed("tokens and memory", message.error))
                else:
                    self._close_inbox()
                    post(NlpJobFailed("pre-annotation", message.error))
            else:
                self._opened_message(message)

    def _close_inbox(self) -> None:
        with self.opened_lock:
            inbox, self.nlp_inbox = self.nlp_inbox, None
        if inbox is not None:
            try:
                inbox.close()
            except OSError:
                pass

    def preannotate_pending(self) -> None:
        """Pre-annotate, in the background, the articles no pipeline has seen yet."""
        if self.preannotate_enabled and (pending := self.host.store.library.unannotated_ids()):
            self.run_preannotate(pending)

    def preannotate_articles(self, article_ids: Iterable[int]) -> None:
        """Pre-annotate these articles in the background, after the run under way if there is one
        (starting another would cancel it); a run skips what its pipeline has done already."""
        if not self.preannotate_enabled or self.host.store.readonly:
            return
        self.preannotate_queue.update(article_ids)
        if not any(w.group == "preannotate" and not w.is_finished for w in self.host.workers):
            self.preannotate_queued()

    def preannotate_queued(self) -> None:
        """Start the pre-annotation of the queued articles (when a run ends)."""
        if self.preannotate_queue:
            ids = sorted(self.preannotate_queue)
            self.preannotate_queue.clear()
            self.run_preannotate(ids)

    def preannotate_progress(self, message: PreannotateProgress) -> None:
        text = f"pre-annotating {message.done}/{message.total}" if message.total else "loading spaCy…"
        if message.detail:
            text += f" {message.detail}"
        self.host.set_background(text)
        if message.done:
            self.host.post_message_to_screens(ArticlesChanged(None))

    def preannotate_finished(self, message: PreannotateFinished) -> None:
        self.host.set_background("")
        self.preannotate_queued()
        if message.note:
            self.host.set_status(message.note)
        elif message.articles:
            self.host.set_status(f"pre-annotation finished: {message.articles} article(s)")
        self.host.post_message_to_screens(ArticlesChanged(None))

    def nlp_job_failed(self, message: NlpJobFailed) -> None:
        self.host.set_background("")
        self.host.set_status(f"{message.job} failed: {message.error}")
        if message.job == "pre-annotation":
            self.preannotate_queued()

    # -- the damage check -------------------------------------------------------------------------

    def check_database(self) -> None:
        """Read every page once before the first write (decisions wait meanwhile); a damaged
        file ends the app with the store's message, before anything is written to it. Read-only
        too, in the background: a damaged file is said to be damaged rather than shown in part."""
        self._start("check", self._check)

    def _check(self) -> None:
        try:
            with self.worker_store(readonly=True) as store:
                store.ensure_sound()
        except StoreError as exc:
            self.host.call_from_thread(self.host.stop_on_damage, str(exc))

    # -- what opening articles needs from spaCy -----------------------------------------------------

    def articles_opened(self, article_ids: tuple[int, ...]) -> None:
        """What opening articles needs from spaCy, in a child process: their token boundaries (for
        the token cursor) and their annotation-memory suggestions. Opening never waits for it.
        Nothing of it runs read-only: both are writes.

        One child at a time: articles opened while one works wait, and go together to the next.
        Each child loads spaCy (about a second of CPU): four quick presses of n started four on
        two cores, and every key waited behind them (n/p took up to 0.8 s, growing per press).
        """
        if self.host.store.readonly:
            return
        with self.opened_lock:
            if self.nlp_inbox is not None:  # the pre-annotation process does them first
                try:
                    self.nlp_inbox.write(json.dumps({"opened": list(article_ids)}) + "\n")
                    self.nlp_inbox.flush()
                    return
                except OSError:  # it has just ended: a process of their own, then
                    self.nlp_inbox = None
            self.opened_pending.update(dict.fromkeys(article_ids))
            if self.opened_running:
                return
            self.opened_running = True
        self._start("opened", self._opened_worker, exclusive=False)

    def _opened_worker(self) -> None:
        """Hand the waiting articles to one child after another until none wait; a failure frees
        the queue, so that the next opening starts a worker again."""
        worker = get_current_worker()
        try:
            while True:
                with self.opened_lock:
                    ids = () if worker.is_cancelled else tuple(self.opened_pending)
                    self.opened_pending.clear()
                    if not ids:
                        self.opened_running = False
                        return
                self._opened(ids)
        except BaseException:
            with self.opened_lock:
                self.opened_running = False
            raise

    def _opened(self, article_ids: tuple[int, ...]) -> None:
        """One child for these articles (none when their tokens are stored and there is no memory)."""
        with self.worker_store(readonly=True) as store:  # this thread's own connection
            names = {i: tokenizer_name(lang) for i, lang in store.articles.langs(article_ids)}
            memory = store.memory.has_forms(store.memory.owner() or None)
            if store.tokens.tokenized_ids(names, names) == set(names) and not memory:
                return  # nothing for spaCy to do: no process started
        from annotations.nlp.messages import Failed

        for message in self.nlp_child("opened", list(article_ids)):
            if isinstance(message, Failed):
                self.host.post_message(NlpJobFailed("tokens and memory", message.error))
            else:
                self._opened_message(message)

    def _opened_message(self, message: ChildMessage) -> None:
        from annotations.nlp.messages import MemoryAdded, TokensStored

        if isinstance(message, TokensStored):
            self.host.post_message(TokensReady(message.article_ids))
        elif isinstance(message, MemoryAdded):
            self.host.post_message(MemorySuggested(message.article_ids))

    # -- the NLP child ------------------------------------------------------------------------------

    def nlp_child(self, job: str, article_ids: list[int] | None,
                  extra: list[str] | tuple[str, ...] = ()) -> Iterator[ChildMessage]:
        """Run an NLP job (:mod:`annotations.nlp.child`) and yield its messages as they come
        (in a thread worker: the worker's cancellation stops it).

        spaCy lives in the child, never in the app. The child ends with the job; when the
        worker is cancelled (the app quits) it is terminated (every batch it writes is one
        transaction); if the app is killed, the child notices and stops between two batches.
        """
        from annotations.nlp.messages import Failed, decode

        worker = get_current_worker()
        command = [sys.executable, "-m", "annotations.nlp.child", job, "--db", str(self.host.db_path),
                   "--annotator", self.host.store.annotator, *extra]
        if article_ids is not None or job == "preannotate":
            command += ["--ids", "-"]  # on stdin: 30,000 ids are too long for a command line
        with tempfile.TemporaryFile() as errors:
            child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=errors, text=True, encoding="utf-8")
            self.nlp_processes.add(child)
            stdin, stdout = child.stdin, child.stdout
            assert stdin is not None and stdout is not None  # both are pipes
            try:
                if "--ids" in command:
                    stdin.write(json.dumps(article_ids) + "\n")  # null: every article pending
                    stdin.flush()
                if job == "preannotate":  # it takes "opened" requests until its run ends
                    with self.opened_lock:
                        self.nlp_inbox = stdin
                else:
                    stdin.close()
            except OSError:  # the child is gone already: its exit status tells why
                pass
            reported = False  # the child said what went wrong itself
            try:
                for line in stdout:
                    if worker.is_cancelled:
                        break
                    message = decode(line)
                    if message is None:
                        continue  # a stray print from a library: not one of ours
                    reported |= isinstance(message, Failed)
                    yield message
            finally:
                with self.opened_lock:
                    if self.nlp_inbox is child.stdin:
                        self.nlp_inbox = None
                if child.poll() is None:
                    child.terminate()
                child.wait()
                self.nlp_processes.discard(child)
            if child.returncode not in (0, -signal.SIGTERM) and not worker.is_cancelled and not reported:
                errors.seek(0)
                last = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                yield Failed(f"exit status {child.returncode}: {last[0]}")

    # -- the library's queries ----------------------------------------------------------------------

    def run_library_query(self, target: MessagePump, token: int, flt: LibraryFilter, *,
                          first_page: bool = True) -> None:
        """The ids matching the library's search and filters (FTS on a big corpus takes a while).

        With ``first_page``, only the first screenfuls (``complete`` False when there may be
        more: the screen asks for the rest once they are painted); without, every id, read
        in batches so that a newer query cancels this one.
        """
        self._start("library", partial(self._library_query, target, token, flt, first_page))

    def _library_query(self, target: MessagePump, token: int, flt: LibraryFilter, first_page: bool) -> None:
        worker = get_current_worker()
        with self.worker_store(readonly=True) as store:
            if first_page:
                ids = store.library.first_ids(flt, FIRST_PAGE)
                target.post_message(LibraryLoaded(token, flt, ids, complete=len(ids) < FIRST_PAGE))
                return
            every = store.library.matching_ids(flt, should_stop=lambda: worker.is_cancelled)
        if every is not None:
            target.post_message(LibraryLoaded(token, flt, every))
