"""Reading each format: records, spans and raw offsets as the files state them."""

from __future__ import annotations

import json

import pytest

from annotations.formats import Problem, format_of, iter_files, read_path
from annotations.formats.conll import parse_tag
from annotations.formats.offsets import OffsetMap
from annotations.model import ArticleRecord
from annotations.text import normalize


def records(path, fmt="auto"):
    items = list(read_path(path, fmt))
    problems = [i for i in items if isinstance(i, Problem)]
    assert not problems, [str(p) for p in problems]
    return items


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# -- txt ----------------------------------------------------------------------------------------

def test_txt_file_keeps_raw_text_and_its_name_as_source(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes("\ufeffTitle line\r\n\r\nBody with caf\u00e9.\r\n".encode())
    [record] = records(path)
    assert record.text == "Title line\r\n\r\nBody with caf\u00e9.\r\n"  # BOM dropped, CRLF kept for now
    assert record.source == "story.txt"
    assert record.spans == [] and record.answer is None


def test_txt_folder_is_read_recursively_sorted_skipping_hidden(tmp_path):
    for rel in ["b.txt", "a/z.txt", "a/b/y.txt", ".hidden.txt", ".git/x.txt", "c.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"text of {rel}\n", encoding="utf-8")
    assert [r.source for r in records(tmp_path)] == ["a/b/y.txt", "a/z.txt", "b.txt", "c.txt"]


def test_utf16_text_file_with_bom_is_decoded(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("Notepad \u00e9crit en UTF-16\n".encode("utf-16"))
    [record] = records(path)
    assert record.text == "Notepad \u00e9crit en UTF-16\n"


def test_format_is_chosen_by_extension():
    assert [format_of(n) for n in ["a.TXT", "b.jsonl", "c.conll", "d.spacy", "e.iob", "f.md", "g"]] == [
        "txt", "jsonl", "conll", "spacy", "conll", None, None]


def test_unknown_extension_is_an_error_for_a_file_and_a_notice_in_a_folder(tmp_path):
    (tmp_path / "notes.md").write_text("# hi", encoding="utf-8")
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    [direct] = list(iter_files(tmp_path / "notes.md"))
    assert isinstance(direct, Problem) and not direct.notice and ".md" in direct.message
    items = list(iter_files(tmp_path))
    assert [type(i).__name__ for i in items] == ["SourceFile", "Problem"]
    assert items[1].notice and "skipped" in items[1].message


def test_explicit_format_overrides_the_extension(tmp_path):
    path = tmp_path / "data.out"
    write_jsonl(path, [{"text": "Hello Paris", "spans": [{"start": 6, "end": 11, "label": "GPE"}]}])
    [record] = records(path, "jsonl")
    assert (record.spans[0].start, record.spans[0].end) == (6, 11)
    [as_text] = records(path, "txt")
    assert as_text.text.startswith('{"text"')


# -- JSONL --------------------------------------------------------------------------------------

def test_prodigy_record_fields(tmp_path):
    text = "\U0001F600 Macron met Hammouchi in Rabat."
    start = text.index("Macron")
    path = write_jsonl(tmp_path / "p.jsonl", [{
        "text": text, "answer": "accept", "meta": {"title": "Meeting", "source": "feed-1", "n": 3},
        "tokens": [{"text": "bogus", "start": 0, "end": 99, "id": 0}],
        "spans": [{"start": start, "end": start + 6, "label": "PERSON", "text": "Macron",
                   "token_start": 0, "token_end": 0}],
        "_input_hash": 1, "_task_hash": 2}])
    [record] = records(path)
    assert record.title == "Meeting" and record.source == "feed-1" and record.meta["n"] == 3
    assert record.answer == "accept" and record.line == 1
    span = record.spans[0]
    assert start == 2  # Python index: the emoji is one character (UTF-16 would say 3)
    assert (span.start, span.end, span.label, span.text) == (2, 8, "PERSON", "Macron")


def test_prodigy_answers_and_plain_records(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [
        {"text": "one", "spans": [], "answer": "reject"},
        {"text": "two", "answer": "ignore"},
        {"text": "three"},
    ])
    assert [r.answer for r in records(path)] == ["reject", "ignore", None]


def test_doccano_label_labels_and_entities_forms(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        {"id": 7, "text": "Rabat and Paris", "label": [[0, 5, "GPE"], [10, 15, "GPE"]]},
        {"text": "Wray spoke", "labels": [[0, 4, "PERSON"]]},
        {"text": "FBI", "entities": [{"id": 1, "start_offset": 0, "end_offset": 3, "label": "ORG"}]},
    ])
    first, second, third = records(path)
    assert [(s.start, s.end, s.label) for s in first.spans] == [(0, 5, "GPE"), (10, 15, "GPE")]
    assert first.meta == {"id": 7} and first.answer == "accept"
    assert second.spans[0].label == "PERSON" and third.spans[0].label == "ORG"
    assert [r.line for r in (first, second, third)] == [1, 2, 3]


def test_jsonl_blank_lines_are_skipped_and_lines_counted(tmp_path):
    path = tmp_path / "gaps.jsonl"
    path.write_text('\n{"text": "a"}\n\n   \n{"text": "b"}\n', encoding="utf-8")
    assert [r.line for r in records(path)] == [2, 5]


def test_jsonl_title_defaults_to_none_so_the_first_line_is_used(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [{"text": "\n\n  First line  \nrest", "meta": {"title": "  "}}])
    assert records(path)[0].title is None


# -- CoNLL --------------------------------------------------------------------------------------

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

Wray I-PER
met O
Hammouchi I-PER
Abdellatif B-PER
in O
Rabat I-LOC
"""


def test_conll_documents_sentences_and_iob1_iob2(tmp_path):
    path = tmp_path / "news.conll"
    path.write_text(CONLL, encoding="utf-8")
    first, second = records(path)
    assert first.text == "EU rejects German call .\nPeter Blackburn"
    assert [(first.text[s.start:s.end], s.label) for s in first.spans] == [
        ("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")]
    assert first.answer == "accept" and first.line == 1 and first.source == "news.conll:1"
    # IOB1: I- starts an entity; B- splits two adjacent entities of the same type
    assert second.text == "Wray met Hammouchi Abdellatif in Rabat"
    assert [second.text[s.start:s.end] for s in second.spans] == ["Wray", "Hammouchi", "Abdellatif", "Rabat"]
    assert second.line == 12


def test_conll_without_docstart_is_one_document_and_tabs_allow_spaces(tmp_path):
    path = tmp_path / "plain.iob"
    path.write_text("New York\tB-GPE\nis\tO\n\nbig\tO\n", encoding="utf-8")
    [record] = records(path)
    assert record.text == "New York is\nbig"
    assert [(s.start, s.end) for s in record.spans] == [(0, 8)]


def test_conll_bioes_tags(tmp_path):
    path = tmp_path / "b.conll"
    path.write_text("Abdellatif B-PER\nHammouchi E-PER\nRabat S-LOC\nFBI S-ORG\n", encoding="utf-8")
    [record] = records(path)
    assert [record.text[s.start:s.end] for s in record.spans] == ["Abdellatif Hammouchi", "Rabat", "FBI"]


@pytest.mark.parametrize("tag", ["X-PER", "B-", "I", "garbage", "b-PER", "B-9X", "O-"])
def test_invalid_conll_tags(tag):
    assert isinstance(parse_tag(tag), str)


@pytest.mark.parametrize("tag,expected", [("O", ("O", None)), ("B-PER", ("B", "PER")),
                                          ("I-FASHION_BRAND", ("I", "FASHION_BRAND"))])
def test_valid_conll_tags(tag, expected):
    assert parse_tag(tag) == expected


# -- DocBin ---------------------------------------------------------------------------------------

def test_docbin_ents_and_span_group(tmp_path):
    from spacy.tokens import DocBin

    from annotations.tokenizers import blank_nlp

    nlp = blank_nlp("en")
    doc = nlp("Abdellatif Hammouchi met Christopher Wray of the FBI in Rabat")
    doc.ents = [doc.char_span(0, 20, "PERSON"), doc.char_span(49, 52, "ORG", kb_id="Q8333")]
    doc.spans["sc"] = [doc.char_span(25, 52, "PERSON"), doc.char_span(0, 20, "PERSON")]
    doc.user_data["title"] = "Meeting in Rabat"
    bin_ = DocBin(store_user_data=True)
    bin_.add(doc)
    bin_.add(nlp("Second document, no entities"))
    path = tmp_path / "train.spacy"
    bin_.to_disk(path)
    first, second, notice = list(read_path(path))
    assert first.text == doc.text and first.answer == "accept" and first.title == "Meeting in Rabat"
    assert [(s.start, s.end, s.label) for s in first.spans] == [
        (0, 20, "PERSON"), (49, 52, "ORG"), (25, 52, "PERSON"), (0, 20, "PERSON")]
    assert first.spans[1].kb_id == "Q8333"
    assert second.spans == [] and second.source == "train.spacy#2"
    # No entity annotation at all: every token is missing (unknown), so it is not gold with no entities.
    assert second.answer is None
    assert notice.notice and str(notice).startswith(f"{path}: note: doc 2: 5 tokens marked missing")


# -- offset mapping through normalization ------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "plain ascii",
    "line one\r\nline two\rline three\r\n",
    "Cafe\u0301 de\u0301ja\u0300 vu\r\n\u00c5ngstro\u0308m",  # NFD input
    "\u0627\u0644\u0645\u063a\u0631\u0628 \u064e\u0651 \U0001F600\r\n\u1100\u1161\u11a8 x",
    "\u0301leading combining mark",
])
def test_offset_map_agrees_with_normalizing_each_prefix(raw):
    mapping = OffsetMap(raw)
    assert mapping.text == normalize(raw)
    for i in reversed(range(len(raw) + 1)):
        assert mapping(i) == len(normalize(raw[:i])), i


def test_read_path_streams(tmp_path):
    path = write_jsonl(tmp_path / "many.jsonl", [{"text": f"article {i}"} for i in range(1000)])
    stream = read_path(path)
    first = next(stream)
    assert isinstance(first, ArticleRecord) and first.text == "article 0"
    stream.close()


# -- both ways: parallax export, then import into a fresh database --------------------------------------

ROUND_TRIP = [
    ("Visite \U0001F1F2\U0001F1E6 \U0001F600: Christopher Wray re\u00e7u par Abdellatif Hammouchi "
     "\u00e0 Rabat.\r\nLe FBI et la DGSN coop\u00e8rent.",
     [("Christopher Wray", "PERSON"), ("Abdellatif Hammouchi", "PERSON"), ("Rabat", "GPE"),
      ("FBI", "ORG"), ("DGSN", "ORG")]),
    ("\u0627\u0633\u062a\u0642\u0628\u0644 \u062d\u0645\u0648\u0634\u064a \u0648\u0631\u0627\u064a "
     "\u0641\u064a \u0627\u0644\u0631\u0628\u0627\u0637",
     [("\u062d\u0645\u0648\u0634\u064a", "PERSON"), ("\u0627\u0644\u0631\u0628\u0627\u0637", "GPE")]),
]


def _import_round_trip_source(store, tmp_path):
    from annotations.importer import import_paths

    rows = []
    for text, spans in ROUND_TRIP:
        offsets = [{"start": text.index(s), "end": text.index(s) + len(s), "label": label, "text": s}
                   for s, label in spans]
        rows.append({"text": text, "spans": offsets, "answer": "accept", "meta": {"title": text[:12]}})
    report = import_paths(store, [write_jsonl(tmp_path / "source.jsonl", rows)])
    assert report.ok and report.imported == 2
    return report.article_ids


def _surfaces(store, article_id):
    text = store.articles.get(article_id).text
    return [(text[s.start:s.end], s.label) for s in store.view.spans(article_id)]


@pytest.mark.parametrize("fmt", ["jsonl", "spacy", "conll"])
def test_export_then_import_gives_the_same_articles(store, tmp_path, fmt):
    from annotations.export import export
    from annotations.importer import import_paths
    from annotations.store import Store

    ids = _import_round_trip_source(store, tmp_path)
    out = tmp_path / ("out" if fmt == "spacy" else f"out.{fmt}")
    export(store, fmt, out, split=1.0)
    with Store(tmp_path / "again.db", annotator="alice") as again:
        report = import_paths(again, [out])
        assert report.ok, [str(p) for p in report.problems]
        assert report.imported == 2
        new_ids = report.article_ids
        if fmt == "spacy":  # one folder per language, read in name order: ar/ before fr/
            assert [p.name for p in sorted(out.iterdir())] == ["ar", "fr"]
            new_ids = sorted(new_ids, key=lambda n: [store.articles.get(o).text for o in ids].index(
                again.articles.get(n).text))
        pairs = list(zip(ids, new_ids, strict=True))
        for old, new in pairs:
            assert _surfaces(again, new) == _surfaces(store, old)
            assert again.view.status(new) == "done"
            if fmt != "conll":  # CoNLL keeps tokens, not the spacing between them
                assert again.articles.get(new).text == store.articles.get(old).text
        if fmt == "jsonl":
            assert [again.articles.get(n).title for _, n in pairs] == [store.articles.get(o).title for o,
                                                                       _ in pairs]
            assert [again.articles.get(n).lang for _, n in pairs] == ["fr", "ar"]


def test_spans_marked_rejected_by_a_parallax_export_are_not_read_as_entities(tmp_path):
    path = write_jsonl(tmp_path / "all.jsonl", [{"text": "Wray in Rabat", "answer": "accept", "spans": [
        {"start": 0, "end": 4, "label": "PERSON", "status": "accepted"},
        {"start": 8, "end": 13, "label": "ORG", "status": "rejected"}]}])
    [record] = records(path)
    assert [(s.start, s.end, s.label) for s in record.spans] == [(0, 4, "PERSON")]
