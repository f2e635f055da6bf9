"""Hugging Face token classification: ``train.jsonl``, ``dev.jsonl`` and ``labels.json``.

One JSON line per sentence: ``tokens`` (strings) and ``ner_tags`` (integer IOB2
ids), plus ``id``, ``article_id`` and ``sentence``. ``labels.json`` lists the tag
names in id order (``O``, then ``B-``/``I-`` for each label of the scheme) with
``id2label``/``label2id`` ready for a model config. Tokens and sentences are
the CoNLL export's; misaligned spans are snapped the same way. A token whose
tag is unknown (a suggestion a done article left undecided) has the tag -100
(``unknown_id`` in ``labels.json``), which the loss ignores.
"""

from __future__ import annotations

import json
from pathlib import Path

from .align import UNKNOWN_TAG
from .conll import tagged_sentences
from .files import Outputs
from .gold import ExportArticle, split_articles

UNKNOWN_ID = -100
"""``ner_tags`` value of a token whose tag is unknown (an undecided suggestion in a done article).

-100 is the ignore index of PyTorch's cross-entropy loss, which Hugging Face token
classification models use, and the value ``DataCollatorForTokenClassification`` pads
labels with: the loss skips the token instead of learning "O" there.
"""


def tag_names(labels: list[str]) -> list[str]:
    """IOB2 tag names in id order: O, B-X, I-X for every label."""
    names = ["O"]
    for label in labels:
        names += [f"B-{label}", f"I-{label}"]
    return names


def write_hf(articles: list[ExportArticle], folder: str | Path, labels: list[str], *,
             split: float = 0.8, seed: int = 0, outputs: Outputs | None = None) -> dict:
    """Write the split sentences and the label list; ``labels`` is the scheme, in order.

    Through ``outputs`` the files are written all or nothing (see :mod:`.files`).
    """
    if outputs is None:
        with Outputs() as outputs:
            return write_hf(articles, folder, labels, split=split, seed=seed, outputs=outputs)
    folder = Path(folder)
    used = [s.label for item in articles for s in item.spans]
    names = tag_names(list(dict.fromkeys([*labels, *used])))
    ids = {name: i for i, name in enumerate(names)}
    train, dev = split_articles(articles, split, seed)
    problems = []
    files = {}
    for part_name, part in (("train", train), ("dev", dev)):
        path = folder / f"{part_name}.jsonl"
        with outputs.file(path).open("w", encoding="utf-8", newline="\n") as out:
            for item in part:
                sents, found = tagged_sentences(item)
                problems += found
                for n, sent in enumerate(sents):
                    row = {"id": f"{item.article.id}-{n}", "article_id": item.article.id, "sentence": n,
                           "tokens": [tok for tok, _ in sent],
                           "ner_tags": [UNKNOWN_ID if tag == UNKNOWN_TAG else ids[tag] for _, tag in sent]}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        files[part_name] = str(path)
    info = {"label_names": names, "id2label": {str(i): n for i, n in enumerate(names)},
            "label2id": ids, "unknown_id": UNKNOWN_ID, "features": {"tokens": "list[string]",
                                          "ner_tags": {"names": names, "dtype": "ClassLabel"}}}
    labels_path = folder / "labels.json"
    outputs.file(labels_path).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    files["labels"] = str(labels_path)
    return {"files": files, "articles": {"train": len(train), "dev": len(dev)}, "problems": problems}
