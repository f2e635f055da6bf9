"""Exports: gold spans to spaCy DocBin, Prodigy JSONL, CoNLL IOB2 and Hugging Face files.

:func:`export` is the one entry point (the CLI and the app call it). Which
articles and spans go out is decided in :mod:`.gold`; how spans meet the
tokenizer, and the report of those that do not fit, in :mod:`.align`; how
files are written all or nothing, in :mod:`.files`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParallaxError
from ..formats.jsonl import LANG_RE
from ..store import Store
from .align import Problem
from .files import Outputs
from .gold import ExportArticle, ExportSpan, select_articles, split_articles

FORMATS = ("spacy", "jsonl", "conll", "hf", "kb")
FOLDER_FORMATS = ("spacy", "hf", "kb")

__all__ = ["FORMATS", "ExportArticle", "ExportError", "ExportResult", "ExportSpan", "Problem",
           "export", "select_articles", "split_articles"]


class ExportError(ParallaxError, ValueError):
    """An export that cannot be written; the message names the path and what to do."""


@dataclass
class ExportResult:
    """What an export wrote: files, article counts per part, spans written, problems.

    ``undecided`` counts the undecided suggestions of done articles, written as
    unknown; ``languages`` has the article counts per language for spacy and hf.
    """

    format: str
    files: dict[str, str]
    articles: dict[str, int]
    spans: int
    problems: list[Problem] = field(default_factory=list)
    undecided: int = 0
    languages: dict[str, dict[str, int]] = field(default_factory=dict)
    kb: dict = field(default_factory=dict)  # --format kb: entity and alias counts, how vectors were made

    @property
    def misaligned(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "misaligned"]

    @property
    def overlaps(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "overlap"]


def export(store: Store, fmt: str, output: str | Path, *, split: float = 0.8, seed: int = 0,
           annotator: str | None = None, everything: bool = False, lang: str | None = None,
           vectors: str | None = None) -> ExportResult:
    """Export gold (or, with ``everything``, all) articles to ``output``; only ``lang``'s when given.

    ``output`` is a folder for spacy and hf, which write one corpus per language
    in ``output/LANG/``; a file for jsonl and conll ("-" is standard output).
    See :mod:`.gold` for the gold and merge rules. Files are written all or
    nothing (:mod:`.files`); an error names the user's path. A damaged database
    raises StoreDamaged before anything is written.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not 0 < split <= 1:
        raise ExportError(f"--split must be a fraction in (0, 1], not {split}")
    output = str(output)
    _check_output(fmt, output)
    # Training data from a damaged file could silently lack what a damaged page held: read
    # every page first (once per process; about 1.5 s at 100,000 articles, BENCHMARKS.md).
    store.ensure_sound()
    if fmt == "kb":  # the entities, not the articles (kb.py); ``vectors``: a pipeline with word vectors
        return _write_kb(store, output, vectors)
    articles = select_articles(store, annotator=annotator, everything=everything,
                               every_layer=everything and fmt == "jsonl", lang=lang)
    if not articles:
        raise ExportError(_nothing_message(store, annotator, everything, lang))
    n_spans = sum(1 for a in articles for s in a.spans if fmt == "jsonl" or s.status != "rejected")
    undecided = sum(len(a.undecided or ()) for a in articles)
    outputs = Outputs(protected=store.owns_file)
    try:
        with outputs:
            if fmt in FOLDER_FORMATS:
                out = _write_folders(store, fmt, articles, Path(output), outputs, split=split, seed=seed)
            else:
                out = _write_file(fmt, articles, output, outputs)
    except OSError as exc:
        where = outputs.user_path(exc.filename, output)
        raise ExportError(f"{where}: cannot write the export ({exc.strerror or exc}); nothing was written. "
                          "Check the path, its permissions and the free space") from exc
    return ExportResult(fmt, out["files"], out["articles"], n_spans, _ordered(out["problems"]),
                        undecided, out.get("languages", {}))


def _write_folders(store: Store, fmt: str, articles: list[ExportArticle], root: Path, outputs: Outputs, *,
                   split: float, seed: int) -> dict:
    """One corpus per language, ``root/LANG/``: an English pipeline never trains on French text."""
    writer: Callable[..., dict]
    if fmt == "spacy":
        from .docbin import write_spacy

        writer = write_spacy
    else:
        from .hf import write_hf

        labels = store.labels.names()

        def writer(group, folder, *, split, seed, outputs):
            return write_hf(group, folder, labels, split=split, seed=seed, outputs=outputs)
    by_lang: dict[str, list[ExportArticle]] = {}
    for item in articles:
        by_lang.setdefault(language_folder(item.article.lang), []).append(item)
    files: dict[str, str] = {}
    counts = {"train": 0, "dev": 0}
    languages: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    for code in sorted(by_lang):
        part = writer(by_lang[code], root / code, split=split, seed=seed, outputs=outputs)
        files.update({f"{code}/{name}": path for name, path in part["files"].items()})
        languages[code] = part["articles"]
        counts = {k: counts[k] + part["articles"][k] for k in counts}
        problems += part["problems"]
    return {"files": files, "articles": counts, "problems": problems, "languages": languages}


def _write_kb(store: Store, output: str, vectors: str | None) -> ExportResult:
    from .kb import write_kb

    outputs = Outputs(protected=store.owns_file)
    try:
        with outputs:
            out = write_kb(store, output, outputs, vectors=vectors)
    except OSError as exc:
        where = outputs.user_path(exc.filename, output)
        raise ExportError(f"{where}: cannot write the knowledge base ({exc.strerror or exc}); nothing was "
                          "written. Check the path, its permissions and the free space") from exc
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    return ExportResult("kb", out["files"], {"all": 0}, 0,
                        kb={k: out[k] for k in ("entities", "aliases", "meta")})


def _write_file(fmt: str, articles: list[ExportArticle], output: str, outputs: Outputs) -> dict:
    if fmt == "jsonl":
        from .jsonl import write_jsonl as writer
    else:
        from .conll import write_conll as writer
    if output == "-":
        out = writer(articles, sys.stdout)
    else:
        with outputs.file(output).open("w", encoding="utf-8", newline="\n") as stream:
            out = writer(articles, stream)
    return {**out, "files": {"all": output}}


def language_folder(lang: str) -> str:
    """The subfolder of a language's corpus: its code (``en``, ``pt-BR``), or ``xx`` if it is not one."""
    return lang if LANG_RE.match(lang or "") else "xx"


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.article_id, p.start, p.end, p.label))


def _nothing_message(store: Store, annotator: str | None, everything: bool, lang: str | None) -> str:
    if lang is not None and store.articles.ids(lang=lang) != store.articles.ids():
        langs = ", ".join(store.articles.languages()) or "none"
        state = "" if everything else " marked done"
        return (f"{store.path}: no article in {lang!r}{state}{f' by {annotator!r}' if annotator else ''}; "
                f"the languages stored are: {langs}")
    if everything:
        return f"{store.path}: the database has no articles; import some first (parallax import FILE)"
    who = f" by {annotator!r}" if annotator else ""
    return (f"{store.path}: no article is marked done{who}, so there is no gold data yet. Mark articles "
            "done in the app, or pass --all to export every article with its best-available spans")


def _check_output(fmt: str, output: str) -> None:
    path = Path(output)
    if fmt in FOLDER_FORMATS:
        if output == "-":
            raise ExportError(f"--format {fmt} writes a folder; give a folder path, not '-'")
        if path.exists() and not path.is_dir():
            raise ExportError(f"{output}: is a file, but --format {fmt} writes a folder "
                              f"(train/dev files); give a folder path")
    elif output != "-" and path.is_dir():
        raise ExportError(f"{output}: is a folder, but --format {fmt} writes one file; give a file path")
