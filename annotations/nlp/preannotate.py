"""Pre-annotation: pipeline, rule and memory suggestions for every article.

Callable from the CLI, a thread (the app's worker) or another process: it opens its own
Store in the calling thread. The batches run where the engine puts them (:mod:`.engines`):
here, in a local process pool (``n_process > 1``) or on a Dask cluster (``cluster=``);
every read and write happens here, through the one :class:`~.writer.SuggestionWriter`. The
articles are read a page at a time and only a bounded number of batches is out at once, so
memory stays flat however big the corpus. Work is committed per batch and each article is
marked done per pipeline key, so an interrupted run carries on where it stopped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

from ..model import EVERY_ARTICLE, ArticleRange, Origin, SpanRecord
from ..store import EVERYONE, SOURCE_PREFIX, Store
from ..tokenizers import import_spacy
from .engines import ClusterError, Engine, Job, LocalEngine
from .memory import MemoryJob, memory_forms
from .pieces import split_text
from .pipelines import is_installed, pipeline_source, resolve_pipelines
from .rules import load_patterns, needs_annotations, patterns_digest
from .workers import PipelineJob, RawSpan
from .writer import SuggestionWriter, by_origin

ProgressFn = Callable[[int, int, str], None]
PIECE_CHARS = 5_000  # a longer article is cut (at a paragraph, line or sentence end) into pieces
BATCH_CHARS = 20_000  # characters a pipeline holds at once, in one nlp.pipe batch
PAGE = 1_000  # article ids read at once


@dataclass
class PreannotateReport:
    """What a run did; ``added`` counts new suggestions by origin."""

    articles: int = 0  # articles the pipelines processed in this run
    already_done: int = 0  # skipped: an earlier run with the same pipeline key did them
    memory_articles: int = 0  # articles memory was matched against
    added: dict[str, int] = field(default_factory=lambda: {"model": 0, "rules": 0, "memory": 0})
    pipelines: dict[str, str] = field(default_factory=dict)  # lang -> what served it
    split: int = 0  # articles longer than max_length, processed in pieces
    stopped: bool = False
    warnings: list[str] = field(default_factory=list)
    resuggested: list[int] = field(default_factory=list)  # an adopted model replaced older suggestions
    superseded: int = 0

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f"{lang}: {what}" for lang, what in sorted(self.pipelines.items())]
        lines.append(f"articles pre-annotated: {self.articles} (already done: {self.already_done}"
                     + (f", split into pieces: {self.split}" if self.split else "") + ")")
        lines.append("suggestions added: " + ", ".join(f"{k} {v}" for k, v in self.added.items()))
        if self.resuggested:
            lines.append(f"re-suggested by an adopted model: {len(self.resuggested)} article(s), "
                         f"{self.superseded} older model suggestion(s) superseded")
        if self.stopped:
            lines.append("stopped before the end; run again to carry on")
        return "\n".join(lines)


@dataclass
class _Plan:
    job: PipelineJob
    key: str  # what the run resumes by: the pipeline's "NAME VERSION" (+ the patterns' digest)
    pending: int


def preannotate(db_path, *, annotator: str | None = None, models: dict[str, str] | None = None,
                patterns: Iterable = (), n_process: int = 1, batch_size: int = 32,
                article_ids: Iterable[int] | None = None, within: ArticleRange = EVERY_ARTICLE,
                cluster: str | None = None, on_progress: ProgressFn | None = None,
                should_stop: Callable[[], bool] | None = None,
                max_length: int | None = None, memory: bool = True) -> PreannotateReport:
    """Suggest entities in the database's articles; see the module docstring.

    ``article_ids`` and ``within`` (an id range) narrow the articles; ``cluster`` is
    ``local[:N]`` or a Dask scheduler's address (``tcp://HOST:PORT``). ``models`` (language ->
    pipeline name or path) overrides the config's [models], which overrides the models adopted in
    the database; ``max_length`` lowers the pipelines' piece length (for tests); ``memory`` False
    leaves annotation memory out (re-suggesting). An adopted model (source ``parallax en-3``)
    re-suggests the articles nobody has marked done: the older model suggestions there are
    superseded (:meth:`Loading.resuggest`). A bad pattern file, a pipeline that is not installed (here or on a
    cluster's worker) or a cluster that cannot be reached raises before anything is written.
    """
    if batch_size < 1 or n_process < 1:
        raise ValueError("batch_size and n_process must be at least 1")
    import_spacy()  # before any lazy `from spacy... import` below, which may run in a thread
    store = Store(db_path, annotator=annotator)
    try:
        run = _Run(store, batch_size=batch_size, on_progress=on_progress, should_stop=should_stop,
                   max_length=max_length, selection=_Selection(store, article_ids, within),
                   memory=memory)
        plans, memories = run.plan(models or {}, list(patterns))
        if not memories and not any(plan.pending for plan in plans):
            return run.report  # nothing to do: no cluster started, nothing written
        with open_engine(cluster, n_process) as engine:
            with store.presence.announce("pre-annotation"):
                return run.run(engine, plans, memories)
    finally:
        store.close()


class _Selection:
    """The articles a run covers (the given ids, else every article), within an id range; read a
    page at a time, each page read to its end before anything is written."""

    def __init__(self, store: Store, ids: Iterable[int] | None, within: ArticleRange):
        self.store = store
        self.ids = None if ids is None else sorted({int(i) for i in ids if int(i) in within})
        self.within = within

    def pages(self, lang: str | None = None) -> Iterator[list[tuple[int, str]]]:
        """(id, language) of the articles (of one language), a page at a time, in id order."""
        if self.ids is not None:
            for chunk in _chunks(self.ids, PAGE):
                rows = self.store.articles.langs(chunk)
                yield [row for row in rows if lang is None or row[1] == lang]
            return
        after = 0
        while page := self.store.articles.page(after, PAGE, lang=lang, within=self.within):
            yield page
            after = page[-1][0]

    def counts(self) -> dict[str, int]:
        """language -> number of articles."""
        if self.ids is None:
            return self.store.articles.lang_counts(self.within)
        counts: dict[str, int] = defaultdict(int)
        for page in self.pages():
            for _, lang in page:
                counts[lang] += 1
        return dict(counts)

    def done(self, key: str, lang: str) -> int:
        """How many of the language's articles the pipeline key has already done."""
        if self.ids is None:
            return self.store.loading.preannotated_count(key, lang, self.within)
        return sum(len(self.store.loading.preannotated_among(key, [i for i, _ in page]))
                   for page in self.pages(lang))

    def pending(self, key: str, lang: str) -> Iterator[int]:
        """The language's article ids the pipeline key has not done yet."""
        for page in self.pages(lang):
            done = self.store.loading.preannotated_among(key, [i for i, _ in page])
            yield from (i for i, _ in page if i not in done)


class _Run:
    def __init__(self, store: Store, *, batch_size: int, on_progress: ProgressFn | None,
                 should_stop: Callable[[], bool] | None, max_length: int | None, selection: _Selection,
                 memory: bool = True):
        self.store = store
        self.memory = memory
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.should_stop = should_stop or (lambda: False)
        self.max_length = max_length
        self.selection = selection
        self.report = PreannotateReport()
        self.writer = SuggestionWriter(store)
        self.report.added = self.writer.added
        self.scheme = store.labels.names()
        self.engine: Engine | None = None
        self.done = 0
        self.total = 0

    def plan(self, models: dict[str, str], pattern_files: list) -> tuple[list[_Plan], dict[str, MemoryJob]]:
        """What the run will do, checked before anything is written: bad patterns or a missing
        pipeline raise here."""
        config = self.store.config
        rules = load_patterns(pattern_files, lambda label: config.map_label(label, self.scheme))
        counts = self.selection.counts()
        resolved = resolve_pipelines(sorted(counts),
                                     {**self.store.models.adopted_paths(), **config.models, **models})
        plans = []
        for lang in sorted(counts):
            name = resolved[lang]
            if name is None and not rules:
                self.report.pipelines[lang] = "no pipeline (memory only)"
                continue
            source = pipeline_source(lang, name)
            key = f"{source} +patterns {patterns_digest(rules)}" if rules else source
            self.report.pipelines[lang] = source + (" + rules" if rules else "")
            done = self.selection.done(key, lang)
            self.report.already_done += done
            plans.append(_Plan(PipelineJob(lang, name, tuple(rules)), key, counts[lang] - done))
            if name is None and needs_annotations(rules):
                self.report.warnings.append(
                    f"{lang}: some patterns read tags or lemmas, which the blank pipeline does not set; "
                    "they match nothing there")
        memories = self._memories() if self.memory else {}
        self.total = sum(counts.values()) * len(memories) + sum(p.pending for p in plans)
        return plans, memories

    def run(self, engine: Engine, plans: list[_Plan], memories: dict[str, MemoryJob]) -> PreannotateReport:
        self.engine = engine
        jobs: list[Job] = [*memories.values(), *(p.job for p in plans if p.pending)]
        engine.prepare(jobs)
        self.report.warnings += engine.warnings
        self._progress("starting")
        for owner, memory in memories.items():
            if not self._stop():
                self._memory_pass(memory, owner)
        for plan in plans:
            if plan.pending and not self._stop():
                self._pipeline_pass(plan)
        return self.report

    def _progress(self, message: str) -> None:
        if self.on_progress is not None:
            where = self.engine.describe() if self.engine is not None else ""
            self.on_progress(self.done, self.total, f"{message} · {where}" if where else message)

    def _stop(self) -> bool:
        if self.should_stop():
            self.report.stopped = True
        return self.report.stopped

    def _texts(self, ids: Iterable[int]) -> Iterator[tuple[int, str]]:
        """(id, text) of the given ids, read a few batches at a time (deleted ones left out)."""
        for chunk in _chunks(ids, self.batch_size * 4):
            texts = self.store.articles.texts(chunk)
            yield from ((i, texts[i]) for i in chunk if i in texts)

    # -- memory --------------------------------------------------------------------

    def _memories(self) -> dict[str, MemoryJob]:
        """Each annotator's annotation memory (owner -> job), or everyone's in one when the
        project shares memory; those with nothing to suggest are left out."""
        owners = [EVERYONE] if self.store.config.memory_shared else self.store.memory.annotators()
        jobs = {owner: MemoryJob(tuple(memory_forms(self.store, owner))) for owner in owners}
        return {owner: job for owner, job in jobs.items() if job.forms}

    def _memory_pass(self, job: MemoryJob, owner: str) -> None:
        assert self.engine is not None
        langs: dict[int, str] = {}

        def items() -> Iterator[tuple[str, tuple[int, str]]]:
            for page in self.selection.pages():
                langs.update(page)
                for article_id, text in self._texts([i for i, _ in page]):
                    yield text, (article_id, langs.pop(article_id))
                langs.clear()

        results = self.engine.results(job, _batches(items(), self.batch_size, BATCH_CHARS))
        with closing(results), self._flushing():
            for batch in results:
                self.writer.write(((article_id, records, None) for (article_id, _), records in batch), owner,
                                  flush=False)
                self.report.memory_articles += len(batch)
                self.done += len(batch)
                self._progress("memory")
                if self._stop():
                    return

    # -- pipelines -----------------------------------------------------------------

    def _pipeline_pass(self, plan: _Plan) -> None:
        assert self.engine is not None
        # Loading a pipeline takes seconds: say which one (a cluster's workers load it too).
        self._progress(f"loading {plan.job.name or 'spacy.blank:' + plan.job.lang}")
        info = self.engine.pipeline(plan.job)
        if plan.job.name is not None and not info.has_ner:
            self.report.warnings.append(f"{plan.job.lang}: {info.source} has no 'ner' component")
        limit = min(self.max_length or PIECE_CHARS, info.max_length)
        pieces = self._pieces(self.selection.pending(plan.key, plan.job.lang), limit)
        partial: dict[int, dict[int, list[SpanRecord]]] = {}  # article id -> piece offset -> records
        finished: list[tuple[int, list[SpanRecord], str | None]] = []
        results = self.engine.results(plan.job, _batches(pieces, self.batch_size, BATCH_CHARS))
        with closing(results), self._flushing():
            for batch in results:
                for (article_id, offset, count), spans in batch:
                    got = partial.setdefault(article_id, {})
                    got[offset] = self._records(spans)
                    if len(got) == count:  # pieces may come back in any order: put them in text order
                        finished.append((article_id, [r for o in sorted(got) for r in got[o]], plan.key))
                        del partial[article_id]
                if len(finished) >= self.batch_size:
                    self._commit(finished, info.source)
                    finished = []
                    if self._stop():
                        break
            if finished:
                self._commit(finished, info.source)

    @contextmanager
    def _flushing(self) -> Iterator[None]:
        """Whatever a pass leaves waiting in the writer is written when it ends, Ctrl-C included:
        the work is done, and writing it takes one short slice."""
        try:
            yield
        finally:
            self.writer.flush()

    def _pieces(self, ids: Iterable[int], limit: int) -> Iterator[tuple[str, tuple[int, int, int]]]:
        """(piece, (article id, offset, number of pieces)) of each article, in id order."""
        for article_id, text in self._texts(ids):
            parts = split_text(text, limit)
            if len(parts) > 1:
                self.report.split += 1
            for offset, piece in parts:
                yield piece, (article_id, offset, len(parts))

    def _records(self, spans: list[RawSpan]) -> list[SpanRecord]:
        """Pipeline and rule spans in project labels; model labels the scheme lacks are left out."""
        out = []
        for start, end, label, origin, source in spans:
            mapped = self.store.config.map_label(label, self.scheme) if origin == Origin.MODEL else label
            if mapped is not None:
                out.append(SpanRecord(start, end, mapped, origin=origin, source=source))
        return out

    def _commit(self, finished: list[tuple[int, list[SpanRecord], str | None]], source: str) -> None:
        """The suggestions of finished articles, each marked done for its key with its last ones."""
        if source.startswith(SOURCE_PREFIX):
            finished = self._resuggest(finished, source)
        self.writer.write(finished, EVERYONE, flush=False)
        self.report.articles += len(finished)
        self.done += len(finished)
        self._progress(source)

    def _resuggest(self, finished: list[tuple[int, list[SpanRecord], str | None]],
                   source: str) -> list[tuple[int, list[SpanRecord], str | None]]:
        """An adopted model's suggestions in place of older models' in the articles nobody has
        marked done, one transaction each; returns the other articles, to add to as usual."""
        done = self.store.corpus.done_layers()
        rest = []
        for article_id, records, key in finished:
            if article_id in done:
                rest.append((article_id, records, key))
                continue
            with self.store.write():
                model = [r for r in records if r.origin == Origin.MODEL]
                _, superseded = self.store.loading.resuggest(article_id, model, source, pipeline=key)
                for origin, group in by_origin([r for r in records if r.origin != Origin.MODEL]):
                    self.writer.added[origin] += self.store.loading.add_suggestions(article_id, group)
            self.writer.added["model"] += len(model)
            self.report.superseded += superseded
            self.report.resuggested.append(article_id)
        return rest


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _batches(items: Iterable[tuple[str, tuple]], size: int, chars: int) -> Iterator[list]:
    """Texts with their context in batches of at most ``size`` and about ``chars`` characters.

    A pipeline's memory follows the text it holds at once, not the number of documents: a
    1 MB article cut in 32 pieces of 30,000 characters took 3 GB, paragraph-sized batches
    of the same text ~200 MB (BENCHMARKS.md, pre-annotation).
    """
    batch: list = []
    held = 0
    for item in items:
        if batch and (len(batch) >= size or held + len(item[0]) > chars):
            yield batch
            batch, held = [], 0
        batch.append(item)
        held += len(item[0])
    if batch:
        yield batch


@contextmanager
def open_engine(cluster: str | None, n_process: int = 1, **options) -> Iterator[Engine]:
    """The engine a run uses: ``cluster`` is None (this machine), ``local[:N]`` (a Dask cluster
    started here and closed at the end) or a scheduler's address (``tcp://HOST:PORT``)."""
    if cluster is None:
        yield LocalEngine(n_process)
        return
    if not is_installed("distributed"):
        raise ClusterError("--cluster needs Dask (dask.distributed), which is not installed here: "
                           "pip install 'parallax-ner[cluster]'")
    from .cluster import ClusterEngine, connect

    with connect(cluster, **options) as client:
        engine = ClusterEngine(client)
        try:
            yield engine
        finally:
            engine.close()
