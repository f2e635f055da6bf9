"""How well a pipeline's suggestions match the gold of some articles, in the project's labels.

A pipeline is run as pre-annotation runs it (:class:`~.workers.BatchRunner`: pieces of long
articles, entities trimmed of whitespace) and its labels are mapped onto the project's scheme
as suggestions are (``[label_map]``; a label the scheme lacks is dropped). The gold is the
export's: each article's training Doc (:func:`annotations.export.docbin.article_doc`), whose
undecided suggestions are missing tokens. Scores are spaCy's own (:func:`spacy.scorer.get_ner_prf`,
what ``spacy train`` reports): an exact match of start, end and label is right, a prediction on a
missing token is neither right nor wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..export.docbin import article_doc
from ..export.gold import ExportArticle
from .pieces import split_text
from .preannotate import PIECE_CHARS
from .workers import BatchRunner

MapLabel = Callable[[str], "str | None"]
PredictedSpan = tuple[int, int, str]  # start, end, project label


@dataclass
class Scores:
    """Exact-match precision, recall and F1, overall and per label, on some articles."""

    articles: int
    precision: float | None
    recall: float | None
    f1: float | None
    by_label: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> p, r, f, gold

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "precision": self.precision, "recall": self.recall,
                "f1": self.f1, "by_label": self.by_label}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scores:
        return cls(data.get("articles", 0), data.get("precision"), data.get("recall"), data.get("f1"),
                   dict(data.get("by_label") or {}))


def predict(lang: str, name: str | None, texts: dict[int, str], map_label: MapLabel,
            batch_size: int = 16) -> dict[int, list[PredictedSpan]]:
    """article id -> the pipeline's entities in project labels, as pre-annotation finds them."""
    runner = BatchRunner(lang, name, [], runner_disable(lang, name))
    pieces = [(piece, (article_id, offset, 0)) for article_id, text in texts.items()
              for offset, piece in split_text(text, PIECE_CHARS)]
    out: dict[int, list[PredictedSpan]] = {article_id: [] for article_id in texts}
    for lo in range(0, len(pieces), batch_size):
        for (article_id, _offset, _), spans in runner(pieces[lo:lo + batch_size]):
            for start, end, label, _origin, _source in spans:
                mapped = map_label(label)
                if mapped is not None:
                    out[article_id].append((start, end, mapped))
    return out


def runner_disable(lang: str, name: str | None) -> tuple[str, ...]:
    from .pipelines import load_pipeline

    return load_pipeline(lang, name).ner_disable


def score(items: Iterable[ExportArticle], predicted: dict[int, list[PredictedSpan]]) -> Scores:
    """spaCy's NER scores of ``predicted`` against the gold of ``items``."""
    from spacy.scorer import get_ner_prf
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import filter_spans

    examples = []
    gold_counts: Counter[str] = Counter()
    for item in items:
        reference, _problems = article_doc(item)
        gold_counts.update(ent.label_ for ent in reference.ents)
        doc = Doc(reference.vocab, words=[t.text for t in reference],
                  spaces=[bool(t.whitespace_) for t in reference])
        spans = [doc.char_span(start, end, label=label, alignment_mode="expand")
                 for start, end, label in predicted.get(item.article.id, ())]
        doc.ents = filter_spans([s for s in spans if s is not None])
        examples.append(Example(doc, reference))
    result = get_ner_prf(examples)
    by_label: dict[str, dict[str, Any]] = {}
    for label, prf in sorted((result.get("ents_per_type") or {}).items()):
        by_label[label] = {"p": prf["p"], "r": prf["r"], "f": prf["f"], "gold": gold_counts.get(label, 0)}
    for label, n in gold_counts.items():
        by_label.setdefault(label, {"p": 0.0, "r": 0.0, "f": 0.0, "gold": n})
    return Scores(len(examples), result["ents_p"], result["ents_r"], result["ents_f"], by_label)


def evaluate(lang: str, name: str | None, items: list[ExportArticle], map_label: MapLabel) -> Scores:
    """Run pipeline ``name`` (None: the blank one, which finds nothing) on ``items`` and score it."""
    predicted = predict(lang, name, {item.article.id: item.article.text for item in items}, map_label)
    return score(items, predicted)
