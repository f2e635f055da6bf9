"""Span-level agreement between two layers: exact and overlap matches, precision, recall, F1.

The first layer of a pair is the reference: precision is the share of the second layer's
spans that match one of the first's, recall the share of the first's that are matched.
Matches are one-to-one, so one count serves both, and F1 = 2 x matched / (spans of the
first + spans of the second), which is the harmonic mean of precision and recall wherever
both are defined (and 0, not undefined, when nothing matches).

- *exact*: same start, end and label;
- *overlap*: same label and at least one character in common, paired one-to-one so that
  as many spans as possible are paired (a maximum bipartite matching; one long span
  overlapping two short ones matches only one of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Entity(NamedTuple):
    """An entity as agreement sees it: character offsets and label."""

    start: int
    end: int
    label: str


def exact_matches(a: Sequence[Entity], b: Sequence[Entity]) -> int:
    """How many entities of ``a`` have an entity of ``b`` with the same start, end and label."""
    return len(set(a) & set(b))


def overlap_matches(a: Sequence[Entity], b: Sequence[Entity]) -> int:
    """The largest number of one-to-one pairs of overlapping entities with the same label."""
    a, b = sorted(set(a)), sorted(set(b))
    edges: list[list[int]] = [
        [j for j, y in enumerate(b) if y.label == x.label and x.start < y.end and y.start < x.end]
        for x in a
    ]
    partner: dict[int, int] = {}  # index in b -> index in a

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in partner or augment(partner[j], seen):
                partner[j] = i
                return True
        return False

    return sum(1 for i in range(len(a)) if edges[i] and augment(i, set()))


def scores(matched: int, reference: int, other: int) -> dict:
    """Precision, recall and F1 of ``other`` against ``reference`` (None where undefined),
    with the counts they rest on."""
    return {
        "spans_a": reference,
        "spans_b": other,
        "matched": matched,
        "precision": matched / other if other else None,
        "recall": matched / reference if reference else None,
        "f1": 2 * matched / (reference + other) if reference + other else None,
    }


def span_agreement(a: dict[int, list[Entity]], b: dict[int, list[Entity]], how: str) -> dict:
    """Overall and per-label scores over the articles in both ``a`` and ``b`` (article -> entities).

    ``how`` is "exact" or "overlap". Labels are every label either layer used there.
    """
    count = exact_matches if how == "exact" else overlap_matches
    shared = sorted(set(a) & set(b))
    labels = sorted({e.label for i in shared for e in (*a[i], *b[i])})
    totals = {"matched": 0, "a": 0, "b": 0}
    per_label = {label: {"matched": 0, "a": 0, "b": 0} for label in labels}
    for article_id in shared:
        ea, eb = set(a[article_id]), set(b[article_id])
        totals["matched"] += count(list(ea), list(eb))
        totals["a"] += len(ea)
        totals["b"] += len(eb)
        for label in labels:
            la = [e for e in ea if e.label == label]
            lb = [e for e in eb if e.label == label]
            per_label[label]["matched"] += count(la, lb)
            per_label[label]["a"] += len(la)
            per_label[label]["b"] += len(lb)
    return {
        "overall": scores(totals["matched"], totals["a"], totals["b"]),
        "labels": {label: scores(c["matched"], c["a"], c["b"]) for label, c in per_label.items()},
    }
