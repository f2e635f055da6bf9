"""The corpus's likely entities, before any is linked (issue 20 §3): its most frequent surface
forms, grouped by the look-alike rules (:mod:`annotations.lookalike`: "abdellatif hammouchi",
"a. hammouchi" and "hammouchi" are one), each a candidate the entity panel links in one key.

Headless: given the view's form counts (``store.entities.view_forms()``) and the forms already
linked (``store.entities.aliased_forms()``), no SQL here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import FormCount

# Labels that name no entity to link (dates, amounts): never candidates.
NOT_ENTITIES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})
PERSON_LABELS = frozenset({"PERSON", "PER"})
MIN_MENTIONS = 2  # a form seen once is not yet a likely entity
SHOWN = 8


@dataclass(frozen=True)
class Candidate:
    """A likely entity: its forms (folded; the first names it), most common label, mentions."""

    forms: tuple[str, ...]
    label: str
    mentions: int
    articles: int


def likely_entities(counts: Iterable[FormCount], linked: Iterable[str] = (), *,
                    limit: int = SHOWN) -> list[Candidate]:
    """The most mentioned groups of look-alike forms not linked yet, most mentions first.
    ``counts``: one FormCount per form (its mentions per label, its articles)."""
    from .lookalike import joined, near_pairs  # rapidfuzz: read when the panel first needs it, not at launch

    linked = set(linked)
    mentions: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for row in counts:
        if row.folded in linked:
            continue
        for label, n in row.labels.items():
            if label in NOT_ENTITIES:
                continue
            mentions[row.folded] += n
            articles[row.folded] = max(articles[row.folded], row.articles)
            labels[row.folded][label] += n
    people = [f for f, c in labels.items() if c.most_common(1)[0][0] in PERSON_LABELS]
    out = []
    for forms in joined(mentions, ((a, b) for a, b, _ in near_pairs(mentions, people))):
        total = sum(mentions[f] for f in forms)
        if total < MIN_MENTIONS:
            continue
        # Named by its most mentioned form, the longest of equals ("abdellatif hammouchi").
        forms.sort(key=lambda f: (-mentions[f], -len(f), f))
        label = sum((labels[f] for f in forms), Counter()).most_common(1)[0][0]
        out.append(Candidate(tuple(forms), label, total, max(articles[f] for f in forms)))
    out.sort(key=lambda c: (-c.mentions, c.forms[0]))
    return out[:limit]
