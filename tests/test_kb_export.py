"""Links out: one kb_id for every spelling in DocBin and JSONL; ``--format kb`` for spaCy's entity linker."""

from __future__ import annotations

import json
import subprocess

import numpy
import pytest
import spacy
from spacy.ml.models.entity_linker import load_kb
from spacy.tokens import DocBin
from spacy.training import Example
from story_helpers import make_story_db
from tmux_helpers import PARALLAX

from annotations.export import ExportError, export
from annotations.export.kb import HASHED_LENGTH, hashed_vector
from annotations.model import ArticleRecord
from annotations.store import Store

KB_ID = "KB:avril-haines"
SPELLINGS = {"Avril Haines", "Avril Haine", "Avril Hainse"}


@pytest.fixture(scope="module")
def linked_db(tmp_path_factory):
    """The three spellings of Avril Haines linked to one entity (with a knowledge-base id), every
    article done; Sahel linked to a region (three mentions) and a namesake (one)."""
    path = tmp_path_factory.mktemp("kb") / "parallax.db"
    make_story_db(path)
    with Store(path, annotator="alice") as store:
        first = True
        for article_id in store.articles.ids():
            text = store.articles.get(article_id).text
            for span in store.view.spans(article_id):
                if text[span.start:span.end] in SPELLINGS:
                    store.decisions.link(span.key, "Avril Haines", kb_id=KB_ID if first else None)
                    first = False
        sahel = [(a, s) for a in store.articles.ids() for s in store.view.spans(a)
                 if store.articles.get(a).text[s.start:s.end] == "Sahel"]
        for _, span in sahel[:3]:
            store.decisions.link(span.key, "Sahel (region)")
        store.decisions.link(sahel[3][1].key, "Sahel (namesake)")
        for _, span in sahel[4:]:  # the rest: not entities
            store.decisions.reject(span.key)
        for article_id in store.articles.ids():
            store.decisions.set_article_status(article_id, "done")
    return path


def test_three_spellings_export_with_one_kb_id(linked_db, tmp_path):
    with Store(linked_db, annotator="alice", readonly=True) as store:
        export(store, "spacy", tmp_path / "corpus", split=1.0)
        export(store, "jsonl", tmp_path / "gold.jsonl")
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(tmp_path / "corpus/en/train.spacy").get_docs(nlp.vocab))
    docs += list(DocBin().from_disk(tmp_path / "corpus/fr/train.spacy").get_docs(spacy.blank("fr").vocab))
    found = {(e.text, e.kb_id_) for doc in docs for e in doc.ents if e.text in SPELLINGS}
    assert {text for text, _ in found} == SPELLINGS and {kb for _, kb in found} == {KB_ID}
    found = {(s["text"] if "text" in s else None, s.get("kb_id"), s.get("entity"))
             for line in (tmp_path / "gold.jsonl").read_text().splitlines()
             for s in json.loads(line)["spans"] if s.get("entity") == "Avril Haines"}
    assert {kb for _, kb, _ in found} == {KB_ID} and len(found) >= 1


def test_the_kb_loads_in_spacy_with_priors_from_mention_counts(linked_db, tmp_path):
    out = subprocess.run([str(PARALLAX), "export", "--db", str(linked_db), "--format", "kb", "--output",
                          str(tmp_path / "kb_out")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "exported 4 entities" in out.stdout and "hashed" in out.stdout
    kb = load_kb(tmp_path / "kb_out" / "kb")(spacy.blank("en").vocab)
    assert kb.get_size_entities() == 4 and kb.entity_vector_length == HASHED_LENGTH
    for spelling in SPELLINGS:
        (candidate,) = kb.get_alias_candidates(spelling)
        assert candidate.entity_ == KB_ID and candidate.prior_prob == pytest.approx(1.0)
    sahel = {c.entity_: c.prior_prob for c in kb.get_alias_candidates("Sahel")}
    with Store(linked_db, readonly=True) as store:
        ids = {e["name"]: f"parallax:{e['id']}" for e in store.entities.all()}
    assert sahel == {ids["Sahel (region)"]: pytest.approx(0.75), ids["Sahel (namesake)"]: pytest.approx(0.25)}
    vector = kb.get_vector(KB_ID)
    assert vector == pytest.approx(hashed_vector(KB_ID)) and numpy.linalg.norm(vector) == pytest.approx(1.0)
    entities = [json.loads(line) for line in (tmp_path / "kb_out/entities.jsonl").read_text().splitlines()]
    avril = next(e for e in entities if e["id"] == KB_ID)
    assert avril["name"] == "Avril Haines" and avril["freq"] == 5 and set(avril["aliases"]) == SPELLINGS
    aliases = [json.loads(line) for line in (tmp_path / "kb_out/aliases.jsonl").read_text().splitlines()]
    assert next(a for a in aliases if a["alias"] == "Sahel")["mentions"] == [3, 1]
    meta = json.loads((tmp_path / "kb_out/meta.json").read_text())
    assert meta["hashed_vectors"] == 4 and meta["entity_vector_length"] == HASHED_LENGTH


def test_an_aliass_candidates_are_the_most_mentioned_first_with_their_own_priors(tmp_path):
    """The namesake is linked first (so its entity is older) but mentioned once, the region three
    times: each candidate of "Sahel" gets its own share of the mentions, and the most mentioned
    comes first, whatever order the entities were made in."""
    text = "Sahel one. Sahel two. Sahel three. Sahel four."
    starts = [i for i in range(len(text)) if text.startswith("Sahel", i)]
    with Store(tmp_path / "p.db", annotator="alice") as store:
        article_id, _ = store.loading.add_article(ArticleRecord(text=text, lang="en"))
        for n, start in enumerate(starts):
            span = store.decisions.create_span(article_id, start, start + 5, "LOC")
            store.decisions.link(span.key, "Sahel (namesake)" if n == 0 else "Sahel (region)")
        ids = {e["name"]: e["id"] for e in store.entities.all()}
        assert ids["Sahel (namesake)"] < ids["Sahel (region)"]
        export(store, "kb", tmp_path / "kb_out")
    region, namesake = (f"parallax:{ids[name]}" for name in ("Sahel (region)", "Sahel (namesake)"))
    kb = load_kb(tmp_path / "kb_out" / "kb")(spacy.blank("en").vocab)
    candidates = [(c.entity_, c.prior_prob) for c in kb.get_alias_candidates("Sahel")]
    assert candidates == [(region, pytest.approx(0.75)), (namesake, pytest.approx(0.25))]
    aliases = [json.loads(line) for line in (tmp_path / "kb_out/aliases.jsonl").read_text().splitlines()]
    sahel = next(a for a in aliases if a["alias"] == "Sahel")
    assert (sahel["entities"], sahel["mentions"]) == ([region, namesake], [3, 1])
    assert sahel["probabilities"] == pytest.approx([0.75, 0.25])


def test_spacys_entity_linker_trains_and_links_with_the_kb(linked_db, tmp_path):
    with Store(linked_db, readonly=True) as store:
        export(store, "kb", tmp_path / "kb_out")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Avril Hainse"}])
    linker = nlp.add_pipe("entity_linker", config={"incl_prior": True})
    text = "Avril Hainse met the director in Rabat."
    doc = nlp.make_doc(text)
    example = Example.from_dict(doc, {"entities": [(0, 12, "PERSON")], "links": {(0, 12): {KB_ID: 1.0}},
                                      "sent_starts": [1] + [0] * (len(doc) - 1)})
    linker.initialize(lambda: [example], nlp=nlp, kb_loader=load_kb(tmp_path / "kb_out" / "kb"))
    nlp.update([example])
    assert [(e.text, e.kb_id_) for e in nlp(text).ents] == [("Avril Hainse", KB_ID)]


def test_entity_vectors_come_from_a_pipeline_with_word_vectors(linked_db, tmp_path):
    vectors = spacy.blank("en")
    vectors.vocab.set_vector("Avril", numpy.array([1.0, 0.0, 0.0], dtype="f"))
    vectors.vocab.set_vector("Haines", numpy.array([0.0, 1.0, 0.0], dtype="f"))
    vectors.to_disk(tmp_path / "vectors")
    with Store(linked_db, readonly=True) as store:
        result = export(store, "kb", tmp_path / "kb_out", vectors=str(tmp_path / "vectors"))
    assert result.kb["meta"]["entity_vector_length"] == 3
    kb = load_kb(tmp_path / "kb_out" / "kb")(spacy.blank("en").vocab)
    # the words with a vector in its name (Avril Haines) and its aliases (Avril Haine, Avril Haines,
    # Avril Hainse): Avril ×4, Haines ×2 (Haine and Hainse have none)
    assert kb.get_vector(KB_ID) == pytest.approx([4 / 6, 2 / 6, 0.0])
    assert result.kb["meta"]["hashed_vectors"] == 3  # Christopher Wray, the two Sahel: no word with a vector
    with pytest.raises(ExportError, match="cannot load this spaCy pipeline"):
        export(store := Store(linked_db, readonly=True), "kb", tmp_path / "kb2", vectors="no_such_pipeline_x")
    store.close()


def test_a_kb_export_into_a_file_is_refused(linked_db, tmp_path):
    (tmp_path / "file").write_text("x")
    with Store(linked_db, readonly=True) as store, pytest.raises(ExportError, match="writes a folder"):
        export(store, "kb", tmp_path / "file")
