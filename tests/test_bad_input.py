"""Bad input: one clear FILE:LINE: reason per bad file or record, the good ones still imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from annotations.importer import import_paths
from annotations.store import Store


def write_lines(path, lines):
    path.write_bytes(b"".join((ln if isinstance(ln, bytes) else ln.encode()) + b"\n" for ln in lines))
    return path


def span_row(text, spans, **extra):
    return json.dumps({"text": text, "spans": spans, **extra}, ensure_ascii=False)


def messages(report):
    return [str(p) for p in report.problems]


def run_cli(*args, cwd, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "annotations", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PARALLAX_ANNOTATOR": "cli"})


GOOD = json.dumps({"text": "Wray visited Rabat", "spans": [{"start": 13, "end": 18, "label": "GPE"}],
                   "answer": "accept"})


# -- whole files -----------------------------------------------------------------------------------

def test_binary_file_is_refused(store, tmp_path):
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    jsonl = tmp_path / "blob.jsonl"
    jsonl.write_bytes(GOOD.encode() + b"\n\x00\x01\x02garbage\n" + GOOD.replace("Wray", "Hoover").encode())
    report = import_paths(store, [png, jsonl])
    binary = "binary data (a NUL byte), not a text file; import text, JSONL, CoNLL or .spacy files only"
    assert messages(report) == [f"{png}:3: {binary}", f"{jsonl}:2: {binary}"]
    assert report.imported == 1  # the line before the binary data


def test_invalid_utf8_names_the_line_and_keeps_the_other_lines(store, tmp_path):
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Titre\nLe pr\u00e9sident".encode("latin-1"))
    jsonl = write_lines(tmp_path / "mixed.jsonl", [
        GOOD, '{"text": "caf\u00e9 cr\u00e8me"}'.encode("latin-1"), '{"text": "third"}'])
    report = import_paths(store, [latin, jsonl])
    assert messages(report) == [
        f"{latin}:2: not valid UTF-8 (byte 0xE9); save the file as UTF-8, e.g. iconv -f latin1 -t utf-8",
        f"{jsonl}:2: not valid UTF-8 (byte 0xE9); save the file as UTF-8, e.g. iconv -f latin1 -t utf-8"]
    assert report.imported == 2


@pytest.mark.parametrize("name,content", [("e.txt", b""), ("w.txt", b" \r\n\t\n"), ("e.jsonl", b"\n\n"),
                                          ("e.conll", b""), ("e.spacy", b"")])
def test_empty_files(store, tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    report = import_paths(store, [tmp_path / name])
    [problem] = report.problems
    assert str(problem).startswith(f"{tmp_path / name}: empty ")
    assert report.imported == 0


def test_unreadable_docbin(store, tmp_path):
    (tmp_path / "x.spacy").write_bytes(b"this is not msgpack at all" * 10)
    [problem] = import_paths(store, [tmp_path / "x.spacy"]).problems
    assert "not a readable spaCy DocBin file" in problem.message


def test_unknown_extension_and_missing_path(store, tmp_path):
    (tmp_path / "notes.md").write_text("# Notes", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("fine", encoding="utf-8")
    report = import_paths(store, [tmp_path / "notes.md", tmp_path / "nope", tmp_path / "ok.txt"])
    assert messages(report) == [
        f"{tmp_path / 'notes.md'}: unknown file type .md; name it .txt, .jsonl, .conll or .spacy, "
        "or pass --format",
        f"{tmp_path / 'nope'}: no such file or folder"]
    assert report.imported == 1


def test_huge_article_imports_whole(store, tmp_path):
    para = "Le directeur Abdellatif Hammouchi a re\u00e7u Christopher Wray \u00e0 Rabat.\r\n"
    text = "Grand article \U0001F600\r\n" + para * (20_000_000 // len(para))
    start = text.rindex("Rabat")
    path = tmp_path / "huge.jsonl"
    path.write_text(span_row(text, [{"start": start, "end": start + 5, "label": "GPE", "text": "Rabat"}])
                    + "\n", encoding="utf-8")
    report = import_paths(store, [path])
    assert report.ok and report.imported == 1
    article = store.articles.get(report.article_ids[0])
    assert len(article.text) == len(text) - text.count("\r\n") and "\r" not in article.text
    [span] = store.view.spans(article.id)
    assert article.text[span.start:span.end] == "Rabat" and span.end == len(article.text) - 2


# -- records -----------------------------------------------------------------------------------------

def test_malformed_json_lines(store, tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [
        GOOD, '{"text": "unterminated', "[1, 2]", '"just a string"', '{"title": "no text"}',
        '{"text": 5}', '{"text": "   "}', '{"text": "broken \\ud83d emoji"}',
        '{"text": "Bad answer", "answer": "maybe"}', '{"text": "positive", "label": ["positive"]}'])
    report = import_paths(store, [path])
    got = messages(report)
    expected_starts = [
        f"{path}:2: malformed JSON: Unterminated string starting at column 10;",
        f"{path}:3: expected a JSON object",
        f"{path}:4: expected a JSON object",
        f'{path}:5: no "text" string',
        f'{path}:6: no "text" string',
        f"{path}:7: empty text",
        f"{path}:8: the text holds an unpaired surrogate (U+D83D",
        f"{path}:9: unknown answer 'maybe'",
        f"{path}:10: \"label\" holds 'positive', not [start, end, label]",
    ]
    assert len(got) == len(expected_starts)
    for line, start in zip(got, expected_starts, strict=True):
        assert line.startswith(start), line
    assert report.imported == 1 and store.articles.count() == 1


@pytest.mark.parametrize("span,reason", [
    ({"start": 10, "end": 99, "label": "GPE"}, "outside the text (0-18)"),
    ({"start": -1, "end": 4, "label": "GPE"}, "outside the text (0-18)"),
    ({"start": 8, "end": 4, "label": "GPE"}, "reversed (end before start)"),
    ({"start": 4, "end": 4, "label": "GPE"}, "empty (start equals end)"),
    ({"start": "0", "end": 4, "label": "GPE"}, 'whole-number "start" and "end"'),
    ({"start": 0.0, "end": 4, "label": "GPE"}, 'whole-number "start" and "end"'),
    ({"start": 0, "end": 4, "label": ""}, "invalid label ''"),
    ({"start": 0, "end": 4}, "span 1 has no label, not a name"),
    ({"start": 0, "end": 4, "label": None}, "span 1 has no label, not a name"),
    ({"start": 0, "end": 4, "label": True}, "span 1 has the label 'true', not a name"),
    ({"start": 0, "end": 4, "label": False}, "span 1 has the label 'false', not a name"),
    ({"start": 0, "end": 4, "label": 1.5}, "span 1 has the label '1.5', not a name"),
    ({"start": 0, "end": 4, "label": ["GPE"]}, "span 1 has the label '[\"GPE\"]', not a name"),
    ({"start": 0, "end": 4, "label": "NOT A LABEL"}, "invalid label 'NOT A LABEL'"),
    ({"start": 0, "end": 4, "label": "9LIVES"}, "invalid label '9LIVES'"),
    ({"start": 0, "end": 4, "label": "L" * 51}, "invalid label"),
    ({"start": 0, "end": 4, "label": 7}, "span 1 has the label '7', not a name"),
    ({"start": 0, "end": 4, "label": "PERSON", "text": "Wra"}, "the text at these offsets is 'Wray' but"),
])
def test_bad_spans_refuse_their_record_only(store, tmp_path, span, reason):
    path = write_lines(tmp_path / "s.jsonl", [span_row("Wray visited Rabat", [span], answer="accept"),
                                              GOOD.replace("Wray", "Comey")])
    report = import_paths(store, [path])
    [problem] = report.problems
    assert str(problem).startswith(f"{path}:1: ") and reason in problem.message, str(problem)
    assert report.imported == 1


def test_doccano_bad_triples(store, tmp_path):
    path = write_lines(tmp_path / "d.jsonl", [
        json.dumps({"text": "Wray visited Rabat", "label": [[0, 4]]}),
        json.dumps({"text": "Wray visited Rabat", "label": [[13, 18, "GPE"], [20, 30, "GPE"]]})])
    report = import_paths(store, [path])
    assert [p.line for p in report.problems] == [1, 2]
    assert "expected [start, end, label]" in report.problems[0].message
    assert "outside the text" in report.problems[1].message and report.imported == 0


def test_json_true_false_or_number_as_a_label_is_refused_in_every_jsonl_form(store, tmp_path):
    """A JSON true used to be imported as the label "true" (json.dumps made a valid name of it)."""
    path = write_lines(tmp_path / "t.jsonl", [
        json.dumps({"text": "Wray visited Rabat", "label": [[0, 4, True]]}),
        json.dumps({"text": "Wray visited Rabat", "entities": [{"start_offset": 0, "end_offset": 4,
                                                                   "label": False}]}),
        span_row("Wray visited Rabat", [{"start": 0, "end": 4, "label": 3}]),
        span_row("Wray visited Rabat again", [{"start": 0, "end": 4, "label": "PERSON"}], answer="accept")])
    report = import_paths(store, [path])
    assert [(p.line, p.message.split(",")[0]) for p in report.problems] == [
        (1, "label entry 1 has the label 'true'"), (2, "entities entry 1 has the label 'false'"),
        (3, "span 1 has the label '3'")]
    assert report.imported == 1 and "true" not in store.labels.names() and "false" not in store.labels.names()


def test_span_splitting_a_crlf_or_a_combined_character(store, tmp_path):
    text = "Rabat\r\nCafe\u0301"
    path = write_lines(tmp_path / "c.jsonl", [
        span_row(text, [{"start": 6, "end": 7, "label": "MISC"}]),           # the LF of CRLF
        span_row(text, [{"start": 7, "end": 11, "label": "MISC"}])])         # "Cafe" without its accent
    report = import_paths(store, [path])
    assert [p.line for p in report.problems] == [1, 2]
    assert all("normalization joins" in p.message for p in report.problems)


def test_invalid_conll_tags_refuse_their_document_only(store, tmp_path):
    path = tmp_path / "bad.conll"
    path.write_text("-DOCSTART- O\n\nWray X-PER\nmet B-\nHammouchi I\nin garbage\nRabat\n\n"
                    "-DOCSTART- O\n\nComey B-PER\n", encoding="utf-8")
    report = import_paths(store, [path])
    assert messages(report) == [
        f"{path}:3: invalid tag 'X-PER' (expected O, B-LABEL or I-LABEL)",
        f"{path}:4: invalid tag 'B-' (expected O, B-LABEL or I-LABEL)",
        f"{path}:5: invalid tag 'I' (expected O, B-LABEL or I-LABEL)",
        f"{path}:6: invalid tag 'garbage' (expected O, B-LABEL or I-LABEL)",
        f"{path}:7: token 'Rabat' has no tag (expected TOKEN ... TAG, tag in the last column)"]
    assert report.imported == 1 and store.articles.get(report.article_ids[0]).text == "Comey"


def test_messages_are_one_terminal_safe_line(store, tmp_path):
    name = "evil\x1b[2J\x9b.jsonl"
    path = write_lines(tmp_path / name, [span_row("x\x1b]52;c;AA==\x07y", [
        {"start": 0, "end": 3, "label": "MISC", "text": "\x1b[2J\nboom"}])])
    [problem] = import_paths(store, [path]).problems
    shown = str(problem)
    assert not any(ch in shown for ch in "\x1b\x9b\x07\n")
    assert "\\x1b[2J\\nboom" in shown and shown.endswith("(they are Python character positions)")


# -- the command: exit status, problem lines and summary -------------------------------------------------

def test_cli_reports_each_problem_imports_the_rest_and_exits_1(tmp_path):
    write_lines(tmp_path / "mix.jsonl", [GOOD, "{oops", span_row("Dior", [
        {"start": 0, "end": 4, "label": "FASHION_BRAND"}], answer="accept")])
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01")
    result = run_cli("import", "mix.jsonl", "junk.bin", "missing.txt", "--db", "p.db", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "mix.jsonl:2: malformed JSON: Expecting property name enclosed in double quotes at column 2; "
        "each line must be one JSON object",
        "junk.bin: unknown file type .bin; name it .txt, .jsonl, .conll or .spacy, or pass --format",
        "missing.txt: no such file or folder",
        "mix.jsonl:3: note: label FASHION_BRAND is not in the project's scheme; added it "
        "(use --strict-labels to refuse such records)",
        # texts this short name their language only as a guess (issue 20 §4)
        "mix.jsonl:1: note: language uncertain, guessed en from 'Wray visited Rabat'; give --lang to set it",
        "mix.jsonl:3: note: language uncertain, guessed es from 'Dior'; give --lang to set it"]
    assert result.stdout == ("2 articles imported, 0 already present, 2 spans, 3 problems, 3 notices, "
                             "2 languages uncertain (see the notices; --lang sets it)\n")
    strict = run_cli("import", "mix.jsonl", "--db", "strict.db", "--strict-labels", cwd=tmp_path)
    assert strict.returncode == 1 and "mix.jsonl:3: label FASHION_BRAND not in the project's scheme" \
        in strict.stderr


def test_cli_bad_lang_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    result = run_cli("import", "a.txt", "--lang", "english!", "--db", "p.db", cwd=tmp_path)
    assert result.returncode == 2 and "not a language code" in result.stderr
    assert not (tmp_path / "p.db").exists()


def test_cli_corrupt_and_missing_folder_database(tmp_path):
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    (tmp_path / "corrupt.db").write_bytes(os.urandom(4096))
    for db in ("corrupt.db", "no/such/folder.db"):
        result = run_cli("import", "a.txt", "--db", db, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith(f"parallax: error: {db}: ") and "Traceback" not in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_cli_read_only_database(tmp_path):
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    (tmp_path / "b.txt").write_text("other text", encoding="utf-8")
    folder = tmp_path / "ro"
    folder.mkdir()
    assert run_cli("import", "a.txt", "--db", "ro/p.db", cwd=tmp_path).returncode == 0
    if os.geteuid() != 0:
        folder.chmod(0o555)
        (folder / "p.db").chmod(0o444)
        prefix: tuple[str, ...] = ()
    else:  # root ignores permissions: a read-only bind mount in a user namespace does not
        assert shutil.which("unshare"), "unshare (util-linux) is needed to test a read-only database as root"
        prefix = ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                  f"mount --bind -o ro '{folder}' '{folder}' && exec \"$@\"", "sh")
    try:
        result = run_cli("import", "b.txt", "--db", "ro/p.db", cwd=tmp_path, prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("parallax: error: ro/p.db: "), result.stderr
    with Store(folder / "p.db", readonly=True) as store:
        assert store.articles.count() == 1


def test_docbin_problems_name_the_doc_they_come_from(store, tmp_path):
    # Each problem in a .spacy file names its Doc, counted from 1 in file order.
    from spacy.tokens import DocBin

    from annotations.tokenizers import blank_nlp

    nlp = blank_nlp("en")
    docs = [nlp.make_doc(text) for text in ("Wray visited Rabat", "Comey met Hammouchi", "Haines in Paris",
                                            "Hoover in Dakar")]
    docs[0].ents = [docs[0].char_span(13, 18, label="GPE")]
    docs[1].ents = [docs[1].char_span(0, 5, label="9X")]  # not a label name
    docs[2].ents = [docs[2].char_span(10, 15, label="CITY")]  # not in the scheme, refused when strict
    docs[3].set_ents([], missing=[docs[3][2:3]])  # a missing token: imported, not done (a notice)
    DocBin(docs=docs).to_disk(tmp_path / "d.spacy")
    report = import_paths(store, [tmp_path / "d.spacy"], strict_labels=True, lang="en")  # short texts
    path = tmp_path / "d.spacy"
    assert messages(report) == [
        f"{path}: doc 2: span 0-5 '9X': invalid label '9X'; a label is a letter, then letters, digits, "
        "_ or - (at most 50)",
        f"{path}: doc 3: label CITY not in the project's scheme (--strict-labels); add it to parallax.toml "
        "or drop the option"]
    [notice] = report.notices
    assert str(notice).startswith(f"{path}: note: doc 4: 1 token marked missing (unknown)")
    assert report.imported == 2
