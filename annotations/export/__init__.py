"""Exports: gold spans to spaCy DocBin, Prodigy JSONL, CoNLL IOB2 and Hugging Face files.

:func:`export` is the one entry point (the CLI and the app call it). Which
articles and spans go out is decided in :mod:`.gold`; how spans meet the
tokenizer, and the report of those that do not fit, in :mod:`.align`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Store
from .align import Problem
from .gold import ExportArticle, ExportSpan, select_articles, split_articles

FORMATS = ("spacy", "jsonl", "conll", "hf")
FOLDER_FORMATS = ("spacy", "hf")

__all__ = ["FORMATS", "ExportArticle", "ExportError", "ExportResult", "ExportSpan", "Problem",
           "export", "select_articles", "split_articles"]


class ExportError(ValueError):
    """An export that cannot be written; the message names the path and what to do."""


@dataclass
class ExportResult:
    """What an export wrote: files, article counts per part, spans written, problems."""

    format: str
    files: dict[str, str]
    articles: dict[str, int]
    spans: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def misaligned(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "misaligned"]

    @property
    def overlaps(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "overlap"]


def export(store: Store, fmt: str, output: str | Path, *, split: float = 0.8, seed: int = 0,
           annotator: str | None = None, everything: bool = False) -> ExportResult:
    """Export gold (or, with ``everything``, all) articles to ``output``.

    ``output`` is a folder for spacy and hf, a file for jsonl and conll ("-" is
    standard output). See :mod:`.gold` for the gold and merge rules.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not 0 < split <= 1:
        raise ExportError(f"--split must be a fraction in (0, 1], not {split}")
    output = str(output)
    _check_output(fmt, output)
    articles = select_articles(store, annotator=annotator, everything=everything,
                               every_layer=everything and fmt == "jsonl")
    if not articles:
        raise ExportError(_nothing_message(store, annotator, everything))
    n_spans = sum(1 for a in articles for s in a.spans if fmt == "jsonl" or s.status != "rejected")
    if fmt in FOLDER_FORMATS:
        if fmt == "spacy":
            from .docbin import write_spacy

            out = write_spacy(articles, output, split=split, seed=seed)
        else:
            from .hf import write_hf

            out = write_hf(articles, output, store.labels(), split=split, seed=seed)
        return ExportResult(fmt, out["files"], out["articles"], n_spans, _ordered(out["problems"]))
    if fmt == "jsonl":
        from .jsonl import write_jsonl as writer
    else:
        from .conll import write_conll as writer
    if output == "-":
        out = writer(articles, sys.stdout)
    else:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8", newline="\n") as stream:
            out = writer(articles, stream)
        tmp.replace(path)
    return ExportResult(fmt, {"all": output}, out["articles"], n_spans, _ordered(out["problems"]))


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.article_id, p.start, p.end, p.label))


def _nothing_message(store: Store, annotator: str | None, everything: bool) -> str:
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
