"""The Parallax terminal app: a library of articles and a reader of one to three side by side.

The app talks to the core through one :class:`annotations.store.Store`, passed
in. Decisions go through :class:`tui.decisions.DecisionRunner`: one short
transaction each, shown as saved only after it committed, finished in the
background when another process holds the database. Slow work runs in thread
jobs (:mod:`tui.jobs`, :mod:`tui.training`: parts of the app) with their own Store.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState

from annotations.store import Store, StoreBusy, StoreDamaged, StoreError

from .bidi import BIDI_MODES, BidiMode
from .commands import ParallaxCommands
from .decisions import LOCK_WAIT_S, DecisionRunner, count
from .jobs import GROUP_NAMES, Jobs
from .keymap import APP_BINDINGS, KeyProblem, keymap_from_config, shown_binding
from .messages import (
    ArticlesChanged,
    ImportFinished,
    ImportProgress,
    MemorySuggested,
    NlpJobFailed,
    PreannotateFinished,
    PreannotateProgress,
    TokensReady,
    TrainingFinished,
    TrainingProgress,
)
from .screens.dialogs import HelpScreen
from .screens.library import LibraryScreen
from .screens.reader import MAX_PANES, ReaderScreen
from .textual_patches import apply as apply_textual_patches
from .training import TRAIN_CHECK_S, Training
from .widgets.status_bar import StatusBar

apply_textual_patches()

QUIT_AGAIN_S = 5.0


class ParallaxApp(App[None]):
    """Annotate articles: library screen first, reader screen for the open articles."""

    # The dialogs', review's, conflicts' and models' sheets are their screens' (CSS_PATH), read when
    # one is first shown: parsing and matching them cost every launch (issue 20).
    CSS_PATH = ["app.tcss", "library.tcss", "reader.tcss"]
    TITLE = "Parallax"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {ParallaxCommands}
    ENABLE_COMMAND_PALETTE = True
    # Classes the app takes from the terminal's width: below 120 columns the reader widens the
    # active pane (reader.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self, store: Store, *, bidi: str = BidiMode.AUTO, paths: Sequence[str] = (),
                 preannotate: bool = True, owns_store: bool = False) -> None:
        super().__init__()
        if bidi not in BIDI_MODES:
            raise ValueError(f"bidi must be one of {BIDI_MODES}, not {bidi!r}")
        self.store = store
        self.db_path = store.path
        self.bidi = bidi
        self.paths = tuple(str(p) for p in paths)
        self.owns_store = owns_store
        self.status = ""
        self.background = ""
        self.last_label: str | None = None
        self._saved_session: str | None = None
        self._hangup_timer: threading.Timer | None = None
        self.keymap_problems: list[KeyProblem] = []
        self.remapped_keys: dict[str, str] = {}  # binding id -> keys, from the config's [keys]
        self.decisions = DecisionRunner(store, self)
        self.jobs = Jobs(self, preannotate=preannotate)  # import, pre-annotation, spaCy's children
        self.training = Training(self, self.jobs)
        self._quit_asked = 0.0
        self._quit_asked_about: list = []  # the decisions waiting when q last asked
        self.unsaved: list[str] = []  # decisions still waiting when the app was quit (the CLI prints them)
        self.fatal_error: str | None = None  # printed by the CLI when the app exits
        self.collect_after_first_frame = False  # tui.cli's run_app turned the cyclic collector off
        self._first_frame_drawn = False  # the session is saved from then on

    # -- start and stop --------------------------------------------------------------

    def on_mount(self) -> None:
        source = str(self.store.config.path) if self.store.config.path else "config"
        self.remapped_keys, self.keymap_problems = keymap_from_config(self.store.config.keys, source)
        if self.remapped_keys:
            self.set_keymap(self.remapped_keys)
        if self.keymap_problems:
            self.set_status(self.keymap_problems[0].status)
        self._install_signal_handlers()
        session = self._load_session()
        reader = session.get("reader") or {}
        restoring = bool(isinstance(reader, dict) and reader.get("articles"))
        # Under a restored reader the library is built when first shown (escape), not at launch.
        self.push_screen(LibraryScreen(session.get("library") or {}, deferred=restoring))
        if self.store.readonly:
            self.set_status(f"read-only: looking only, nothing is saved · showing {self.store.annotator}'s "
                            "layer (L in the reader shows another)")
        if not self.store.readonly and self.store.config.train_every:
            self.set_interval(TRAIN_CHECK_S, self.training.check)
        if restoring:
            # At once, not after a refresh: the library under it is then never painted before the
            # reader (about 60 ms of a restored launch at 80x24).
            self._restore_reader(reader)
        # After the refresh that follows the first one, as the reader's settle_memory.
        self.call_after_refresh(self.call_after_refresh, self._after_first_frame)

    def _after_first_frame(self) -> None:
        """The first frame is on screen: what the launch put off is done now. The background
        work's threads held the interpreter lock for ~7 ms of the launch (issue 20)."""
        self._first_frame_drawn = True
        if self.collect_after_first_frame:
            gc.enable()
        self.jobs.check_database()  # read-only too: a damaged file ends the app, whatever page it is in
        if not self.store.readonly:  # read-only, nothing is written: no import, no pre-annotation
            if self.paths:
                self.jobs.run_import(self.paths)
            elif self.store.articles.count() == 0:
                self.jobs.run_import(seeds=True)
            else:
                self.jobs.preannotate_pending()
        self.save_session()  # a restored reader's state (its panes' scroll): not before it is shown
        self.store.ready_to_write()  # the first decision does not wait for sqlite-utils' import

    def _load_session(self) -> dict:
        try:
            session = self.store.presence.load_session() or {}
        except (StoreError, ValueError):
            session = {}
        return session if isinstance(session, dict) else {}

    def _restore_reader(self, reader: dict) -> None:
        ids = [i for i in reader.get("articles", []) if isinstance(i, int)]
        existing = set(self.store.articles.ids()) if ids else set()
        ids = [i for i in ids if i in existing][:MAX_PANES]
        if ids:
            self.open_articles(ids, state=reader, announce=False)

    def _install_signal_handlers(self) -> None:
        """SIGHUP (a dropped SSH connection) and SIGTERM end the app cleanly; nothing is lost."""
        if self.is_headless:
            return
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_hangup)
        except (NotImplementedError, RuntimeError, AttributeError):
            pass  # not on Unix: nothing to do

    def _on_hangup(self) -> None:
        self.save_session()
        # The terminal may be gone; if shutting down hangs on it, leave anyway (all is committed).
        self._hangup_timer = threading.Timer(5.0, os._exit, (0,))
        self._hangup_timer.daemon = True
        self._hangup_timer.start()
        self.exit()

    async def action_quit(self) -> None:
        """Quit; decisions are committed already, the session is saved once more if it can be.
        With decisions waiting for the database, ``q`` asks first (the instruction first, to fit
        80 columns); ``q`` again soon after, none typed since, quits without them (the CLI names
        them)."""
        waiting = self.decisions.waiting
        asked_about = self._quit_asked_about  # a decision typed since is not quit without asking again
        if waiting and (time.monotonic() - self._quit_asked > QUIT_AGAIN_S
                        or not all(d in asked_about for d in waiting)):
            self._quit_asked, self._quit_asked_about = time.monotonic(), list(waiting)
            self.set_status(f"q again quits without saving {count(len(waiting), 'waiting decision')}; "
                            f"or wait: they are saved once the database is free ({waiting[0].what} first)")
            return
        self.unsaved = self.decisions.stop() if waiting else []
        self.save_session()
        self.exit()

    def _handle_exception(self, error: Exception) -> None:
        """A damaged database can surface in any read: end with the store's one-line message
        (exit status 1) rather than a traceback. Anything else is Textual's usual crash report
        (also exit status 1). Textual has no public hook for this; tests/test_damage.py checks it."""
        if self.fatal_error is not None:
            return  # already ending on a damaged file: what breaks while screens close is its echo
        if isinstance(error, StoreDamaged):
            self.stop_on_damage(str(error))
            return
        super()._handle_exception(error)

    def stop_on_damage(self, message: str) -> None:
        """The database is damaged: end the app (exit status 1) before anything is written; its
        connection then closes without folding the -wal into the file (a recovery tool needs it:
        the store no longer takes the file for sound once a read said it is damaged)."""
        if self.fatal_error is None:
            self.fatal_error = message
            self.exit(return_code=1)

    def run_in_thread(self, work: Callable[[], None]) -> None:
        """Run ``work`` in a thread worker (the decisions waiting for the database)."""
        self.run_worker(work, thread=True, group="decision", exit_on_error=False)

    def decisions_waiting(self) -> None:
        """The waiting decisions changed: their count in every status bar, their spans in the reader."""
        self._update_status_bars()
        for screen in self.screen_stack:
            if isinstance(screen, ReaderScreen):
                screen.show_waiting()

    def on_unmount(self) -> None:
        self.jobs.stop()
        # The screens are gone by now, so the session is not saved here (it would be empty).
        if self.owns_store:
            self.store.close()

    # -- status ------------------------------------------------------------------------

    def set_status(self, message: str) -> None:
        """The left of every status bar: what was saved, or what went wrong."""
        self.status = message
        self._update_status_bars()

    def set_background(self, text: str) -> None:
        """The right of the status bar: background work (import, pre-annotation)."""
        self.background = text
        self._update_status_bars()

    @property
    def waiting_text(self) -> str:
        """The start of the status bar: how many decisions wait for the database, if any."""
        return f"{count(len(self.decisions.waiting))} waiting" if self.decisions.waiting else ""

    def _update_status_bars(self) -> None:
        for bar in list(StatusBar.mounted):
            if bar.owner is self:
                bar.show(self.status, self.background, self.waiting_text)

    # -- navigation ----------------------------------------------------------------------

    def open_articles(self, article_ids: Iterable[int], *, state: dict | None = None,
                      announce: bool = True) -> AwaitMount | None:
        """Open up to three articles side by side in the reader (replacing one already open);
        returns what to await for it to be mounted and take keys (None: nothing to open)."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return None
        if len(ids) > MAX_PANES and announce:
            self.set_status(f"{len(ids)} articles marked: opening the first {MAX_PANES} "
                            f"(the reader shows at most {MAX_PANES} side by side)")
        ids = ids[:MAX_PANES]
        for screen in list(self.screen_stack):
            if isinstance(screen, ReaderScreen):
                self.pop_screen()
        mounted = self.push_screen(ReaderScreen(ids, state=state or {}))
        self.save_session()
        return mounted

    def library_order(self) -> list[int] | None:
        """The ids in the library's current order (its search and filters), if it has loaded."""
        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen):
                return screen.current_ids()
        return None

    def session_state(self) -> dict:
        state: dict = {}
        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen):
                state["library"] = screen.session_state()
            elif isinstance(screen, ReaderScreen):
                state["reader"] = screen.session_state()
        return state

    def save_session(self) -> None:
        """Remember open articles, panes and cursors; a no-op when nothing changed, and before
        the first frame (a commit, ~3 ms of the launch: it is saved once that frame is shown)."""
        if not self._first_frame_drawn:
            return
        try:
            state = self.session_state()
        except Exception:  # a screen half-built or torn down: keep the last saved state
            return
        if "library" not in state or self.store.readonly:
            return  # starting up or shutting down: nothing meaningful to remember; or looking only
        blob = json.dumps(state, sort_keys=True)
        if blob == self._saved_session:
            return
        try:
            self.store.presence.save_session(state, wait=0)  # never holds a key up: skipped when busy
            self._saved_session = blob
        except StoreBusy:
            pass  # another process is writing: the next cursor move saves it
        except StoreError as exc:
            self.set_status(f"could not save the session: {exc}")

    def post_message_to_screens(self, message: ArticlesChanged | TokensReady) -> None:
        """A copy of ``message`` to every screen (a message is delivered once)."""
        for screen in self.screen_stack:
            screen.post_message(dataclasses.replace(message))

    # -- what the background work reports (tui/jobs.py, tui/training.py) ----------------------

    def on_import_progress(self, message: ImportProgress) -> None:
        self.jobs.import_progress(message)

    def on_import_finished(self, message: ImportFinished) -> None:
        self.jobs.import_finished(message)

    def on_preannotate_progress(self, message: PreannotateProgress) -> None:
        self.jobs.preannotate_progress(message)

    def on_preannotate_finished(self, message: PreannotateFinished) -> None:
        self.jobs.preannotate_finished(message)

    def on_nlp_job_failed(self, message: NlpJobFailed) -> None:
        self.jobs.nlp_job_failed(message)

    def on_memory_suggested(self, message: MemorySuggested) -> None:
        self.post_message_to_screens(ArticlesChanged(message.article_ids))

    def on_tokens_ready(self, message: TokensReady) -> None:
        self.post_message_to_screens(message)

    def on_training_progress(self, message: TrainingProgress) -> None:
        self.training.progress(message)

    def on_training_finished(self, message: TrainingFinished) -> None:
        self.training.finished(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported (the app keeps running)."""
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

    # -- actions --------------------------------------------------------------------------------

    def get_key_display(self, binding: Binding) -> str:
        return super().get_key_display(shown_binding(binding, self.remapped_keys))

    def action_conflicts(self) -> None:
        """C: the conflicts across the corpus (tui/screens/conflicts.py); one screen, kept installed,
        so that it remembers where each conflict's enter went last."""
        from .screens.conflicts import ConflictsScreen  # on first use: not part of a launch

        if not self.is_screen_installed("conflicts"):
            self.install_screen(ConflictsScreen(), name="conflicts")
        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen("conflicts")

    def action_train(self) -> None:
        self.training.train_now()

    def action_models(self) -> None:
        self.training.show_models()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def make_app(db_path: str | os.PathLike, *, annotator: str | None = None, bidi: str = BidiMode.AUTO,
             paths: Sequence[str | os.PathLike] = (), preannotate: bool = True,
             readonly: bool = False) -> ParallaxApp:
    """Open the database (creating it if needed, unless ``readonly``) and build the app on it;
    the app closes it on exit. Read-only, nothing is written: no import, no pre-annotation,
    no annotation memory, no session, and every decision key says "read-only"."""
    store = Store(Path(db_path), annotator=annotator, lock_wait=LOCK_WAIT_S, background_check=True,
                  readonly=readonly)
    return ParallaxApp(store, bidi=bidi, paths=[str(p) for p in paths], preannotate=preannotate,
                       owns_store=True)
