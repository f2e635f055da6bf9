"""Importing files into the store: read, check, normalize, store in batches, report.

Each record is checked on its own, so one bad record or file never stops the
others; problems are collected in the :class:`ImportReport` as
``FILE:LINE: reason``. Articles are stored in batches (one transaction each),
so a 100,000-article import is fast and a failure loses at most one batch. A
batch holds the write lock for about SLICE_S (:mod:`annotations.store.slices`), so that
annotators deciding in the app meanwhile never wait longer than that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field

from .config import Config, valid_label
from .formats import Problem, SourceFile, iter_files, read_file
from .formats.checks import check_record
from .formats.problems import excerpt
from .language import guess_lang
from .model import ArticleRecord, ArticleStatus
from .store import RecordError, Store, WriteSlices

BATCH_RECORDS = 500
BATCH_CHARS = 20_000_000  # flush earlier when articles are long, to bound memory
FIRST_SLICE_CHARS = 500_000  # ~30 ms of writing here (3.2 MB of text took 215 ms), before any measure
LEAST_SLICE_CHARS = 10_000


@dataclass
class ImportReport:
    """What an import did: counts, the ids it touched, and every problem and notice."""

    imported: int = 0
    duplicates: int = 0
    spans: int = 0
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    labels_added: list[str] = field(default_factory=list)
    files: int = 0
    uncertain_langs: int = 0  # articles imported with a language guessed from too little text

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        (self.notices if problem.notice else self.problems).append(problem)

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (f"{n(self.imported, 'article')} imported, {self.duplicates} already present, "
                f"{n(self.spans, 'span')}, {n(len(self.problems), 'problem')}, "
                f"{n(len(self.notices), 'notice')}"
                + (f", {n(self.uncertain_langs, 'language')} uncertain (see the notices; --lang sets it)"
                   if self.uncertain_langs else ""))


def import_paths(store: Store, paths: Iterable, *, fmt: str = "auto", lang: str | None = None,
                 strict_labels: bool = False, annotator: str | None = None,
                 on_progress: Callable[[ImportReport], None] | None = None,
                 max_file_size: int | None = None, label_map: dict[str, str] | None = None) -> ImportReport:
    """Import files and folders into ``store``; returns the report (never raises for bad input).

    Spans in the files become ``annotator``'s decisions (default: the store's
    annotator); accepted records mark the article done for them. ``lang``
    overrides detection. Unknown but well-formed labels are added to the
    scheme, or refuse their record with ``strict_labels``. ``on_progress`` is
    called with the report after each batch; raising from it stops the import
    (what was stored stays). A database failure raises StoreError. Only
    regular files up to ``max_file_size`` bytes are read (default: the
    config's ``[import] max_file_size``; 0: no limit); others are one problem each.

    A file's labels are mapped onto the project's first (``--label-map``, over what
    parallax.toml's ``[label_map]`` says; a label of the scheme stays itself unless mapped,
    and one mapped to "" is dropped with a notice): :func:`import_label_map`.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    run = _Run(store, annotator or store.annotator, lang, strict_labels, on_progress,
               store.config.max_file_size if max_file_size is None else max_file_size,
               import_label_map(store, label_map))
    with store.presence.announce("import"), store.loading.bulk_loading():
        for path in paths:
            for item in iter_files(path, fmt):
                if isinstance(item, Problem):
                    run.report.add(item)
                else:
                    run.read(item)
        run.flush()
    return run.report


def scan(paths: Iterable, *, fmt: str = "auto", max_file_size: int = 0) -> ImportReport | None:
    """Read ``paths`` only as far as their first article: None if there is one; else the report
    of why there is none (every problem met), so that ``parallax import`` creates no database
    when nothing can be imported."""
    report = ImportReport()
    for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        for item in iter_files(path, fmt):
            if isinstance(item, Problem):
                report.add(item)
                continue
            report.files += 1
            with closing(read_file(item, max_file_size)) as records:
                for record in records:
                    if isinstance(record, Problem):
                        report.add(record)
                        continue
                    checked, found = check_record(record, item.path)
                    if checked is not None:
                        return None
                    for problem in found:
                        report.add(problem)
    return report


def import_label_map(store: Store, given: dict[str, str] | None) -> dict[str, str]:
    """Outside label -> project label ("" drops it) for an import into ``store``: see
    :func:`label_table`, checked against the store's scheme (:func:`check_label_map`)."""
    table = label_table(store.config, given)
    check_label_map(table, store.labels.names())
    return table


def label_table(config: Config, given: dict[str, str] | None) -> dict[str, str]:
    """The ``[label_map]`` entries written in parallax.toml, then ``given`` (``--label-map``)
    over them. The built-in map (OntoNotes' and WikiNER's names onto the default scheme) is for
    pipelines only: a file's labels change only as the user says."""
    table = {k: v for k, v in config.label_map.items() if k in config.mapped_by_user}
    table.update(given or {})
    return table


def check_label_map(table: dict[str, str], scheme: list[str]) -> None:
    """ValueError naming the first entry that maps onto a label outside ``scheme``."""
    for outside, inside in table.items():
        if inside and inside not in scheme:
            raise ValueError(f"--label-map {outside}={inside}: {inside} is not one of the project's labels "
                             f"({', '.join(scheme)}); map it onto one of them, or write "
                             f"{outside}= to drop it")


def parse_label_map(text: str) -> dict[str, str]:
    """``PER=PERSON,MISC=`` -> {"PER": "PERSON", "MISC": ""}; ValueError says what is wrong."""
    out = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        outside, sep, inside = item.partition("=")
        outside, inside = outside.strip(), inside.strip()
        if not sep or not valid_label(outside) or (inside and not valid_label(inside)):
            raise ValueError(f"{item!r} is not FILE_LABEL=PROJECT_LABEL (e.g. PER=PERSON, or MISC= to drop "
                             "MISC spans)")
        out[outside] = inside
    return out


def import_seeds(store: Store, **options) -> ImportReport:
    """Import the bundled seed articles (a no-op when they are already there)."""
    from seeds import seed_paths

    return import_paths(store, seed_paths(), **options)


class _Run:
    """One import: the batch being built, the label scheme, and the report."""

    def __init__(self, store: Store, annotator: str, lang: str | None, strict: bool,
                 on_progress: Callable[[ImportReport], None] | None, max_bytes: int,
                 label_map: dict[str, str] | None = None):
        self.store, self.annotator, self.lang, self.strict = store, annotator, lang, strict
        self.label_map = label_map or {}
        self.dropped: dict[str, int] = {}  # label mapped to "" -> spans left out
        self.max_bytes = max_bytes
        self.on_progress = on_progress
        self.report = ImportReport()
        self.scheme = set(store.labels.names())
        self.pending_labels: list[str] = []
        self.batch: list[tuple[ArticleRecord, str, int | None]] = []
        self.batch_chars = 0
        # Text per batch that holds the write lock about SLICE_S (annotations.store.slices).
        self.slices = WriteSlices(FIRST_SLICE_CHARS, least=LEAST_SLICE_CHARS, most=BATCH_CHARS)
        self.link_files: set[str] = set()  # files of entity-linking tasks, noted once each
        self.uncertain: dict[int, str] = {}  # id() of a record in the batch -> its uncertain language

    def read(self, source: SourceFile) -> None:
        self.report.files += 1
        if self.store.owns_file(source.path):
            self.report.add(Problem(source.path, None, "is this Parallax database itself (or its -wal or "
                                    "-shm file); it was not read"))
            return
        count = 0
        for item in read_file(source, self.max_bytes):
            if isinstance(item, Problem):
                self.report.add(item)
                continue
            count += 1
            prefix = f"doc {count}: " if item.line is None and source.fmt == "spacy" else ""
            record, found = check_record(item, source.path, prefix)
            for problem in found:
                self.report.add(problem)
            if record is not None and self.label_map:
                self._map_labels(record)
            if record is not None and record.link_task and source.path not in self.link_files:
                self.link_files.add(source.path)
                self.report.add(Problem(source.path, record.line, "entity-linking tasks: their mentions and "
                                        "links are imported, their articles are not marked done (a link "
                                        "says nothing about the other words)", notice=True))
            if record is not None and self._labels_ok(record, source.path, prefix):
                if not (self.lang or record.lang):
                    guess = guess_lang(record.text)
                    record.lang = guess.lang
                    if not guess.sure:
                        self.uncertain[id(record)] = guess.lang
                record.lang = self.lang or record.lang
                self.batch.append((record, source.path, record.line))
                self.batch_chars += len(record.text)
                if len(self.batch) >= BATCH_RECORDS or self.batch_chars >= self.slices.size:
                    self.flush()
        for label, n in sorted(self.dropped.items()):
            self.report.add(Problem(source.path, None, f"{n} span(s) labelled {label} left out (the "
                                    f"label map drops {label})", notice=True))
        self.dropped.clear()
        if self.on_progress:
            self.on_progress(self.report)

    def _map_labels(self, record: ArticleRecord) -> None:
        """The record's spans and suggestions in the project's labels (``--label-map``, [label_map])."""
        for name in ("spans", "suggestions"):
            kept = []
            for span in getattr(record, name):
                label = self.label_map.get(span.label, span.label)
                if not label:
                    self.dropped[span.label] = self.dropped.get(span.label, 0) + 1
                    continue
                span.label = label
                kept.append(span)
            setattr(record, name, kept)

    def _labels_ok(self, record: ArticleRecord, path: str, prefix: str) -> bool:
        if not record.spans and not record.suggestions:
            return True
        used = {s.label for s in [*record.spans, *record.suggestions]}
        new = sorted(used - self.scheme - set(self.pending_labels))
        if not new:
            return True
        shown = ", ".join(new)
        if self.strict:
            self.report.add(Problem(path, record.line, f"{prefix}label {shown} not in the project's "
                                    "scheme (--strict-labels); add it to parallax.toml or drop the option"))
            return False
        for label in new:
            assert valid_label(label)  # checked with the span
            self.pending_labels.append(label)
            self.report.add(Problem(path, record.line, f"{prefix}label {label} is not in the project's "
                                    "scheme; added it (use --strict-labels to refuse such records)",
                                    notice=True))
        return True

    def flush(self) -> None:
        """Store the batch (and the labels it needs) in one transaction."""
        if not self.batch:
            return
        batch, chars, self.batch, self.batch_chars = self.batch, self.batch_chars, [], 0
        try:
            with self.slices.write(self.store) as piece:
                for label in self.pending_labels:
                    if self.store.labels.add(label):
                        self.report.labels_added.append(label)
                results: list[tuple[int, bool] | None] = list(self.store.loading.add_articles(
                    [r for r, _, _ in batch], annotator=self.annotator))
                piece.add(chars)
        except (RecordError, ValueError):
            results = self._one_by_one(batch)
        self.scheme.update(self.pending_labels)
        self.pending_labels = []
        for (record, path, line), result in zip(batch, results, strict=True):
            guessed = self.uncertain.pop(id(record), None)
            if result is None:
                continue
            article_id, created = result
            self.report.article_ids.append(article_id)
            if created:
                self.report.imported += 1
                self.report.spans += len(record.spans)
                if guessed is not None:
                    self.report.uncertain_langs += 1
                    self.report.add(Problem(path, line, f"language uncertain, guessed {guessed} from "
                                            f"{excerpt(' '.join(record.text.split()))}; give --lang to "
                                            "set it", notice=True))
            elif record.link_task:  # one entity-linking task per mention: the links add up
                self.report.duplicates += 1
                if self.store.view.status(article_id, self.annotator) == ArticleStatus.DONE:
                    # Gold changes only by a decision: a done layer is not relinked by a file.
                    self.report.add(Problem(path, line, f"article {article_id} is marked done by "
                                            f"{self.annotator}: its links were not imported (mark it in "
                                            "progress in the app to take them)", notice=True))
                else:
                    self.store.loading.add_links(article_id, record.spans, annotator=self.annotator)
            else:
                self.report.duplicates += 1
                self._note_ignored_spans(record, path, line, article_id)
        if self.on_progress:
            self.on_progress(self.report)

    def _one_by_one(self, batch) -> list[tuple[int, bool] | None]:
        """Retry a failed batch record by record, so one bad record loses only itself."""
        results: list[tuple[int, bool] | None] = []
        for record, path, line in batch:
            try:
                with self.store.write():
                    for label in self.pending_labels:
                        self.store.labels.add(label)
                    results.append(self.store.loading.add_article(record, annotator=self.annotator))
            except (RecordError, ValueError) as exc:
                self.report.add(Problem(path, line, f"could not be stored ({exc})"))
                results.append(None)
        return results

    def _note_ignored_spans(self, record: ArticleRecord, path: str, line: int | None,
                            article_id: int) -> None:
        """A re-imported article keeps what is stored; say so when the file's spans differ."""
        if not record.spans:
            return
        stored = self.store.view.decided_offsets(article_id, self.annotator)
        if stored != {(s.start, s.end, s.label) for s in record.spans}:
            title = excerpt(record.title or record.text.strip().split("\n", 1)[0])
            self.report.add(Problem(path, line, f"article {title} is already stored (id {article_id}) with "
                                    f"other spans; the file's {len(record.spans)} spans were not imported",
                                    notice=True))
