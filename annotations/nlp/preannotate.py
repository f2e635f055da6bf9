"""Pre-annotation: pipeline, rule and memory suggestions for every article.

Callable from the CLI, a thread (the app's worker) or another process: it
opens its own Store in the calling thread. With ``n_process > 1`` worker
processes only run spaCy (:mod:`annotations.nlp.workers`); every read and
write happens here, in the parent. Work is committed per batch and each
article is marked done per pipeline key, so an interrupted run carries on
where it stopped.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from ..model import SpanRecord
from ..store import EVERYONE, SOURCE_PREFIX, Store, WriteSlices
from . import import_spacy
from .memory import MemoryIndex, memory_forms
from .pieces import split_text
from .pipelines import load_pipeline, pipeline_source, resolve_pipelines
from .rules import Pattern, load_patterns, needs_annotations, patterns_digest
from .workers import BatchRunner, RawSpan, run_batches

ProgressFn = Callable[[int, int, str], None]
PIECE_CHARS = 5_000  # a longer article is cut (at a paragraph, line or sentence end) into pieces
BATCH_CHARS = 20_000  # characters a pipeline holds at once, in one nlp.pipe batch
FIRST_SLICE_ROWS = 2_000  # suggestions written in the first transaction, before any measure
LEAST_SLICE_ROWS = 50


@dataclass
class PreannotateReport:
    """What a run did; ``added`` counts new suggestions by origin."""

    articles: int = 0  # articles the pipelines processed in this run
    already_done: int = 0  # skipped: an earlier run with the same pipeline key did them
    memory_articles: int = 0  # articles memory was matched against
    added: dict[str, int] = field(default_factory=lambda: {"model": 0, "rules": 0, "memory": 0})
    pipelines: dict[str, str] = field(default_factory=dict)  # lang -> what served it
    split: int = 0  # articles longer than max_length, processed in pieces
    resuggested: list[int] = field(default_factory=list)  # an adopted model replaced older suggestions
    superseded: int = 0
    stopped: bool = False
    warnings: list[str] = field(default_factory=list)

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
    lang: str
    name: str | None
    key: str
    pending: list[int]


def preannotate(db_path, *, annotator: str | None = None, models: dict[str, str] | None = None,
                patterns: Iterable = (), n_process: int = 1, batch_size: int = 32,
                article_ids: Iterable[int] | None = None, on_progress: ProgressFn | None = None,
                should_stop: Callable[[], bool] | None = None,
                max_length: int | None = None, memory: bool = True) -> PreannotateReport:
    """Suggest entities in the database's articles; see the module docstring.

    ``models`` (language -> pipeline name or path) overrides the config's [models], which
    overrides the models adopted in the database; ``max_length`` lowers the pipelines' piece
    length (for tests); ``memory`` False leaves annotation memory out (re-suggesting). An
    adopted model (source ``parallax en-3``) re-suggests the articles nobody has marked done:
    the older model suggestions there are superseded (:meth:`Loading.resuggest`).
    A bad pattern file or a pipeline that is not installed raises before anything is written.
    """
    if batch_size < 1 or n_process < 1:
        raise ValueError("batch_size and n_process must be at least 1")
    import_spacy()  # before any lazy `from spacy... import` below, which may run in a thread
    store = Store(db_path, annotator=annotator)
    try:
        run = _Run(store, n_process=n_process, batch_size=batch_size, on_progress=on_progress,
                   should_stop=should_stop, max_length=max_length, memory=memory)
        with store.presence.announce("pre-annotation"):
            return run.run(models or {}, list(patterns), article_ids)
    finally:
        store.close()


class _Run:
    def __init__(self, store: Store, *, n_process: int, batch_size: int,
                 on_progress: ProgressFn | None, should_stop: Callable[[], bool] | None,
                 max_length: int | None, memory: bool = True):
        self.store = store
        self.memory = memory
        self.n_process = n_process
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.should_stop = should_stop or (lambda: False)
        self.max_length = max_length
        self.report = PreannotateReport()
        self.slices = WriteSlices(FIRST_SLICE_ROWS, least=LEAST_SLICE_ROWS)
        self.scheme = store.labels.names()
        self.done = 0
        self.total = 0

    # -- planning ------------------------------------------------------------------

    def run(self, models: dict[str, str], pattern_files: list, article_ids) -> PreannotateReport:
        config = self.store.config
        rules = load_patterns(pattern_files, lambda label: config.map_label(label, self.scheme))
        articles = self._articles(article_ids)
        by_lang: dict[str, list[int]] = defaultdict(list)
        for row in articles:
            by_lang[row["lang"]].append(row["id"])
        resolved = resolve_pipelines(sorted(by_lang),
                                     {**self.store.models.adopted_paths(), **config.models, **models})
        plans = []
        for lang, ids in sorted(by_lang.items()):
            name = resolved[lang]
            if name is None and not rules:
                self.report.pipelines[lang] = "no pipeline (memory only)"
                continue
            source = pipeline_source(lang, name)
            key = f"{source} +patterns {patterns_digest(rules)}" if rules else source
            self.report.pipelines[lang] = source + (" + rules" if rules else "")
            done = self.store.loading.preannotated_ids(key)
            pending = [i for i in ids if i not in done]
            self.report.already_done += len(ids) - len(pending)
            plans.append(_Plan(lang, name, key, pending))
        memories = self._memories() if self.memory else {}
        self.total = len(articles) * len(memories) + sum(len(p.pending) for p in plans)
        self._progress("starting")
        for owner, memory in memories.items():
            if not self._stop():
                self._memory_pass(articles, memory, owner)
        for plan in plans:
            if plan.pending and not self.report.stopped and not self._stop():
                self._pipeline_pass(plan, rules)
        return self.report

    def _articles(self, article_ids) -> list[dict]:
        return [{"id": i, "lang": lang} for i, lang in self.store.articles.langs(article_ids)]

    def _texts(self, ids: list[int]) -> dict[int, str]:
        return self.store.articles.texts(ids)

    def _progress(self, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.done, self.total, message)

    def _stop(self) -> bool:
        if self.should_stop():
            self.report.stopped = True
        return self.report.stopped

    # -- memory --------------------------------------------------------------------

    def _memories(self) -> dict[str, MemoryIndex]:
        """Each annotator's annotation memory (owner -> index), or everyone's in one when the
        project shares memory; those with nothing to suggest are left out."""
        owners = [EVERYONE] if self.store.config.memory_shared else self.store.memory.annotators()
        indexes = {owner: MemoryIndex(memory_forms(self.store, owner)) for owner in owners}
        return {owner: index for owner, index in indexes.items() if len(index)}

    def _memory_pass(self, articles: list[dict], memory: MemoryIndex, owner: str) -> None:
        for chunk in _chunks(articles, self.batch_size):
            if self._stop():
                return
            texts = self._texts([row["id"] for row in chunk])
            found = [(row["id"], memory.match(texts[row["id"]], row["lang"]))
                     for row in chunk if row["id"] in texts]
            self._write(((article_id, records, None) for article_id, records in found), owner)
            self.report.memory_articles += len(found)
            self.done += len(chunk)
            self._progress("memory")

    # -- pipelines -----------------------------------------------------------------

    def _pipeline_pass(self, plan: _Plan, rules: list[Pattern]) -> None:
        annotated = needs_annotations(rules)
        self._progress(f"loading {plan.name or 'spacy.blank:' + plan.lang}")  # seconds for a pipeline
        loaded = load_pipeline(plan.lang, plan.name)
        if plan.name is None and annotated:
            self.report.warnings.append(
                f"{plan.lang}: some patterns read tags or lemmas, which the blank pipeline does "
                "not set; they match nothing there")
        if plan.name is not None and not loaded.has_ner:
            self.report.warnings.append(f"{plan.lang}: {loaded.source} has no 'ner' component")
        runner = BatchRunner(plan.lang, plan.name, rules, loaded.disable_for(annotated))
        nlp = loaded.nlp
        limit = min(self.max_length or PIECE_CHARS, nlp.max_length)
        batches = _batches(self._pieces(plan.pending, limit), self.batch_size, BATCH_CHARS)
        # A blank pipeline only tokenizes: not worth a process pool.
        results = run_batches(runner, batches, self.n_process if nlp.pipe_names else 1)
        partial: dict[int, list] = {}
        finished: list[tuple[int, list[SpanRecord]]] = []
        with closing(results):
            for batch in results:
                for (article_id, _offset, count), spans in batch:
                    state = partial.setdefault(article_id, [0, []])
                    state[0] += 1
                    state[1].extend(self._records(spans))
                    if state[0] == count:
                        finished.append((article_id, state[1]))
                        del partial[article_id]
                if len(finished) >= self.batch_size:
                    self._commit(finished, plan.key, loaded.source)
                    finished = []
                    if self._stop():
                        break
        if finished and not self.report.stopped:
            self._commit(finished, plan.key, loaded.source)

    def _pieces(self, ids: list[int], limit: int) -> Iterator[tuple[str, tuple[int, int, int]]]:
        """(piece, (article id, offset, number of pieces)); reads in chunks, each fully consumed."""
        for chunk in _chunks(ids, self.batch_size * 4):
            texts = self._texts(chunk)
            for article_id in chunk:
                if article_id not in texts:
                    continue  # deleted since the run started
                parts = split_text(texts[article_id], limit)
                if len(parts) > 1:
                    self.report.split += 1
                for offset, piece in parts:
                    yield piece, (article_id, offset, len(parts))

    def _records(self, spans: list[RawSpan]) -> list[SpanRecord]:
        """Pipeline and rule spans in project labels; model labels the scheme lacks are left out."""
        out = []
        for start, end, label, origin, source in spans:
            mapped = self.store.config.map_label(label, self.scheme) if origin == "model" else label
            if mapped is not None:
                out.append(SpanRecord(start, end, mapped, origin=origin, source=source))
        return out

    def _commit(self, finished: list[tuple[int, list[SpanRecord]]], key: str, source: str) -> None:
        """The suggestions of a batch, each article marked done for ``key`` with its last ones."""
        if source.startswith(SOURCE_PREFIX):
            finished = self._resuggest(finished, key, source)
        self._write(((article_id, records, key) for article_id, records in finished), EVERYONE)
        self.report.articles += len(finished)
        self.done += len(finished)
        self._progress(source)

    def _resuggest(self, finished: list[tuple[int, list[SpanRecord]]], key: str,
                   source: str) -> list[tuple[int, list[SpanRecord]]]:
        """An adopted model's suggestions in place of older models' in the articles nobody has
        marked done, one transaction each; returns the other articles, to add to as usual."""
        done = self.store.corpus.done_layers()
        rest = []
        for article_id, records in finished:
            if article_id in done:
                rest.append((article_id, records))
                continue
            with self.store.write():
                model = [r for r in records if r.origin == "model"]
                _, superseded = self.store.loading.resuggest(article_id, model, source, pipeline=key)
                for origin, group in _by_origin([r for r in records if r.origin != "model"]):
                    self.report.added[origin] += self.store.loading.add_suggestions(article_id, group)
            self.report.added["model"] += len(model)
            self.report.superseded += superseded
            self.report.resuggested.append(article_id)
        return rest

    def _write(self, work: Iterable[tuple[int, list[SpanRecord], str | None]], owner: str) -> None:
        """Store suggestions in transactions that hold the write lock about SLICE_S each, so that
        an annotator's decision never waits long (:mod:`annotations.store.slices`).

        ``work`` is (article id, suggestions, pipeline key or None). A long article's suggestions
        may take several transactions; it is marked done for the pipeline with its last ones, so
        a run stopped in between adds the rest next time (what is stored already is kept).
        """
        queue = deque(work)
        while queue:
            with self.slices.write(self.store) as piece:
                while queue and not piece.full:
                    article_id, records, key = queue[0]
                    room = max(piece.size - piece.units, 1)
                    part, rest = records[:room], records[room:]
                    for origin, group in _by_origin(part):
                        self.report.added[origin] += self.store.loading.add_suggestions(
                            article_id, group, annotator=owner)
                    if rest:
                        queue[0] = (article_id, rest, key)
                    else:
                        queue.popleft()
                        if key is not None:
                            self.store.loading.add_suggestions(article_id, [], pipeline=key)
                    piece.add(max(len(part), 1))


def _by_origin(records: list[SpanRecord]) -> list[tuple[str, list[SpanRecord]]]:
    """The records grouped by origin (model, rules, memory), in first-seen order."""
    groups: dict[str, list[SpanRecord]] = defaultdict(list)
    for record in records:
        groups[record.origin].append(record)
    return list(groups.items())


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _batches(pieces: Iterable[tuple[str, tuple]], size: int, chars: int) -> Iterator[list]:
    """Pieces in batches of at most ``size`` pieces and about ``chars`` characters.

    A pipeline's memory follows the text it holds at once, not the number of documents: a
    1 MB article cut in 32 pieces of 30,000 characters took 3 GB, paragraph-sized batches
    of the same text ~200 MB (BENCHMARKS.md, pre-annotation).
    """
    batch: list = []
    held = 0
    for item in pieces:
        if batch and (len(batch) >= size or held + len(item[0]) > chars):
            yield batch
            batch, held = [], 0
        batch.append(item)
        held += len(item[0])
    if batch:
        yield batch
