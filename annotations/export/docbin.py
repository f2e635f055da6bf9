"""spaCy training data: ``train.spacy`` and ``dev.spacy`` (DocBin) in one folder.

Each article is one Doc made with the blank tokenizer of its language.
``doc.ents`` holds the spans that fit the tokens (overlaps resolved like
``filter_spans``), ``doc.spans["sc"]`` every span that fits (overlaps kept),
and a span that does not fit leaves its tokens *missing* rather than "O".
Entity links are in ``kb_id``; ``doc.user_data`` carries the article id and title.
"""

from __future__ import annotations

from pathlib import Path

from .align import (
    Placed,
    Problem,
    choose_entities,
    make_doc,
    misaligned_problem,
    overlap_problem,
    place_spans,
)
from .gold import ExportArticle, split_articles

SPANS_KEY = "sc"


def article_doc(item: ExportArticle):
    """The training Doc for one article, and the problems met building it."""
    from spacy.tokens import Span as SpacySpan

    doc = make_doc(item)
    placed = place_spans(item, doc)
    exact = [p.span for p in placed if p.span is not None]
    kept, dropped = choose_entities(doc, exact)
    problems = [overlap_problem(item, d, kept, f"kept in doc.spans[{SPANS_KEY!r}] only") for d in dropped]
    covered = {i for ent in kept for i in range(ent.start, ent.end)}
    unknown: set[int] = set()
    for p in placed:
        if p.span is not None:
            continue
        problems.append(misaligned_problem(item, p, _missing_action(p)))
        if p.snapped is not None:
            unknown.update(i for i in range(p.snapped.start, p.snapped.end) if i not in covered)
    missing = [SpacySpan(doc, start, end) for start, end in _runs(sorted(unknown))]
    doc.set_ents(kept, missing=missing)
    doc.spans[SPANS_KEY] = exact
    doc.user_data["parallax_article_id"] = item.article.id
    doc.user_data["parallax_title"] = item.article.title
    if item.annotator:
        doc.user_data["parallax_annotator"] = item.annotator
    return doc, problems


def write_spacy(articles: list[ExportArticle], folder: str | Path, *, split: float = 0.8,
                seed: int = 0) -> dict:
    """Write train.spacy and dev.spacy; return counts, file paths and problems."""
    from spacy.tokens import DocBin

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train, dev = split_articles(articles, split, seed)
    problems: list[Problem] = []
    files = {}
    for name, part in (("train", train), ("dev", dev)):
        docbin = DocBin(store_user_data=True)
        for item in part:
            doc, found = article_doc(item)
            docbin.add(doc)
            problems += found
        path = folder / f"{name}.spacy"
        docbin.to_disk(path)
        files[name] = str(path)
    return {"files": files, "articles": {"train": len(train), "dev": len(dev)}, "problems": problems}


def _missing_action(p: Placed) -> str:
    if p.snapped is None:
        return "left out (no token to mark)"
    return f"tokens {p.snapped.text!r} marked missing (unknown), not O"


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 6), (9, 10)]"""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
