"""Token-level agreement: Cohen's kappa for a pair of layers, Krippendorff's alpha for three or more.

Each layer's tags are the IOB2 tags the CoNLL export writes for it
(:mod:`annotations.export.conll`): the article is tokenized by spaCy's blank tokenizer for
its language, whitespace tokens are left out, spans that cut through a token are snapped
outwards to whole tokens, overlapping spans are resolved as in ``doc.ents`` (longest,
then earliest), and the tokens of suggestions the layer left undecided are unknown. A token
unknown in either layer of a pair is left out of that pair's kappa; in alpha it is a
missing value for that annotator (as is every token of an article they did not finish).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..export.align import UNKNOWN_TAG, iob_tags, snapped_entities, unknown_tokens
from ..export.gold import ExportArticle


def layer_tags(item: ExportArticle, doc, label: str | None = None) -> list[str]:
    """The layer's IOB2 tags for the doc's non-whitespace tokens ("-" for unknown).

    With ``label``, only entities of that label count; the others' tokens are "O".
    """
    if label is not None:
        item = ExportArticle(item.article, [s for s in item.spans if s.label == label],
                             item.annotator, item.answer, item.undecided)
    entities, _ = snapped_entities(item, doc)
    tags = iob_tags(doc, entities, unknown_tokens(item, doc, entities))
    return [tags[t.i] for t in doc if not t.is_space]


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> dict:
    """Cohen's kappa of two equally long tag sequences, unknown tags ("-") left out.

    kappa = (p_o - p_e) / (1 - p_e): p_o the share of tokens with the same tag, p_e the
    agreement expected by chance, the sum over tags of the product of each layer's share
    of that tag. None when there are no tokens or p_e is 1 (both layers use one tag only).
    """
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x != UNKNOWN_TAG and y != UNKNOWN_TAG]
    n = len(pairs)
    if not n:
        return {"kappa": None, "tokens": 0, "observed": None, "expected": None}
    observed = sum(1 for x, y in pairs if x == y) / n
    count_a = Counter(x for x, _ in pairs)
    count_b = Counter(y for _, y in pairs)
    expected = sum(count_a[tag] * count_b[tag] for tag in count_a) / (n * n)
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return {"kappa": kappa, "tokens": n, "observed": observed, "expected": expected}


def krippendorff_alpha(units: Sequence[Sequence[str | None]]) -> dict:
    """Krippendorff's alpha (nominal) over ``units``: one row per token, one value per
    annotator (None where missing). Computed by the ``krippendorff`` package.

    Only tokens with two values or more count (the others cannot be compared); None when
    fewer than two tags occur among them (alpha is undefined without variation).
    """
    import krippendorff
    import numpy as np

    rows = [u for u in units if sum(v is not None for v in u) >= 2]
    values = sorted({v for u in rows for v in u if v is not None})
    out: dict[str, float | int | None] = {"alpha": None, "tokens": len(rows),
                                          "values": sum(v is not None for u in rows for v in u)}
    if len(values) < 2:
        return out
    code = {v: float(i) for i, v in enumerate(values)}
    data = np.array([[np.nan if v is None else code[v] for v in u] for u in rows], dtype=float).T
    out["alpha"] = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                            value_domain=list(code.values())))
    return out
