"""Running a pipeline over batches of text pieces, here or in worker processes.

Each batch goes through ``nlp.pipe(..., as_tuples=True)`` and comes back as
plain span tuples, so nothing but text and numbers crosses a process boundary.
Worker processes are our own pool rather than spaCy's ``n_process``: a run
that stops early (Ctrl-C, ``should_stop``) must be able to end its workers, and
spaCy's workers block forever on a full pipe once the parent stops reading.
The pool is created before any batch is read, so no SQLite cursor is open when
it forks, and the workers never see the database.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Generator, Iterable
from dataclasses import dataclass

from .pipelines import load_pipeline
from .rules import Pattern, RuleMatcher, needs_annotations

# (start, end, pipeline label, origin, source), offsets into the whole article
RawSpan = tuple[int, int, str, str, str]
# (piece text, (article id, piece offset, number of pieces))
Piece = tuple[str, tuple[int, int, int]]


class BatchRunner:
    """One pipeline plus its rules, applied to a batch of pieces."""

    def __init__(self, lang: str, name: str | None, patterns: list[Pattern], disable: tuple[str, ...]):
        self.loaded = load_pipeline(lang, name)
        self.matcher = RuleMatcher(self.loaded.nlp, patterns) if patterns else None
        self.disable = list(disable)

    @classmethod
    def for_patterns(cls, lang: str, name: str | None, patterns: list[Pattern]) -> BatchRunner:
        """The runner a pre-annotation uses, here or on a cluster worker: the components NER does
        not read are off, unless a pattern reads tags or lemmas."""
        loaded = load_pipeline(lang, name)
        return cls(lang, name, patterns, loaded.disable_for(needs_annotations(patterns)))

    def __call__(self, batch: list[Piece]) -> list[tuple[tuple[int, int, int], list[RawSpan]]]:
        out = []
        source = self.loaded.source
        for doc, context in self.loaded.nlp.pipe(batch, as_tuples=True, batch_size=max(len(batch), 1),
                                                 disable=self.disable):
            offset = context[1]
            spans: list[RawSpan] = []
            for ent in doc.ents:
                surface = ent.text  # models do end an entity on "\n" now and then: trim it
                start = ent.start_char + len(surface) - len(surface.lstrip())
                end = ent.end_char - (len(surface) - len(surface.rstrip()))
                if end > start:
                    spans.append((offset + start, offset + end, ent.label_, "model", source))
            if self.matcher is not None:
                spans.extend((r.start, r.end, r.label, "rules", r.source or "")
                             for r in self.matcher(doc, offset))
            out.append((context, spans))
        return out


@dataclass(frozen=True)
class PipelineJob:
    """What a pipeline pass asks of whoever runs its batches (plain data: it travels to workers)."""

    lang: str
    name: str | None  # package name or path; None for spaCy's blank tokenizer
    patterns: tuple[Pattern, ...] = ()

    def runner(self) -> BatchRunner:
        return BatchRunner.for_patterns(self.lang, self.name, list(self.patterns))


_runner: BatchRunner | None = None


def _init_worker(lang: str, name: str | None, patterns: list[Pattern], disable: tuple[str, ...]) -> None:
    global _runner
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it ends the pool
    _runner = BatchRunner(lang, name, patterns, disable)  # a forked worker finds it already loaded


def _work(batch: list[Piece]):
    assert _runner is not None
    return _runner(batch)


def run_batches(runner: BatchRunner, batches: Iterable[list[Piece]], n_process: int = 1,
                ) -> Generator[list[tuple[tuple[int, int, int], list[RawSpan]]], None, None]:
    """Results batch by batch, in order. Closing the iterator early ends the workers at once.

    ``batches`` is read in the calling thread only (it may read the database).
    """
    if n_process <= 1:
        for batch in batches:
            yield runner(batch)
        return
    loaded = runner.loaded
    patterns = runner.matcher.patterns if runner.matcher is not None else []
    with multiprocessing.get_context().Pool(
            n_process, initializer=_init_worker,
            initargs=(loaded.lang, loaded.name, patterns, tuple(runner.disable))) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.apply_async(_work, (batch,)))
            if len(pending) > n_process:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
