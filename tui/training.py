"""Training in the app: a model trained in the background every ``[train] every`` newly done
articles or from the command palette, its progress and outcome in the status bar, the models view.

A part of :class:`tui.app.ParallaxApp` (``app.training``), given the app as a
:class:`TrainingHost` and the app's :class:`tui.jobs.Jobs` (the NLP child, a Store per
thread). spaCy trains in the NLP child process (``annotations.nlp.child train``), never in the
app; its progress comes back as messages posted to the app, which hands them back here.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.screen import Screen

from annotations.store import Store

from .jobs import Jobs, JobsHost
from .messages import ArticlesChanged, TrainingFinished, TrainingProgress

TRAIN_CHECK_S = 10.0  # how often the app looks for newly done articles to train on


class TrainingHost(JobsHost, Protocol):
    """What training uses of the app, beyond what its jobs use (mypy checks ParallaxApp)."""

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    @property
    def screen(self) -> Screen[object]: ...
    def push_screen(self, screen: Any) -> Any: ...


class Training:
    """Background training: at most one at a time in this app (the NLP child also checks that
    no other app trains the same language)."""

    def __init__(self, host: TrainingHost, jobs: Jobs) -> None:
        self.host = host
        self.jobs = jobs
        self.running = False  # a background training is under way
        self.attempted: dict[str, int] = {}  # language -> done articles when a training last started

    @property
    def store(self) -> Store:
        return self.host.store

    def check(self) -> None:
        """The app's timer: look for languages due a training, in a thread worker."""
        self.host.run_worker(self._check, name="train-check", group="train-check", thread=True,
                             exclusive=True, exit_on_error=False)

    def _check(self) -> None:
        """Start a background training for each language with ``[train] every`` articles newly
        done since its latest model (none while one runs, here or in another app: the child
        checks the presence table too)."""
        from annotations.nlp.pipelines import base_lang  # see train_now

        every = self.store.config.train_every
        if not every or self.store.readonly or self.running:
            return
        with self.jobs.worker_store(readonly=True) as store:
            done: dict[str, int] = {}
            for lang, n in store.models.done_by_lang().items():
                done[base_lang(lang)] = done.get(base_lang(lang), 0) + n
            trained = store.models.trained_on()
            busy = " ".join(store.presence.long_writers())
        due = [lang for lang, n in sorted(done.items())
               if n - max(trained.get(lang, 0), self.attempted.get(lang, 0)) >= every
               and f"training {lang}" not in busy]
        for lang in due:
            self.attempted[lang] = done[lang]
        if due:
            self.host.call_from_thread(self.start, due)

    def start(self, langs: list[str]) -> None:
        """Train these languages' models one after another in the NLP child (spaCy never runs in
        the app); an adopted model re-suggests the articles nobody has marked done."""
        self.host.run_worker(lambda: self._train(langs), name="train", group="train", thread=True,
                             exclusive=True, exit_on_error=False)

    def _train(self, langs: list[str]) -> None:
        self.running = True
        try:
            for lang in langs:
                self._train_one(lang)
        finally:
            self.running = False

    def _train_one(self, lang: str) -> None:
        # Imported by the training thread, not by every launch (issue 20).
        from annotations.nlp.messages import Failed, Finished, Progress, Resuggested, Trained, TrainProgress

        post = self.host.post_message
        report: dict | None = None
        resuggested: tuple[int, ...] = ()
        extra = ["--lang", lang, "--max-steps", str(self.store.config.train_max_steps), "--background"]
        for message in self.jobs.nlp_child("train", None, extra):
            if isinstance(message, TrainProgress):
                post(TrainingProgress(f"training {lang}: {message.line()}"))
            elif isinstance(message, Progress):
                post(TrainingProgress(f"{message.detail} {message.done}/{message.total}"))
            elif isinstance(message, Trained):
                report = message.report
            elif isinstance(message, Resuggested):
                resuggested = message.article_ids
            elif isinstance(message, Failed):
                post(TrainingFinished(lang, None, message.error))
                return
            elif isinstance(message, Finished) and message.stopped:
                post(TrainingFinished(lang, None, "stopped"))
                return
        post(TrainingFinished(lang, report, "" if report else "no model came out", resuggested))

    def progress(self, message: TrainingProgress) -> None:
        self.host.set_background(message.text)

    def finished(self, message: TrainingFinished) -> None:
        from .screens.models import ModelsScreen, training_outcome  # see show_models

        self.host.set_background("")
        self.host.set_status(training_outcome(message))
        if message.resuggested:
            self.host.post_message_to_screens(ArticlesChanged(message.resuggested))
        for screen in self.host.screen_stack:
            if isinstance(screen, ModelsScreen):
                screen.reload()

    def train_now(self) -> None:
        """Train now (the command palette, ``t`` in the models view): every language with done
        articles, in the background."""
        if self.store.readonly:
            self.host.set_status("read-only: looking only, no model is trained")
            return
        if self.running:
            self.host.set_status("a training is under way already (see the right of the status bar)")
            return
        from annotations.nlp.pipelines import base_lang  # a launch trains nothing (issue 20)

        langs = sorted({base_lang(lang) for lang in self.store.models.done_by_lang()})
        if not langs:
            self.host.set_status("no articles marked done yet: a model learns from done articles")
            return
        self.host.set_background(f"training {', '.join(langs)}…")
        self.start(langs)

    def show_models(self) -> None:
        """The models: stock vs new F1 per label, as bars."""
        from .screens.models import ModelsScreen  # a screen a launch never shows (issue 20)

        if not isinstance(self.host.screen, ModelsScreen):
            self.host.push_screen(ModelsScreen())
