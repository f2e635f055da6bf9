"""The app's background work: imports, pre-annotation and library queries, each in a thread.

Every worker opens its own Store (a connection belongs to its thread), reports
with typed messages from :mod:`tui.messages`, and fails into the one handler,
:meth:`WorkersMixin.on_worker_state_changed`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from textual import work
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState, get_current_worker

from annotations.nlp.messages import (
    ChildMessage,
    Failed,
    Finished,
    MemoryAdded,
    Progress,
    TokensStored,
    decode,
)
from annotations.nlp.tokens import tokenizer_name
from annotations.store import FIRST_PAGE, LibraryFilter, Store, StoreDamaged, StoreError

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

GROUP_NAMES = {"import": "import", "preannotate": "pre-annotation", "library": "library search",
               "check": "the damage check", "decision": "saving a decision",
               "opened": "tokens and annotation memory", "train": "training", "train-check": "training"}


if TYPE_CHECKING:
    # Only ever mixed into ParallaxApp, an App: the type checker checks the App members used
    # here (post_message, workers, call_from_thread, log).
    from textual.app import App

    _AppPart = App[None]
else:
    _AppPart = object


class ImportCancelled(Exception):
    """Raised from the import's progress callback when the app is quitting."""


class WorkersMixin(_AppPart):
    """The app's background work (a part of :class:`tui.app.ParallaxApp`, which is a Textual App:
    ``@work`` needs a message pump). What it uses of the app is declared here."""

    if TYPE_CHECKING:  # supplied by ParallaxApp
        store: Store
        db_path: str
        nlp_processes: set[subprocess.Popen]  # NLP processes running now (ended when the app quits)
        opened_pending: dict[int, None]  # opened articles waiting for the NLP child, in order
        opened_lock: threading.Lock
        opened_running: bool
        nlp_inbox: IO[str] | None  # the running pre-annotation's stdin, taking "opened" requests
        preannotate_queue: set[int]  # articles to pre-annotate once the run under way ends
        preannotate_enabled: bool

        import_problems: list[str]  # printed by the CLI when the app exits

        def set_status(self, message: str) -> None: ...
        def set_background(self, text: str) -> None: ...
        def stop_on_damage(self, message: str) -> None: ...
        def post_message_to_screens(self, message: ArticlesChanged | TokensReady) -> None: ...

    def _worker_store(self, *, readonly: bool = False) -> Store:
        return Store(self.db_path, annotator=self.store.annotator, readonly=readonly,
                     config=self.store.config)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, paths: tuple[str, ...] = (), *, seeds: bool = False) -> None:
        """Import PATHS (or the bundled seeds) in one thread, then start pre-annotation."""
        from annotations import importer

        worker = get_current_worker()
        self.post_message(ImportProgress("importing the seed articles" if seeds
                                         else f"importing {len(paths)} path(s)"))

        def on_progress(report: importer.ImportReport) -> None:
            if worker.is_cancelled:
                raise ImportCancelled  # stops the import; batches stored so far stay
            self.post_message(ImportProgress(f"importing: {report.imported} article(s)"))

        with self._worker_store() as store:
            try:
                if seeds:
                    report = importer.import_seeds(store, on_progress=on_progress)
                else:
                    report = importer.import_paths(store, list(paths), on_progress=on_progress)
            except ImportCancelled:
                return
        self.post_message(ImportFinished(report.imported, report.duplicates,
                                         [str(p) for p in report.problems]))

    @work(thread=True, exclusive=True, group="preannotate", exit_on_error=False)
    def run_preannotate(self, article_ids: list[int] | None = None) -> None:
        """Run the spaCy pipelines over these articles, in a child process; the UI stays usable.

        Articles opened meanwhile go to this same process (:meth:`articles_opened`), which does
        them first: a second process loading spaCy beside it made the first article's token
        keys wait about 5 s in a fresh folder.
        """
        for message in self._nlp_child("preannotate", article_ids):
            if isinstance(message, Progress):
                self.post_message(PreannotateProgress(message.done, message.total, message.detail))
            elif isinstance(message, Finished) and message.job != "opened":
                self._close_inbox()  # requests from now on start an "opened" process of their own
                note = ("pre-annotation stopped; it carries on at the next start" if message.stopped
                        else "; ".join(message.warnings))
                self.post_message(PreannotateFinished(message.articles, note))
            elif isinstance(message, Failed):
                if message.job == "opened":
                    self.post_message(NlpJobFailed("tokens and memory", message.error))
                else:
                    self._close_inbox()
                    self.post_message(NlpJobFailed("pre-annotation", message.error))
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

    def preannotate_articles(self, article_ids: Iterable[int]) -> None:
        """Pre-annotate these articles in the background, after the run under way if there is one
        (starting another would cancel it); a run skips what its pipeline has done already."""
        if not self.preannotate_enabled or self.store.readonly:
            return
        self.preannotate_queue.update(article_ids)
        if not any(w.group == "preannotate" and not w.is_finished for w in self.workers):
            self.preannotate_queued()

    def preannotate_queued(self) -> None:
        """Start the pre-annotation of the queued articles (the app calls it when a run ends)."""
        if self.preannotate_queue:
            ids = sorted(self.preannotate_queue)
            self.preannotate_queue.clear()
            self.run_preannotate(ids)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_database(self) -> None:
        """Read every page once before the first write (decisions wait meanwhile); a damaged
        file ends the app with the store's message, before anything is written to it. Read-only
        too, in the background: a damaged file is said to be damaged rather than shown in part."""
        try:
            with self._worker_store(readonly=True) as store:
                store.ensure_sound()
        except StoreError as exc:
            self.call_from_thread(self.stop_on_damage, str(exc))

    def articles_opened(self, article_ids: tuple[int, ...]) -> None:
        """What opening articles needs from spaCy, in a child process: their token boundaries (for
        the token cursor) and their annotation-memory suggestions. Opening never waits for it.
        Nothing of it runs read-only: both are writes.

        One child at a time: articles opened while one works wait, and go together to the next.
        Each child loads spaCy (about a second of CPU): four quick presses of n started four on
        two cores, and every key waited behind them (n/p took up to 0.8 s, growing per press).
        """
        if self.store.readonly:
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
        self._opened_worker()

    @work(thread=True, group="opened", exit_on_error=False)
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
        with self._worker_store(readonly=True) as store:  # this thread's own connection
            names = {i: tokenizer_name(lang) for i, lang in store.articles.langs(article_ids)}
            memory = store.memory.has_forms(store.memory.owner() or None)
            if store.tokens.tokenized_ids(names, names) == set(names) and not memory:
                return  # nothing for spaCy to do: no process started
        for message in self._nlp_child("opened", list(article_ids)):
            if isinstance(message, Failed):
                self.post_message(NlpJobFailed("tokens and memory", message.error))
            else:
                self._opened_message(message)

    def _opened_message(self, message: ChildMessage) -> None:
        if isinstance(message, TokensStored):
            self.post_message(TokensReady(message.article_ids))
        elif isinstance(message, MemoryAdded):
            self.post_message(MemorySuggested(message.article_ids))

    def _nlp_child(self, job: str, article_ids: list[int] | None,
                   extra: list[str] | tuple[str, ...] = ()) -> Iterator[ChildMessage]:
        """Run an NLP job (:mod:`annotations.nlp.child`) and yield its messages as they come.

        spaCy lives in the child, never in the app. The child ends with the job; when the
        worker is cancelled (the app quits) it is terminated (every batch it writes is one
        transaction); if the app is killed, the child notices and stops between two batches.
        """
        worker = get_current_worker()
        command = [sys.executable, "-m", "annotations.nlp.child", job, "--db", str(self.db_path),
                   "--annotator", self.store.annotator, *extra]
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

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def run_library_query(self, target: MessagePump, token: int, flt: LibraryFilter, *,
                          first_page: bool = True) -> None:
        """The ids matching the library's search and filters (FTS on a big corpus takes a while).

        With ``first_page``, only the first screenfuls (``complete`` False when there may be
        more: the screen asks for the rest once they are painted); without, every id, read
        in batches so that a newer query cancels this one.
        """
        worker = get_current_worker()
        with self._worker_store(readonly=True) as store:
            if first_page:
                ids = store.library.first_ids(flt, FIRST_PAGE)
                target.post_message(LibraryLoaded(token, flt, ids, complete=len(ids) < FIRST_PAGE))
                return
            every = store.library.matching_ids(flt, should_stop=lambda: worker.is_cancelled)
        if every is not None:
            target.post_message(LibraryLoaded(token, flt, every))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported (the app keeps running).

        Dispatched by its name: an ``@on`` decorator in this mixin (not a MessagePump) would
        never be registered, and failures would pass silently.
        """
        if event.state != WorkerState.ERROR:
            return
        what = GROUP_NAMES.get(event.worker.group, event.worker.name)
        error = event.worker.error
        if isinstance(error, StoreDamaged):  # met in a worker (the library's search, an import): the app
            self.stop_on_damage(str(error))  # ends with one line, as on the main thread
            return
        self.log.error(f"{what} failed", error)
        self.set_background("")
        self.set_status(f"{what} failed: {error}")

    # -- what the background work reports (handlers dispatched by name: ``on_import_progress``) --

    def on_import_progress(self, message: ImportProgress) -> None:
        self.set_background(message.detail)

    def on_import_finished(self, message: ImportFinished) -> None:
        self.import_problems.extend(message.problems)
        text = f"imported {message.added} article(s)"
        if message.skipped:
            text += f", {message.skipped} already there"
        if message.problems:
            text += f"; {len(message.problems)} problem(s): {message.problems[0]}"
        self.set_background("")
        self.set_status(text)
        self.post_message_to_screens(ArticlesChanged(None))
        self._preannotate_pending()

    def _preannotate_pending(self) -> None:
        """Pre-annotate, in the background, the articles no pipeline has seen yet."""
        if self.preannotate_enabled and (pending := self.store.library.unannotated_ids()):
            self.run_preannotate(pending)

    def on_preannotate_progress(self, message: PreannotateProgress) -> None:
        text = f"pre-annotating {message.done}/{message.total}" if message.total else "loading spaCy…"
        if message.detail:
            text += f" {message.detail}"
        self.set_background(text)
        if message.done:
            self.post_message_to_screens(ArticlesChanged(None))

    def on_preannotate_finished(self, message: PreannotateFinished) -> None:
        self.set_background("")
        self.preannotate_queued()
        if message.note:
            self.set_status(message.note)
        elif message.articles:
            self.set_status(f"pre-annotation finished: {message.articles} article(s)")
        self.post_message_to_screens(ArticlesChanged(None))

    def on_nlp_job_failed(self, message: NlpJobFailed) -> None:
        self.set_background("")
        self.set_status(f"{message.job} failed: {message.error}")
        if message.job == "pre-annotation":
            self.preannotate_queued()

    def on_memory_suggested(self, message: MemorySuggested) -> None:
        self.post_message_to_screens(ArticlesChanged(message.article_ids))

    def on_tokens_ready(self, message: TokensReady) -> None:
        self.post_message_to_screens(message)
