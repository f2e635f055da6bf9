"""``--format kb``: the entities as a spaCy knowledge base for its entity linker, plus JSONL.

``OUTPUT/kb/`` is an ``InMemoryLookupKB`` written with ``to_disk``: spaCy's
``spacy.KBFromFile.v1`` (``kb_path = "OUTPUT/kb"``) loads it for ``entity_linker``. Each
entity's id is the one exports write as ``kb_id`` (its knowledge-base id, else
``parallax:N``) and its frequency the number of its mentions. Every surface text of a
linked mention, every alias and every name is an alias of the KB; an alias's candidates are
the entities whose mentions share its folded form, with prior probabilities from the mention
counts (``P(entity | form)``; they sum to 1). ``OUTPUT/entities.jsonl`` and
``OUTPUT/aliases.jsonl`` hold the same as plain JSON, ``OUTPUT/meta.json`` says how the
entity vectors were made:

- from a pipeline with static word vectors (``--vectors en_core_web_md``): the mean vector
  of the words of the entity's name and aliases that have one;
- from a pipeline without (en_core_web_sm and fr_core_news_sm have none), or for an entity
  none of whose words has a vector: a fixed pseudo-random unit vector of ``HASHED_LENGTH``
  derived from the entity's id. It carries no meaning, but it is stable across exports and
  distinct per entity, so an entity linker trained on it learns to map contexts onto it, and
  the candidates and their priors work either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from ..store import LOCAL_KB_PREFIX, Store
from ..text import fold
from .files import Outputs

HASHED_LENGTH = 64


def hashed_vector(entity_id: str, length: int = HASHED_LENGTH) -> list[float]:
    """A unit vector that depends only on the id (numpy's generator seeded by its SHA-256)."""
    import numpy

    seed = int.from_bytes(hashlib.sha256(entity_id.encode("utf-8")).digest()[:8], "big")
    vector = numpy.random.default_rng(seed).standard_normal(length)
    return [float(x) for x in vector / numpy.linalg.norm(vector)]


def _load_vectors(pipeline: str | None):
    """The pipeline's vocab when it has static word vectors, else None (and why)."""
    if not pipeline:
        return None, "no pipeline given"
    import spacy

    try:
        nlp = spacy.load(pipeline, exclude=["tagger", "parser", "ner", "lemmatizer", "attribute_ruler",
                                            "morphologizer", "senter", "tok2vec"])
    except (OSError, ImportError) as exc:
        raise ValueError(f"{pipeline}: cannot load this spaCy pipeline for its vectors ({exc}); "
                         "install it or pass another with --vectors") from exc
    if nlp.vocab.vectors_length == 0:
        return None, f"{pipeline} has no static word vectors"
    return nlp, f"mean word vectors of {pipeline}"


def write_kb(store: Store, output: str | Path, outputs: Outputs, *, vectors: str | None = None) -> dict:
    """Write the knowledge base and its JSONL into the folder ``output``; returns counts and files."""
    import spacy
    from spacy.kb import InMemoryLookupKB

    root = outputs.folder(output)
    entities = store.entities.summaries()
    export_id = {e.id: e.kb_id or f"{LOCAL_KB_PREFIX}{e.id}" for e in entities}
    vector_nlp, how = _load_vectors(vectors)
    length = vector_nlp.vocab.vectors_length if vector_nlp is not None else HASHED_LENGTH
    surfaces = store.entities.linked_surfaces()
    # folded form -> entity -> mentions; every written form of it becomes an alias.
    by_form: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    written: dict[str, set[str]] = defaultdict(set)
    for entity_id, text, n in surfaces:
        text = " ".join(text.split())
        by_form[fold(text)][entity_id] += n
        written[fold(text)].add(text)
    for entity in entities:
        for name in (entity.name, *entity.aliases):
            name = " ".join(name.split())
            by_form[fold(name)].setdefault(entity.id, 0)
            written[fold(name)].add(name)
    nlp = spacy.blank("xx")
    kb = InMemoryLookupKB(nlp.vocab, entity_vector_length=length)
    entity_rows, hashed = [], 0
    for entity in entities:
        vector = _mean_vector(vector_nlp, [entity.name, *entity.aliases]) if vector_nlp is not None else None
        if vector is None:
            vector, hashed = hashed_vector(export_id[entity.id], length), hashed + 1
        kb.add_entity(entity=export_id[entity.id], freq=entity.mentions, entity_vector=vector)
        entity_rows.append({"id": export_id[entity.id], "name": entity.name, "label": entity.label,
                            "kb_id": entity.kb_id, "parallax_id": entity.id, "freq": entity.mentions,
                            "aliases": list(entity.aliases)})
    alias_rows = []
    for form in sorted(by_form):
        counts = by_form[form]
        total = sum(counts.values())
        ids = sorted(counts, key=lambda e: (-counts[e], e))
        priors = [counts[e] / total if total else 1 / len(ids) for e in ids]
        for text in sorted(written[form]):
            kb.add_alias(alias=text, entities=[export_id[e] for e in ids], probabilities=priors)
            alias_rows.append({"alias": text, "folded": form, "entities": [export_id[e] for e in ids],
                               "probabilities": priors, "mentions": [counts[e] for e in ids]})
    meta = {"entities": len(entity_rows), "aliases": len(alias_rows), "entity_vector_length": length,
            "vectors": how if vector_nlp is not None else f"hashed ({how}): a fixed pseudo-random unit "
                                                           "vector per entity id, see README",
            "hashed_vectors": hashed, "load_with": "spacy.ml.models.entity_linker.load_kb(path)(vocab)"}
    files = _write_kb_folder(kb, root / "kb", outputs)
    for name, rows in (("entities.jsonl", entity_rows), ("aliases.jsonl", alias_rows)):
        with outputs.file(root / name).open("w", encoding="utf-8", newline="\n") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        files[name] = str(root / name)
    with outputs.file(root / "meta.json").open("w", encoding="utf-8") as out:
        json.dump(meta, out, ensure_ascii=False, indent=2)
    files["meta.json"] = str(root / "meta.json")
    return {"files": files, "entities": len(entity_rows), "aliases": len(alias_rows), "meta": meta}


def _mean_vector(nlp, names: list[str]) -> list[float] | None:
    import numpy

    rows = [nlp.vocab.get_vector(tok.orth) for name in names for tok in nlp.make_doc(name)
            if nlp.vocab.has_vector(tok.orth)]
    if not rows:
        return None
    return [float(x) for x in numpy.mean(rows, axis=0)]


def _write_kb_folder(kb, folder: Path, outputs: Outputs) -> dict[str, str]:
    """``kb.to_disk`` into a scratch folder, then each file through ``outputs`` (all or nothing)."""
    files = {}
    scratch = tempfile.mkdtemp(prefix=".kb-", dir=outputs.folder(folder.parent))
    try:
        kb.to_disk(Path(scratch) / "kb")
        for name in sorted(os.listdir(Path(scratch) / "kb")):
            target = outputs.file(folder / name)
            shutil.copyfile(Path(scratch) / "kb" / name, target)
            files[f"kb/{name}"] = str(folder / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return files
