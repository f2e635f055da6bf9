"""How unsure a pipeline is about an article: the "most useful next" order (issue 17 §6).

The recognizer is run as a beam search (spaCy's ``beam_parse`` on its own greedy model, which
scores every transition): each entity it might find gets the probability mass of the parses that
contain it, in the project's labels. An entity found with probability p adds min(p, 1 - p): 0 for
one it is sure of (either way), 0.5 for a coin toss. An article's uncertainty is the sum, so an
article with many doubtful names comes first. Measured against file order in BENCHMARKS.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .pieces import split_text
from .pipelines import load_pipeline

BEAM_WIDTH = 8
PIECE_CHARS = 5_000


def uncertainty(lang: str, name: str | None, texts: dict[int, str],
                map_label: Callable[[str], str | None], batch_size: int = 16) -> dict[int, float]:
    """article id -> the pipeline's uncertainty about its entities (0 with no recognizer)."""
    loaded = load_pipeline(lang, name)
    nlp = loaded.nlp
    out = dict.fromkeys(texts, 0.0)
    ner_names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "ner"]
    if not ner_names:
        return out
    ner: Any = nlp.get_pipe(ner_names[0])  # an EntityRecognizer: beam_parse, moves
    before = [n for n in nlp.pipe_names if n != ner_names[0] and n not in loaded.ner_disable]
    pieces = [(piece, article_id) for article_id, text in texts.items()
              for _, piece in split_text(text, PIECE_CHARS)]
    disable = [n for n in nlp.pipe_names if n not in before]
    for lo in range(0, len(pieces), batch_size):
        batch = pieces[lo:lo + batch_size]
        docs = [doc for doc, _ in nlp.pipe(batch, as_tuples=True, disable=disable)]
        beams = ner.beam_parse(docs, beam_width=BEAM_WIDTH, beam_density=0.0001)
        for (_, article_id), beam in zip(batch, beams, strict=True):
            mass: dict[tuple[int, int, str], float] = defaultdict(float)
            for probability, entities in ner.moves.get_beam_parses(beam):
                for start, end, label in entities:
                    mapped = map_label(label)
                    if mapped is not None:
                        mass[(start, end, mapped)] += probability
            out[article_id] += sum(min(p, 1.0 - p) for p in mass.values())
    return out
