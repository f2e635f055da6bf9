"""Inter-annotator agreement: what ``parallax agreement`` and the app's agreement view report.

For each pair of annotators, over the articles both marked done (each layer's accepted and
corrected spans, as exported with ``--annotator``): span precision, recall and F1, exact
and overlap, per label and overall (:mod:`.spans`), and Cohen's kappa over tokens
(:mod:`.tokens`). For three annotators or more, Krippendorff's alpha over the tokens of
the articles at least two of them finished. Every figure comes with the number of
articles, spans or tokens it rests on. The definitions are in the README.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

from ..errors import ParallaxError
from ..export.align import make_doc
from ..export.gold import ExportArticle, select_articles
from ..store import Store, is_review_layer
from .spans import Entity, span_agreement
from .tokens import cohen_kappa, krippendorff_alpha, layer_tags

__all__ = ["AgreementError", "compute_agreement", "default_annotators"]


class AgreementError(ParallaxError, ValueError):
    """Agreement cannot be computed as asked (an unknown annotator, fewer than two)."""


def default_annotators(store: Store) -> list[str]:
    """Every annotator (review layers left out) who marked at least one article done."""
    return [a for a in store.review.done_layer_names() if not is_review_layer(a)]


def compute_agreement(store: Store, annotators: Sequence[str] | None = None, label: str | None = None,
                      should_stop: Callable[[], bool] | None = None) -> dict:
    """Every agreement figure as plain JSON-ready data (see the module docstring)."""
    names = list(dict.fromkeys(annotators)) if annotators else default_annotators(store)
    known = set(store.review.done_layer_names())
    missing = [n for n in names if n not in known]
    if missing:
        raise AgreementError(f"no article marked done by {', '.join(map(repr, missing))}; "
                             f"annotators with done articles: {', '.join(sorted(known)) or 'none'}")
    if len(names) < 2:
        raise AgreementError(f"agreement needs at least two annotators with articles marked done; found "
                             f"{len(names)} ({', '.join(names) or 'none'})")
    layers = {name: {item.article.id: item for item in select_articles(store, annotator=name)}
              for name in names}
    entities = {name: {i: [Entity(s.start, s.end, s.label) for s in item.spans
                           if label is None or s.label == label] for i, item in items.items()}
                for name, items in layers.items()}
    tags = _tags(layers, label, should_stop)
    pairs = []
    for a, b in combinations(names, 2):
        shared = sorted(set(layers[a]) & set(layers[b]))
        kappa = cohen_kappa([t for i in shared for t in tags[a][i]], [t for i in shared for t in tags[b][i]])
        pairs.append({"a": a, "b": b, "articles": len(shared),
                      "exact": span_agreement(entities[a], entities[b], "exact"),
                      "overlap": span_agreement(entities[a], entities[b], "overlap"),
                      "kappa": kappa})
    return {"annotators": names, "label": label, "pairs": pairs,
            "alpha": _alpha(names, layers, tags) if len(names) >= 3 else None}


def _tags(layers: dict[str, dict[int, ExportArticle]], label: str | None,
          should_stop: Callable[[], bool] | None) -> dict[str, dict[int, list[str]]]:
    """annotator -> article -> tags, for the articles at least two of them finished (each
    article tokenized once)."""
    seen: dict[int, list[str]] = {}
    for name, items in layers.items():
        for article_id in items:
            seen.setdefault(article_id, []).append(name)
    out: dict[str, dict[int, list[str]]] = {name: {} for name in layers}
    for article_id, who in sorted(seen.items()):
        if len(who) < 2:
            continue
        if should_stop is not None and should_stop():
            raise InterruptedError("agreement: stopped")
        doc = make_doc(layers[who[0]][article_id])
        for name in who:
            out[name][article_id] = layer_tags(layers[name][article_id], doc, label)
    return out


def _alpha(names: list[str], layers: dict[str, dict[int, ExportArticle]],
           tags: dict[str, dict[int, list[str]]]) -> dict:
    """Krippendorff's alpha over the tokens of articles at least two annotators finished."""
    articles = sorted({i for name in names for i in tags[name]})
    units: list[list[str | None]] = []
    for article_id in articles:
        rows = [tags[name].get(article_id) for name in names]
        length = len(next(r for r in rows if r is not None))
        for t in range(length):
            units.append([None if r is None or r[t] == "-" else r[t] for r in rows])
    return {"articles": len(articles), **krippendorff_alpha(units)}
