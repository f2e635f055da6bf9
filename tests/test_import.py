"""Importing into a real database: normalization, offsets, gold status, labels, dedupe, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import pytest

from annotations.importer import import_paths, import_seeds
from annotations.store import Store, slices
from annotations.store.loading import BULK_CHECKPOINT_PAGES


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def stored_spans(store, article_id, annotator="alice"):
    text = store.articles.get(article_id).text
    return [(text[s.start:s.end], s.label) for s in store.view.spans(article_id, annotator)]


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "annotations", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PARALLAX_ANNOTATOR": "cli"})


# -- normalization and offsets ----------------------------------------------------------------------

def test_crlf_and_nfd_offsets_are_mapped_onto_the_stored_text(store, tmp_path):
    raw = "Visite\r\nLe pre\u0301sident Macron a\u0300 Rabat.\r\nFin"
    spans = [{"start": raw.index("pre\u0301sident"), "end": raw.index(" Macron"), "label": "MISC",
              "text": "pre\u0301sident"},
             {"start": raw.index("Macron"), "end": raw.index("Macron") + 6, "label": "PERSON"},
             {"start": raw.index("Rabat"), "end": raw.index("Rabat") + 5, "label": "GPE", "text": "Rabat"}]
    path = tmp_path / "a.jsonl"
    path.write_bytes((json.dumps({"text": raw, "spans": spans, "answer": "accept"}) + "\n").encode())
    report = import_paths(store, [path])
    assert report.ok and report.imported == 1 and report.spans == 3
    article = store.articles.get(report.article_ids[0])
    assert article.text == "Visite\nLe pr\u00e9sident Macron \u00e0 Rabat.\nFin"
    assert stored_spans(store, article.id) == [("pr\u00e9sident", "MISC"), ("Macron", "PERSON"),
                                               ("Rabat", "GPE")]


def test_emoji_before_a_span_uses_python_indices(store, tmp_path):
    text = "\U0001F1F2\U0001F1E6 \U0001F600 Hammouchi re\u00e7oit Wray"
    start = text.index("Hammouchi")
    path = write_jsonl(tmp_path / "e.jsonl", [{"text": text, "answer": "accept", "spans": [
        {"start": start, "end": start + 9, "label": "PERSON", "text": "Hammouchi"}]}])
    report = import_paths(store, [path])
    assert report.ok, [str(p) for p in report.problems]
    assert stored_spans(store, report.article_ids[0]) == [("Hammouchi", "PERSON")]


@pytest.mark.parametrize("tail", ["", " and Wray met in Rabat"])
def test_utf16_offsets_are_refused_with_a_hint(store, tmp_path, tail):
    text = "\U0001F600\U0001F600 Hammouchi" + tail
    utf16_start = len(text[:text.index("H")].encode("utf-16-le")) // 2
    path = write_jsonl(tmp_path / "js.jsonl", [{"text": text, "spans": [
        {"start": utf16_start, "end": utf16_start + 9, "label": "PERSON", "text": "Hammouchi"}]}])
    report = import_paths(store, [path])
    assert report.imported == 0
    [problem] = report.problems
    assert str(problem).startswith(f"{path}:1: span 5-14 PERSON:") and "UTF-16" in problem.message


def test_arabic_text_and_spans(store, tmp_path):
    text = "\u0627\u0633\u062a\u0642\u0628\u0644 \u0639\u0628\u062f \u0627\u0644\u0644\u0637\u064a\u0641 " \
           "\u062d\u0645\u0648\u0634\u064a \u0641\u064a \u0627\u0644\u0631\u0628\u0627\u0637"
    name = "\u0639\u0628\u062f \u0627\u0644\u0644\u0637\u064a\u0641 \u062d\u0645\u0648\u0634\u064a"
    path = write_jsonl(tmp_path / "ar.jsonl", [{"text": text, "label": [
        [text.index(name), text.index(name) + len(name), "PERSON"]]}])
    report = import_paths(store, [path])
    article = store.articles.get(report.article_ids[0])
    assert article.lang == "ar"
    assert stored_spans(store, article.id) == [(name, "PERSON")]
    assert store.view.status(article.id) == "done"


def test_control_characters_and_escape_sequences_are_stored_exactly(store, tmp_path):
    text = "Title \x1b[2J\x1b]52;c;ZXZpbA==\x07 and \x9b31m red\u202e txt \x7f end\x0c"
    path = tmp_path / "evil.txt"
    path.write_text(text, encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "evil.jsonl", [{"text": "J " + text, "spans": [
        {"start": 10, "end": 12, "label": "MISC", "text": "2J"}]}])
    report = import_paths(store, [path, jsonl])
    assert report.ok and report.imported == 2
    assert store.articles.get(report.article_ids[0]).text == text
    assert stored_spans(store, report.article_ids[1]) == [("2J", "MISC")]


def test_overlapping_spans_are_kept_with_a_notice_and_exact_duplicates_dropped(store, tmp_path):
    text = "Christopher Wray of the FBI"
    path = write_jsonl(tmp_path / "o.jsonl", [{"text": text, "answer": "accept", "spans": [
        {"start": 0, "end": 16, "label": "PERSON"}, {"start": 12, "end": 27, "label": "MISC"},
        {"start": 0, "end": 16, "label": "PERSON"}, {"start": 24, "end": 27, "label": "ORG"}]}])
    report = import_paths(store, [path])
    assert report.ok and report.spans == 3
    [notice] = report.notices
    assert str(notice).startswith(f"{path}:1: note: 2 spans overlap another, e.g. 0-16 PERSON")
    assert stored_spans(store, report.article_ids[0]) == [
        ("Christopher Wray", "PERSON"), ("Wray of the FBI", "MISC"), ("FBI", "ORG")]


# -- gold status, annotator, languages --------------------------------------------------------------

def test_answers_become_article_status_for_the_importing_annotator(store, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "Accepted Rabat", "spans": [{"start": 9, "end": 14, "label": "GPE"}], "answer": "accept"},
        {"text": "Rejected Rabat", "spans": [{"start": 9, "end": 14, "label": "GPE"}], "answer": "reject"},
        {"text": "Ignored", "answer": "ignore"},
        {"text": "No answer Rabat", "spans": [{"start": 10, "end": 15, "label": "GPE"}]},
    ])
    report = import_paths(store, [path], annotator="bob")
    assert report.imported == 4
    statuses = [store.view.status(i, "bob") for i in report.article_ids]
    assert statuses == ["done", "rejected", "ignored", "todo"]
    assert stored_spans(store, report.article_ids[0], "bob") == [("Rabat", "GPE")]
    assert [s.origin for s in store.view.spans(report.article_ids[0], "bob")] == ["import"]
    assert store.view.spans(report.article_ids[0], "alice") == []  # not alice's decisions


def test_lang_option_wins_over_detection(store, tmp_path):
    path = tmp_path / "fr.txt"
    path.write_text("Le ministre et la police sont dans la ville pour les affaires.", encoding="utf-8")
    report = import_paths(store, [path], lang="de")
    assert store.articles.get(report.article_ids[0]).lang == "de"


def test_seeds_import_with_detected_languages_and_dedupe(store):
    report = import_seeds(store)
    assert report.ok and report.imported == 5
    langs = [store.articles.get(i).lang for i in report.article_ids]
    assert langs == ["en", "en", "en", "ar", "fr"]
    sources = [store.articles.get(i).source for i in report.article_ids]
    assert all(s.startswith(f"00{n}_") and s.endswith(".txt") for n, s in enumerate(sources))
    assert store.articles.get(report.article_ids[1]).title == \
        "Morocco and the United States intensify security cooperation"
    again = import_seeds(store)
    assert (again.imported, again.duplicates, again.article_ids) == (0, 5, report.article_ids)
    assert store.articles.count() == 5


def test_reimport_with_other_spans_changes_nothing_but_says_so(store, tmp_path):
    first = write_jsonl(tmp_path / "1.jsonl", [{"text": "Wray in Rabat", "answer": "accept",
                                                "spans": [{"start": 0, "end": 4, "label": "PERSON"}]}])
    second = write_jsonl(tmp_path / "2.jsonl", [{"text": "Wray in Rabat", "answer": "accept",
                                                 "spans": [{"start": 8, "end": 13, "label": "GPE"}]}])
    import_paths(store, [first])
    again = import_paths(store, [first])
    assert again.duplicates == 1 and again.notices == []
    other = import_paths(store, [second])
    assert other.duplicates == 1 and other.spans == 0 and other.ok
    assert "already stored" in other.notices[0].message
    assert stored_spans(store, other.article_ids[0]) == [("Wray", "PERSON")]


def test_unknown_label_is_added_to_the_scheme_or_refused_when_strict(db_path, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [
        {"text": "Dior in Paris", "label": [[0, 4, "FASHION_BRAND"], [8, 13, "GPE"]]},
        {"text": "Chanel in Paris", "label": [[0, 6, "FASHION_BRAND"]]},
    ])
    with Store(db_path, annotator="alice") as store:
        strict = import_paths(store, [path], strict_labels=True)
        assert strict.imported == 0 and len(strict.problems) == 2
        assert "FASHION_BRAND not in the project's scheme" in strict.problems[0].message
        assert "FASHION_BRAND" not in store.labels.names()
        loose = import_paths(store, [path])
        assert loose.ok and loose.imported == 2 and loose.labels_added == ["FASHION_BRAND"]
        assert len([n for n in loose.notices if "FASHION_BRAND" in n.message]) == 1
        assert store.labels.names()[-1] == "FASHION_BRAND"


def test_conll_and_docbin_import_as_accepted(store, tmp_path):
    from spacy.tokens import DocBin

    from annotations.tokenizers import blank_nlp

    conll = tmp_path / "n.conll"
    conll.write_text("-DOCSTART- O\n\nWray B-PER\nvisited O\nRabat B-LOC\n", encoding="utf-8")
    doc = blank_nlp("en")("Le FBI et la DGSN \u00e0 Rabat")
    doc.ents = [doc.char_span(3, 6, "ORG"), doc.char_span(13, 17, "ORG")]
    bin_ = DocBin()
    bin_.add(doc)
    bin_.to_disk(tmp_path / "d.spacy")
    report = import_paths(store, [conll, tmp_path / "d.spacy"])
    assert report.ok and report.imported == 2 and report.spans == 4
    assert stored_spans(store, report.article_ids[0]) == [("Wray", "PER"), ("Rabat", "LOC")]
    assert stored_spans(store, report.article_ids[1]) == [("FBI", "ORG"), ("DGSN", "ORG")]
    assert store.articles.get(report.article_ids[1]).lang == "fr"
    assert {store.view.status(i) for i in report.article_ids} == {"done"}


def test_large_import_in_batches_reports_progress(store, tmp_path, monkeypatch):
    """Batches of BATCH_RECORDS; a clock that never moves keeps the write slices at their first
    size (the test does not depend on how fast this machine writes)."""
    monkeypatch.setattr(slices, "CLOCK", lambda: 0.0)
    rows = [{"text": f"Article number {i} about Rabat.", "answer": "accept",
             "spans": [{"start": 0, "end": 7, "label": "MISC"}]} for i in range(1200)]
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    seen, checkpoints = [], set()

    def progress(report):
        seen.append(report.imported)
        checkpoints.add(store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    report = import_paths(store, [path], lang="en", on_progress=progress)
    assert report.imported == 1200 and report.spans == 1200 and store.articles.count() == 1200
    assert seen[:2] == [500, 1000] and seen[-1] == 1200 and seen == sorted(seen)
    assert len(set(report.article_ids)) == 1200
    # the WAL is checkpointed less often during the import, and as usual afterwards
    assert checkpoints == {BULK_CHECKPOINT_PAGES}
    assert store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_a_batch_stores_each_text_once_and_keeps_the_order_of_ids(store, tmp_path):
    import_paths(store, [write_jsonl(tmp_path / "old.jsonl", [{"text": "Stored before in Rabat"}])])
    path = write_jsonl(tmp_path / "b.jsonl", [
        {"text": "New in Rabat", "answer": "accept", "spans": [{"start": 7, "end": 12, "label": "GPE"}]},
        {"text": "Stored before in Rabat"},
        {"text": "New in Rabat", "answer": "accept", "spans": [{"start": 7, "end": 12, "label": "GPE"}]},
        {"text": "Also new"},
    ])
    report = import_paths(store, [path])
    assert (report.imported, report.duplicates, report.spans) == (2, 2, 1)
    new, old, again, other = report.article_ids
    assert (old, again) == (1, new) and len({new, old, other}) == 3
    assert [store.articles.get(i).text for i in (new, other)] == ["New in Rabat", "Also new"]
    assert stored_spans(store, new) == [("Rabat", "GPE")]
    assert store.articles.count() == 3


def test_batch_imported_articles_are_in_the_search_index(store, tmp_path):
    (tmp_path / "a.txt").write_text("Titre\n\nLe ministre à Tanger.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Title\n\nWray in Rabat.", encoding="utf-8")
    report = import_paths(store, [tmp_path])
    rows = store.db.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'tanger OR rabat' "
                                 "ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == report.article_ids
    assert [store.articles.get(i).title for i in report.article_ids] == ["Titre", "Title"]


def test_an_interrupted_import_keeps_the_batches_already_stored(store, tmp_path):
    path = write_jsonl(tmp_path / "big.jsonl", [{"text": f"Article {i} about Rabat."} for i in range(1200)])

    def stop_after_the_first_batch(report):
        if report.imported:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_paths(store, [path], lang="en", on_progress=stop_after_the_first_batch)
    assert store.articles.count() == 500
    assert store.articles.get(500).text == "Article 499 about Rabat."
    assert store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    again = import_paths(store, [path], lang="en")
    assert (again.imported, again.duplicates) == (700, 500) and store.articles.count() == 1200


@pytest.mark.parametrize(("text", "lang"), [
    ("The minister said that the police were in the city for the talks.", "en"),
    ("Le ministre a dit que la police était dans la ville pour les affaires.", "fr"),
    ("El ministro dijo que la policía estaba en la ciudad con los alcaldes.", "es"),
    ("Der Minister sagte, dass die Polizei in der Stadt ist und mit dem Bürgermeister spricht.", "de"),
    ("قال الوزير إن الشرطة في المدينة (Rabat, 2024).", "ar"),
    ("השר אמר שהמשטרה בעיר.", "he"),
    ("Ahmed al-Sharif (أحمد الشريف) said the talks were over and that the delegation would return.", "en"),
    ("L’état, c’est qu’il y a des «\u00a0lois\u00a0» pour le peuple.", "fr"),
    ("12 345 67", "en"),
])
def test_language_detection(text, lang):
    from annotations.text import detect_lang

    assert detect_lang(text) == lang


ENGLISH_LINES = ("Christopher Wray met Abdellatif Hammouchi in Rabat on Monday.\n"
                 "The FBI and the DGST signed an agreement on border security.\n"
                 "Officials in Washington said the talks had been productive.\n")
ARABIC_LINE = ("التقى عبد اللطيف الحموشي، المدير العام للأمن الوطني، بنظيره كريستوفر راي في الرباط يوم "
               "الإثنين لبحث أمن الحدود والتعاون بين المغرب والولايات المتحدة.\n")


def test_language_is_the_majority_of_the_text():
    from annotations.text import detect_lang

    # three English lines and one long Arabic line (40% of the characters): English, not Arabic
    assert detect_lang(ENGLISH_LINES + ARABIC_LINE) == "en"
    assert detect_lang(ARABIC_LINE * 3 + ENGLISH_LINES) == "ar"  # and the other way round


def test_language_of_a_long_text_is_judged_all_along_it():
    from annotations.text import detect_lang

    french = "Le ministre et la police sont dans la ville pour les affaires du pays. " * 40
    english = "The end of the story and the rest of it. " * 5000
    assert detect_lang(french + english) == "en"  # a French opening to an English article
    assert detect_lang(english[:3000] + french * 100) == "fr"
    assert detect_lang(english + ARABIC_LINE * 5000) == "ar"


def test_an_imported_mixed_article_is_stored_in_its_majority_language(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text(ENGLISH_LINES + ARABIC_LINE, encoding="utf-8")
    with Store(tmp_path / "m.db", annotator="alice") as store:
        report = import_paths(store, [path])
        assert report.imported == 1
        assert store.articles.get(store.articles.ids()[0]).lang == "en"


# -- the command ------------------------------------------------------------------------------------

def test_cli_imports_and_reports(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [{"text": "Wray in Rabat", "answer": "accept",
                                               "spans": [{"start": 0, "end": 4, "label": "PERSON"}]}])
    (tmp_path / "t.txt").write_text("Un article\n\nLe texte et la suite.", encoding="utf-8")
    db = tmp_path / "cli.db"
    result = run_cli("import", str(path), str(tmp_path / "t.txt"), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # three words ("Wray in Rabat") tell no language for sure: the summary says so
    assert result.stdout.strip() == ("2 articles imported, 0 already present, 1 span, 0 problems, 1 notice, "
                                     "1 language uncertain (see the notices; --lang sets it)")
    assert "p.jsonl:1: note: language uncertain, guessed en from 'Wray in Rabat'" in result.stderr
    again = run_cli("import", str(tmp_path), "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0 and "0 articles imported, 2 already present" in again.stdout
    with Store(db, readonly=True) as store:
        assert [store.articles.get(i).lang for i in store.articles.ids()] == ["en", "fr"]
        assert stored_spans(store, 1, "cli") == [("Wray", "PERSON")]


def test_cli_help_describes_the_formats(tmp_path):
    result = run_cli("import", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for word in ("--db", "--lang", "--annotator", "--format", "--strict-labels", "Prodigy", "doccano",
                 "CoNLL", "DocBin"):
        assert word in result.stdout


def test_nfc_text_stays_unchanged():
    # the fixtures above rely on these being different forms of the same text
    assert unicodedata.normalize("NFC", "pre\u0301sident") == "pr\u00e9sident"


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_cli_format_option(tmp_path, fmt):
    path = tmp_path / "data.dat"
    path.write_text('{"text": "Wray"}\n', encoding="utf-8")
    result = run_cli("import", str(path), "--format", fmt, "--db", str(tmp_path / "f.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "f.db", readonly=True) as store:
        assert store.articles.get(1).text == ('{"text": "Wray"}\n' if fmt == "txt" else "Wray")
