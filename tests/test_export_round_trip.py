"""Whatever Parallax exports, Parallax imports back unchanged: hostile text in every format.

Articles holding NUL, ESC sequences, C1 controls, bidi overrides, tabs, no-break
spaces, backslashes and a literal ``-DOCSTART-`` go out as CoNLL, JSONL and DocBin
and come back with the same tokens (CoNLL) or the same text (JSONL, DocBin) and
the same spans. CoNLL used to write NUL and ESC raw; its own importer then refused
the file from the NUL on.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from export_fixtures import read_conll
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.export import export
from annotations.export.conll import tagged_sentences
from annotations.export.gold import select_articles
from annotations.importer import import_paths
from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store

HOSTILE = [
    ("Nul\x00byte met Wray\x00X in Rabat.\nEnd of \x00 story.", [("Wray\x00X", "PERSON"), ("Rabat", "GPE")]),
    ("Red \x1b[31mAlert\x1b[0m and \x1b]52;c;ZXZpbA==\x07 from Hammouchi.\tTabbed\tline here.",
     [("Hammouchi", "PERSON"), ("\x1b[31mAlert\x1b[0m", "MISC")]),
    ("C1 \x85next \x9b2J and \u202eevil\u202c \u2066iso\u2069 near Sahel.\n"
     "No\u00a0break, back\\slash \\u0041 and -DOCSTART- in the FBI.",
     [("Sahel", "LOC"), ("FBI", "ORG"), ("\u202eevil\u202c", "MISC"), ("-DOCSTART-", "MISC")]),
]


def build(path) -> list[int]:
    """The hostile articles, each with gold spans, marked done by alice."""
    ids = []
    with Store(path, annotator="alice") as store:
        for text, spans in HOSTILE:
            records = [SpanRecord(text.index(s), text.index(s) + len(s), label) for s, label in spans]
            aid, _ = store.loading.add_article(ArticleRecord(text=text, lang="en", spans=records,
                                                             answer="accept"),
                                       annotator="alice")
            ids.append(aid)
    return ids


def cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=300, cwd=cwd)


def surfaces(store: Store, aid: int, annotator: str) -> list[tuple[str, str]]:
    text = store.articles.get(aid).text
    return sorted((text[s.start:s.end], s.label) for s in store.view.spans(aid, annotator))


def unspaced(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(text.replace(" ", ""), label) for text, label in pairs]


def tokens_and_tags(store: Store) -> list[list[list[tuple[str, str]]]]:
    return [tagged_sentences(item)[0] for item in select_articles(store)]


def test_conll_with_control_characters_imports_back_every_article(tmp_path):
    ids = build(tmp_path / "src.db")
    out = cli("export", "--format", "conll", "--output", "gold.conll", "--db", "src.db", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = (tmp_path / "gold.conll").read_bytes()
    assert b"\x00" not in data and b"\x1b" not in data and "\x85".encode() not in data  # plain text
    back = cli("import", "gold.conll", "--db", "fresh.db", "--annotator", "carol", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert back.stdout.startswith("3 articles imported"), back.stdout
    with Store(tmp_path / "src.db", readonly=True) as src, Store(tmp_path / "fresh.db", readonly=True) as new:
        assert tokens_and_tags(new) == tokens_and_tags(src)  # the same tokens, sentences and tags
        for old, again in zip(ids, new.articles.ids(), strict=True):  # CoNLL keeps tokens, not spacing
            assert unspaced(surfaces(new, again, "carol")) == unspaced(surfaces(src, old, "alice"))
        written = read_conll(data.decode("utf-8").splitlines())
        assert written == tokens_and_tags(src)
    # And once more: exporting what was imported writes the same file.
    again = cli("export", "--format", "conll", "--output", "again.conll", "--db", "fresh.db", cwd=tmp_path)
    assert again.returncode == 0 and (tmp_path / "again.conll").read_bytes() == data


@pytest.mark.parametrize("fmt,target", [("jsonl", "gold.jsonl"), ("spacy", "corpus")])
def test_jsonl_and_docbin_with_control_characters_import_back_the_same_text(tmp_path, fmt, target):
    ids = build(tmp_path / "src.db")
    out = cli("export", "--format", fmt, "--output", target, "--db", "src.db", "--split", "1", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    back = cli("import", target, "--db", "fresh.db", "--annotator", "carol", cwd=tmp_path)
    assert back.returncode == 0 and back.stdout.startswith("3 articles imported"), back.stdout + back.stderr
    with Store(tmp_path / "src.db", readonly=True) as src, Store(tmp_path / "fresh.db", readonly=True) as new:
        for old, again in zip(ids, new.articles.ids(), strict=True):
            assert new.articles.get(again).text == src.articles.get(old).text
            assert surfaces(new, again, "carol") == surfaces(src, old, "alice")
            assert new.view.status(again, "carol") == "done"


def test_hf_rows_hold_the_conll_tokens_as_json(tmp_path):
    build(tmp_path / "src.db")
    with Store(tmp_path / "src.db", readonly=True) as src:
        export(src, "hf", tmp_path / "hf", split=1.0)
        expected = [[tok for tok, _ in sent] for doc in tokens_and_tags(src) for sent in doc]
    lines = (tmp_path / "hf" / "en" / "train.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["tokens"] for r in rows] == expected
    assert any("\x00" in tok for r in rows for tok in r["tokens"])


# -- the property: any text, any token-aligned spans -------------------------------------------------

ALPHABET = st.sampled_from(list("abcXYZ019 .,-\\u") + ["\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\x9b",
                                                        "\u00a0", "\u202e", "\u2066", "\u2028", "é", "ب"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(ALPHABET, min_size=1, max_size=60), picks=st.lists(st.integers(0, 10_000), max_size=4))
def test_any_conll_export_imports_back_to_the_same_tokens_and_tags(tmp_path_factory, text, picks):
    from annotations.export.align import make_doc, sentences
    from annotations.export.gold import ExportArticle
    from annotations.model import Article
    from annotations.text import normalize

    text = normalize(text)
    if not text.strip():
        return
    doc = make_doc(ExportArticle(Article(0, "", text, "en", None, "")))
    words = [t for sent in sentences(doc) for t in sent]
    spans = []
    for pick in picks:  # single-token spans on tokens that are not whitespace
        if words:
            t = words[pick % len(words)]
            spans.append(SpanRecord(t.idx, t.idx + len(t.text), "MISC"))
    folder = tmp_path_factory.mktemp("prop")
    with Store(folder / "src.db", annotator="alice") as src:
        src.loading.add_article(ArticleRecord(text=text, lang="en", spans=spans, answer="accept"),
                                annotator="alice")
        export(src, "conll", folder / "out.conll")
        expected = tokens_and_tags(src)
    with Store(folder / "fresh.db", annotator="carol") as new:
        report = import_paths(new, [folder / "out.conll"])
        assert report.ok, [str(p) for p in report.problems]
        assert read_conll((folder / "out.conll").read_text("utf-8").splitlines()) == expected
        imported = new.articles.get(new.articles.ids()[0]).text
        assert imported == "\n".join(" ".join(tok for tok, _ in sent) for sent in expected[0])
        spans_back = {(imported[s.start:s.end], s.label) for s in new.view.spans(new.articles.ids()[0])}
        assert spans_back == {(text[s.start:s.end], s.label) for s in spans}


def test_a_prodigy_file_keeps_its_meta_and_hashes_through_parallax(tmp_path):
    """A Prodigy task imported, annotated and exported keeps the ``meta`` keys Parallax does not
    use and Prodigy's ``_input_hash``/``_task_hash``/``_view_id``, so Prodigy (``db-in``, its
    dedupe by hash) and whatever read the meta still know it; through a second Parallax too."""
    task = {"text": "Hammouchi met Wray in Rabat.", "_input_hash": -1480563617, "_task_hash": 1270358921,
            "_view_id": "ner_manual", "answer": "accept",
            "meta": {"source": "wire", "url": "https://example.org/a/1", "pub_date": "2024-06-13",
                     "score": 0.5},
            "spans": [{"start": 0, "end": 9, "label": "PERSON"}, {"start": 22, "end": 27, "label": "GPE"}]}
    (tmp_path / "in.jsonl").write_text(json.dumps(task) + "\n", encoding="utf-8")
    for step in ("one", "two"):
        source = tmp_path / ("in.jsonl" if step == "one" else "one.jsonl")
        assert cli("import", str(source), "--db", f"{step}.db", cwd=tmp_path).returncode == 0
        out = cli("export", "--format", "jsonl", "--output", f"{step}.jsonl", "--db", f"{step}.db",
                  cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        [written] = [json.loads(line) for line in (tmp_path / f"{step}.jsonl").read_text().splitlines()]
        assert {k: written[k] for k in ("_input_hash", "_task_hash", "_view_id")} == {
            "_input_hash": -1480563617, "_task_hash": 1270358921, "_view_id": "ner_manual"}
        assert written["meta"]["url"] == "https://example.org/a/1" and written["meta"]["score"] == 0.5
        assert written["meta"]["pub_date"] == "2024-06-13" and written["meta"]["source"] == "wire"
        assert "_prodigy" not in written["meta"] and written["meta"]["article_id"] == 1
        assert [(s["start"], s["end"], s["label"]) for s in written["spans"]] == [(0, 9, "PERSON"),
                                                                                   (22, 27, "GPE")]
