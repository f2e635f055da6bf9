"""Corpus numbers for ``parallax stats`` and the app: articles, spans, progress, suggestion quality.

Suggestion quality compares what the pipelines suggested with what people
decided. Evaluated articles: those marked done (gold layer chosen by the
export's merge rule) that have at least one suggestion, i.e. were
pre-annotated. Gold: the layer's accepted and corrected spans. Predicted: the
article's suggestions of one origin (model, rules, memory), or of all origins
together for "overall" (duplicates counted once), except those the gold layer
left undecided: the export writes them as unknown, so they are neither right
nor wrong. A suggestion is correct when a gold span has exactly its start, end
and label. "Undecided" always means the store's one rule
(:mod:`annotations.store.undecided`). Superseded suggestions (an adopted model
re-suggested the article) are left out of the origins, which count what was shown;
"by source" scores each pipeline or model version (``parallax en-3``) on the done
articles it made suggestions in, superseded or not, so a stock pipeline and the
models trained here are compared on gold in the project's one scheme.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from operator import itemgetter

from .model import Origin
from .store import Store, Suggestion

SUGGESTION_ORIGINS = ("model", "rules", "memory")
QUALITY_DEFINITION = (
    "articles marked done that have suggestions; gold = accepted+corrected spans of the article's "
    "gold layer (export merge rule); predicted = suggestions, except those the gold layer left "
    "undecided (exported as unknown); match = same start, end and label")

Key = tuple[int, int, int, str]  # article id, start, end, label
_LABEL = itemgetter(3)  # a Key's label


def compute_stats(store: Store) -> dict:
    """Every number ``parallax stats`` shows, as plain JSON-ready data."""
    layers = store.corpus.done_layers()
    read: list[Suggestion] = []  # the done articles' suggestions, read once for both
    unknown = undecided_in_gold(store, layers, read=read)
    gold = _gold_keys(store, layers)
    return {
        "articles": _articles(store),
        "spans": _spans(store),
        "suggestions": _suggestions(store),
        "annotators": _annotators(store),
        "gold": _gold(store, layers, gold, unknown),
        "quality": suggestion_quality(store, unknown, layers=layers, gold=gold, suggestions=read),
    }


def undecided_in_gold(store: Store, layers: dict[int, str] | None = None, *,
                      read: list[Suggestion] | None = None) -> set[Key]:
    """(article, start, end, label) of every suggestion a done article's gold layer left undecided.

    These are what the export writes as unknown (DocBin missing, CoNLL "-", HF -100).
    ``layers``: the gold layers (default: the merge rule's, read now); every suggestion of their
    articles is added to ``read`` when it is given.
    """
    found = store.undecided.by_article(store.corpus.done_layers() if layers is None else layers, read=read)
    return {(s.article_id, s.start, s.end, s.label) for rows in found.values() for s in rows}


def metrics(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 (None where the denominator is zero) with the counts."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def suggestion_quality(store: Store, unknown: set[Key] | None = None, *, layers: dict[int, str] | None = None,
                       gold: set[Key] | None = None, suggestions: list[Suggestion] | None = None) -> dict:
    """Precision/recall/F1 of suggestions against human gold, overall and per origin and label.

    ``unknown`` (default: :func:`undecided_in_gold`) is left out of the predictions; ``layers``
    and ``gold`` are the gold layers and their spans, and ``suggestions`` every suggestion of
    those articles, when the caller has them already.
    """
    if layers is None:
        layers = store.corpus.done_layers()
    if unknown is None:
        unknown = undecided_in_gold(store, layers)
    if gold is None:
        gold = _gold_keys(store, layers)
    predicted: dict[str, set[Key]] = defaultdict(set)
    by_source: dict[str, set[Key]] = defaultdict(set)
    if suggestions is None:
        keys = store.corpus.suggestion_keys(sorted(layers))
    else:
        keys = [(s.article_id, s.start, s.end, s.label, s.origin, s.source, s.superseded)
                for s in suggestions]
    for article_id, start, end, label, origin, source, superseded in keys:
        if origin == Origin.MODEL:
            by_source[source].add((article_id, start, end, label))
        if not superseded:
            predicted[origin].add((article_id, start, end, label))
    scope = {k[0] for keys in predicted.values() for k in keys}  # the articles evaluated
    gold_in_scope = {k for k in gold if k[0] in scope}
    for origin in predicted:
        predicted[origin] -= unknown
    result: dict = {"definition": QUALITY_DEFINITION, "articles": len(scope),
              "undecided": sum(1 for k in unknown if k[0] in scope), "overall": None, "by_origin": {}}
    score = _Scores()
    result["overall"] = score(set().union(*predicted.values()), gold_in_scope)
    for origin in sorted(predicted, key=_origin_order):
        result["by_origin"][origin] = score(predicted[origin], gold_in_scope)
    result["by_source"] = {}
    for source in sorted(by_source):
        own = {k[0] for k in by_source[source]} & scope  # the done articles it suggested in
        if own:
            gold_own = gold_in_scope if own == scope else {k for k in gold if k[0] in own}
            scored = score({k for k in by_source[source] - unknown if k[0] in own}, gold_own)
            result["by_source"][source] = {"articles": len(own), **scored}
    return result


# -- parts -------------------------------------------------------------------------


def _articles(store: Store) -> dict:
    by_lang = store.corpus.articles_by_lang()
    return {"total": sum(by_lang.values()), "by_lang": by_lang}


def _spans(store: Store) -> dict:
    """Human decisions (one row per annotator and span), by status, origin and label."""
    by_status: Counter = Counter()
    by_origin: dict[str, Counter] = defaultdict(Counter)
    by_label: dict[str, Counter] = defaultdict(Counter)
    for label, status, origin, n in store.corpus.decision_counts():
        by_status[status] += n
        by_origin[origin][status] += n
        by_label[label][status] += n
    return {"total": sum(by_status.values()), "by_status": dict(by_status),
            "by_origin": {k: dict(by_origin[k]) for k in sorted(by_origin, key=_origin_order)},
            "by_label": {k: dict(by_label[k]) for k in _label_order(store, by_label)}}


def _suggestions(store: Store) -> dict:
    """Pipeline suggestions; undecided = undecided by every annotator (the store's rule)."""
    by_origin, by_label, places = store.corpus.suggestion_counts()
    undecided = places - store.corpus.decided_suggestion_places()
    return {"total": sum(by_origin.values()), "undecided": undecided,
            "by_origin": {k: by_origin[k] for k in sorted(by_origin, key=_origin_order)},
            "by_label": {k: by_label[k] for k in _label_order(store, by_label)}}


def _annotators(store: Store) -> list[dict]:
    """Per annotator: articles done, in progress, rejected, ignored (of all articles), and their
    gold spans (accepted and corrected, in the articles they marked done)."""
    total = store.articles.count()
    people: dict[str, dict] = defaultdict(lambda: {"done": 0, "in_progress": 0, "rejected": 0,
                                                   "ignored": 0, "spans": 0})
    for annotator, status, n in store.corpus.status_counts():
        people[annotator][status] = n
    for annotator, n in store.corpus.gold_decision_counts().items():
        people[annotator]["spans"] = n
    return [{"annotator": name, **counts, "total": total} for name, counts in sorted(people.items())]


def _gold(store: Store, layers: dict[int, str], keys: set[Key], unknown: set[Key]) -> dict:
    """What a default export would contain: articles and spans of the gold layers, and the
    suggestions those layers left undecided (exported as unknown, never "not an entity")."""
    by_label = Counter(map(_LABEL, keys))
    return {"articles": len(layers), "spans": len(keys),
            "undecided": len(unknown), "undecided_articles": len({k[0] for k in unknown}),
            "by_label": {k: by_label[k] for k in _label_order(store, by_label)}}


# -- helpers -------------------------------------------------------------------------


def _gold_keys(store: Store, layers: dict[int, str]) -> set[Key]:
    return {(article_id, start, end, label)
            for article_id, annotator, start, end, label in store.corpus.gold_decision_keys()
            if layers.get(article_id) == annotator}


class _Scores:
    """:func:`_score`, once per pair of sets: with one origin and one source, the overall
    score, the origin's and the source's are of equal sets (compared, not assumed)."""

    def __init__(self) -> None:
        self.done: list[tuple[set[Key], set[Key], dict]] = []

    def __call__(self, predicted: set[Key], gold: set[Key]) -> dict:
        for p, g, out in self.done:
            if len(p) == len(predicted) and p == predicted and g == gold:
                return copy.deepcopy(out)
        out = _score(predicted, gold)
        self.done.append((predicted, gold, out))
        return copy.deepcopy(out)


def _score(predicted: set[Key], gold: set[Key]) -> dict:
    matched = predicted & gold
    out = metrics(len(matched), len(predicted) - len(matched), len(gold) - len(matched))
    tp, n_predicted, n_gold = (Counter(map(_LABEL, keys)) for keys in (matched, predicted, gold))
    out["by_label"] = {label: metrics(tp[label], n_predicted[label] - tp[label], n_gold[label] - tp[label])
                       for label in sorted(n_predicted | n_gold)}
    return out


def _origin_order(origin: str) -> tuple[int, str]:
    order = (*SUGGESTION_ORIGINS, "human", "import")
    return (order.index(origin) if origin in order else len(order), origin)


def _label_order(store: Store, present) -> list[str]:
    """Labels present, in the scheme's order, then any others alphabetically."""
    scheme = store.labels.names()
    return [lab for lab in scheme if lab in present] + sorted(lab for lab in present if lab not in scheme)
