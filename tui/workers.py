"""The app's background work: imports, pre-annotation and library queries, each in a thread.

Every worker opens its own Store (a connection belongs to its thread), reports
with typed messages from :mod:`tui.messages`, and fails into the one handler,
:meth:`WorkersMixin.on_worker_state_changed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState, get_current_worker

from annotations.store import Store, StoreError
from annotations.store.library import FIRST_PAGE, LibraryFilter, first_ids, matching_ids

from .messages import (
    ImportFinished,
    ImportProgress,
    LibraryLoaded,
    MemorySuggested,
    PreannotateFinished,
    PreannotateProgress,
)

GROUP_NAMES = {"import": "import", "preannotate": "pre-annotation", "library": "library search",
               "warmup": "loading the tokenizers", "check": "the damage check",
               "decision": "saving a decision", "memory": "annotation memory"}


class ImportCancelled(Exception):
    """Raised from the import's progress callback when the app is quitting."""


class WorkersMixin:
    """The app's background work (a part of :class:`tui.app.ParallaxApp`, which is a Textual App:
    ``@work`` needs a message pump). What it uses of the app is declared here."""

    if TYPE_CHECKING:  # supplied by ParallaxApp
        store: Store
        db_path: str

        def set_status(self, message: str) -> None: ...
        def set_background(self, text: str) -> None: ...
        def stop_on_damage(self, message: str) -> None: ...

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
        """Run the spaCy pipelines over these articles (not pre-annotated yet); the UI stays usable."""
        worker = get_current_worker()
        try:
            from annotations.nlp.preannotate import preannotate
        except ImportError as exc:
            self.post_message(PreannotateFinished(0, f"pre-annotation is not available ({exc}); "
                                                     "articles can still be annotated by hand"))
            return

        def on_progress(done: int, total: int, message: str = "") -> None:
            self.post_message(PreannotateProgress(done, total, message))

        report = preannotate(self.db_path, annotator=self.store.annotator, on_progress=on_progress,
                             should_stop=lambda: worker.is_cancelled, article_ids=article_ids)
        note = "; ".join(report.warnings)
        if report.stopped:
            note = "pre-annotation stopped; it carries on at the next start"
        self.post_message(PreannotateFinished(report.articles, note))

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_database(self) -> None:
        """Read every page once before the first write (decisions wait meanwhile); a damaged
        file ends the app with the store's message, before anything is written to it."""
        try:
            with self._worker_store(readonly=True) as store:
                store.ensure_sound()
        except StoreError as exc:
            self.call_from_thread(self.stop_on_damage, str(exc))

    @work(thread=True, group="memory", exit_on_error=False)
    def refresh_memory(self, article_ids: tuple[int, ...]) -> None:
        """Suggest in these (just opened) articles every form a human accepted or linked
        elsewhere: the annotation memory, matched in a thread so opening never waits for it."""
        from annotations.nlp.memory import MemoryIndex, memory_forms, memory_suggestions

        if self.store.readonly:
            return  # memory suggestions are writes
        worker = get_current_worker()
        changed: list[int] = []
        with self._worker_store() as store:
            index = MemoryIndex(memory_forms(store))
            for article_id in article_ids:
                if worker.is_cancelled:
                    return
                if memory_suggestions(store, article_id, index):
                    changed.append(article_id)
        if changed:
            self.post_message(MemorySuggested(tuple(changed)))

    @work(thread=True, exclusive=True, group="warmup", exit_on_error=False)
    def warm_up(self, langs: list[str]) -> None:
        """Load spaCy's tokenizers before the first article opens (importing spaCy takes seconds
        and would otherwise compete with the reader as it opens)."""
        from annotations.nlp.tokens import blank_nlp

        for lang in langs:
            if get_current_worker().is_cancelled:
                return
            blank_nlp(lang)

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
                ids = first_ids(store, flt, FIRST_PAGE)
                target.post_message(LibraryLoaded(token, flt, ids, complete=len(ids) < FIRST_PAGE))
                return
            ids = matching_ids(store, flt, should_stop=lambda: worker.is_cancelled)
        if ids is not None:
            target.post_message(LibraryLoaded(token, flt, ids))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported (the app keeps running).

        Dispatched by its name: an ``@on`` decorator in this mixin (not a MessagePump) would
        never be registered, and failures would pass silently.
        """
        if event.state != WorkerState.ERROR:
            return
        what = GROUP_NAMES.get(event.worker.group, event.worker.name)
        error = event.worker.error
        self.log.error(f"{what} failed", error)
        self.set_background("")
        self.set_status(f"{what} failed: {error}")
