"""Training in the app: a model trained in the background every ``[train] every`` newly done
articles or from the command palette, its progress and outcome in the status bar, the models view.

A part of :class:`tui.app.ParallaxApp` (which is a Textual App: ``@work`` needs a message pump),
as :mod:`tui.workers` is. spaCy trains in the NLP child process (``annotations.nlp.child train``),
never in the app. Message handlers are dispatched by their names (``on_training_progress``): an
``@on`` decorator in a class that is not a MessagePump would never be registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import work

from annotations.nlp.messages import (
    ChildMessage,
    Failed,
    Finished,
    Progress,
    Resuggested,
    Trained,
    TrainProgress,
)
from annotations.nlp.pipelines import base_lang
from annotations.store import Store

from .messages import ArticlesChanged, TrainingFinished, TrainingProgress
from .screens.models import ModelsScreen, training_outcome

if TYPE_CHECKING:
    # Only ever mixed into ParallaxApp, an App: the type checker checks the App members used here.
    from textual.app import App

    _AppPart = App[None]
else:
    _AppPart = object

TRAIN_CHECK_S = 10.0  # how often the app looks for newly done articles to train on


class TrainingMixin(_AppPart):
    """Background training (what it uses of the app is declared here)."""

    if TYPE_CHECKING:  # supplied by ParallaxApp and WorkersMixin
        store: Store
        training_running: bool  # a background training is under way
        train_attempted: dict[str, int]  # language -> done articles when a training last started

        def set_status(self, message: str) -> None: ...
        def set_background(self, text: str) -> None: ...
        def post_message_to_screens(self, message: ArticlesChanged) -> None: ...
        def _worker_store(self, *, readonly: bool = False) -> Store: ...
        def _nlp_child(self, job: str, article_ids: list[int] | None,
                       extra: list[str] | tuple[str, ...] = ()) -> Iterator[ChildMessage]: ...

    @work(thread=True, exclusive=True, group="train-check", exit_on_error=False)
    def check_training(self) -> None:
        """Start a background training for each language with ``[train] every`` articles newly
        done since its latest model (none while one runs, here or in another app: the child
        checks the presence table too)."""
        every = self.store.config.train_every
        if not every or self.store.readonly or self.training_running:
            return
        with self._worker_store(readonly=True) as store:
            done: dict[str, int] = {}
            for lang, n in store.models.done_by_lang().items():
                done[base_lang(lang)] = done.get(base_lang(lang), 0) + n
            trained = store.models.trained_on()
            busy = " ".join(store.presence.long_writers())
        due = [lang for lang, n in sorted(done.items())
               if n - max(trained.get(lang, 0), self.train_attempted.get(lang, 0)) >= every
               and f"training {lang}" not in busy]
        for lang in due:
            self.train_attempted[lang] = done[lang]
        if due:
            self.call_from_thread(self.run_training, due)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def run_training(self, langs: list[str]) -> None:
        """Train these languages' models one after another in the NLP child (spaCy never runs in
        the app); an adopted model re-suggests the articles nobody has marked done."""
        self.training_running = True
        try:
            for lang in langs:
                self._train_one(lang)
        finally:
            self.training_running = False

    def _train_one(self, lang: str) -> None:
        report: dict | None = None
        resuggested: tuple[int, ...] = ()
        extra = ["--lang", lang, "--max-steps", str(self.store.config.train_max_steps), "--background"]
        for message in self._nlp_child("train", None, extra):
            if isinstance(message, TrainProgress):
                self.post_message(TrainingProgress(f"training {lang}: {message.line()}"))
            elif isinstance(message, Progress):
                self.post_message(TrainingProgress(f"{message.detail} {message.done}/{message.total}"))
            elif isinstance(message, Trained):
                report = message.report
            elif isinstance(message, Resuggested):
                resuggested = message.article_ids
            elif isinstance(message, Failed):
                self.post_message(TrainingFinished(lang, None, message.error))
                return
            elif isinstance(message, Finished) and message.stopped:
                self.post_message(TrainingFinished(lang, None, "stopped"))
                return
        self.post_message(TrainingFinished(lang, report, "" if report else "no model came out",
                                           resuggested))

    def on_training_progress(self, message: TrainingProgress) -> None:
        self.set_background(message.text)

    def on_training_finished(self, message: TrainingFinished) -> None:
        self.set_background("")
        self.set_status(training_outcome(message))
        if message.resuggested:
            self.post_message_to_screens(ArticlesChanged(message.resuggested))
        for screen in self.screen_stack:
            if isinstance(screen, ModelsScreen):
                screen.reload()

    def action_train(self) -> None:
        """Train now (the command palette): every language with done articles, in the background."""
        if self.store.readonly:
            self.set_status("read-only: looking only, no model is trained")
            return
        if self.training_running:
            self.set_status("a training is under way already (see the right of the status bar)")
            return
        langs = sorted({base_lang(lang) for lang in self.store.models.done_by_lang()})
        if not langs:
            self.set_status("no articles marked done yet: a model learns from done articles")
            return
        self.set_background(f"training {', '.join(langs)}…")
        self.run_training(langs)

    def action_models(self) -> None:
        """The models: stock vs new F1 per label, as bars."""
        if not isinstance(self.screen, ModelsScreen):
            self.push_screen(ModelsScreen())

