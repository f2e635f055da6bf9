"""The CoNLL reader decodes tags as spaCy does, and the writer's IOB2 tags are spaCy's.

The reader keeps its own decoder (why: annotations/formats/conll.py); these tests hold
it to spaCy's ``iob_to_biluo`` + ``tags_to_entities`` on every IOB1/IOB2 sequence
hypothesis finds, and to the entities a BIOES/BILUO sequence was made from.
"""

from __future__ import annotations

import io

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.training import iob_to_biluo, tags_to_entities

from annotations.export.align import UNKNOWN_TAG, iob_tags
from annotations.formats.conll import read_conll

LABELS = ["PER", "LOC", "ORG_X"]


class _Bytes:
    """A file-like path for read_conll: ``open("rb")`` gives the bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def open(self, mode: str = "rb"):
        return io.BytesIO(self.data)


def token_spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """(label, first token, last token) as the reader decodes one sentence of ``tags``."""
    text = "".join(f"t{i} {tag}\n" for i, tag in enumerate(tags))
    [record] = list(read_conll(_Bytes(text.encode()), "x.conll", "x.conll"))
    starts = {len(" ".join(f"t{j}" for j in range(i))) + (1 if i else 0): i for i in range(len(tags))}
    ends = {start + len(f"t{i}"): i for start, i in starts.items()}
    return [(s.label, starts[s.start], ends[s.end]) for s in record.spans]


iob = st.lists(st.one_of(st.just("O"), st.builds(lambda p, lab: f"{p}-{lab}", st.sampled_from("BI"),
                                                  st.sampled_from(LABELS))), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(iob)
def test_iob1_and_iob2_decode_as_spacy_decodes_them(tags):
    assert token_spans(tags) == tags_to_entities(iob_to_biluo(tags))


entities = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4), st.sampled_from(LABELS)),
                    min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(entities, st.sampled_from([("S", "E"), ("U", "L")]))
def test_bioes_and_biluo_decode_to_the_entities_they_encode(spec, scheme):
    single, last = scheme
    tags: list[str] = []
    expected = []
    for gap, length, label in spec:
        tags += ["O"] * gap
        expected.append((label, len(tags), len(tags) + length - 1))
        tags += ([f"{single}-{label}"] if length == 1 else
                 [f"B-{label}", *[f"I-{label}"] * (length - 2), f"{last}-{label}"])
    assert token_spans(tags) == expected
    biluo = [t.replace("S-", "U-", 1).replace("E-", "L-", 1) for t in tags]
    assert tags_to_entities(iob_to_biluo(biluo)) == expected  # what spaCy reads from the same file


def test_writer_tags_are_spacys_iob2_with_unknown_tokens_dashed():
    nlp = spacy.blank("en")
    doc = nlp.make_doc("Christopher Wray met Abdellatif Hammouchi in Rabat on Tuesday .")
    ents = [doc.char_span(0, 16, label="PERSON"), doc[3:5], doc[6:7]]
    ents[1].label_, ents[2].label_ = "PERSON", "GPE"
    tags = iob_tags(doc, ents, unknown={8})
    assert tags == ["B-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON", "O", "B-GPE", "O", UNKNOWN_TAG, "O"]
    known = [t if t != UNKNOWN_TAG else "O" for t in tags]
    assert tags_to_entities(iob_to_biluo(known)) == [("PERSON", 0, 1), ("PERSON", 3, 4), ("GPE", 6, 6)]


def test_an_entity_across_a_sentence_break_stays_one(tmp_path):
    """The sentencizer ends a sentence after "1." and "ST.": a CoNLL export cut "1. FC Cologne"
    and "ST. LOUIS" in two (2 of 5,648 entities of a news corpus), even across a line break. The
    sentence now goes on until the entity ends; the entities read back are the ones exported."""
    from export_fixtures import read_conll as read_written

    from annotations.export import export
    from annotations.importer import import_paths
    from annotations.model import ArticleRecord, SpanRecord
    from annotations.store import Store

    text = ("Bayern beat 1. FC Cologne on Saturday. The BLUES WON IN ST. LOUIS AGAIN.\n"
            "Fans of 1.\nFC Cologne waited.")
    names = [("1. FC Cologne", "ORG"), ("ST. LOUIS", "GPE"), ("1.\nFC Cologne", "ORG")]
    spans = [SpanRecord(text.index(s), text.index(s) + len(s), label) for s, label in names]
    with Store(tmp_path / "p.db", annotator="alice") as store:
        store.loading.add_article(ArticleRecord(text=text, lang="en", spans=spans, answer="accept"))
        export(store, "conll", tmp_path / "out.conll")
    [doc] = read_written((tmp_path / "out.conll").read_text(encoding="utf-8").splitlines(keepends=True))
    entities = [[(tok, tag) for tok, tag in sent if tag != "O"] for sent in doc]
    assert [e for e in entities if e] == [
        [("1", "B-ORG"), (".", "I-ORG"), ("FC", "I-ORG"), ("Cologne", "I-ORG")],
        [("ST", "B-GPE"), (".", "I-GPE"), ("LOUIS", "I-GPE")],
        [("1", "B-ORG"), (".", "I-ORG"), ("FC", "I-ORG"), ("Cologne", "I-ORG")]]
    with Store(tmp_path / "back.db", annotator="bob") as back:
        import_paths(back, [tmp_path / "out.conll"])
        [article_id] = back.articles.ids()
        got = back.articles.get(article_id).text
        assert sorted(" ".join(got[s.start:s.end].split()) for s in back.view.spans(article_id)) == [
            "1 . FC Cologne", "1 . FC Cologne", "ST . LOUIS"]
