"""Pre-annotation end to end: real spaCy pipelines on the seed articles in real SQLite files."""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import sys

import pytest
from preannotate_helpers import EN, SEEDS, load_seeds, suggestions

from annotations.model import ArticleRecord
from annotations.nlp.pipelines import load_pipeline
from annotations.nlp.preannotate import preannotate
from annotations.nlp.rules import PatternError
from annotations.store import Store
from annotations.text import normalize

NAME = "Abdellatif Hammouchi"
FBI_AR = "مكتب التحقيقات الفيدرالي"


def ids_where(seeds, lang):
    return [aid for aid, article_lang in seeds.values() if article_lang == lang]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The seeds pre-annotated once in one process: the result other runs must reproduce."""
    db = tmp_path_factory.mktemp("reference") / "parallax.db"
    seeds = load_seeds(db)
    report = preannotate(db, annotator="alice", batch_size=2)
    return db, seeds, report, suggestions(db)


def test_seed_languages_are_what_the_tests_assume(reference):
    _, seeds, _, _ = reference
    assert sorted(lang for _, lang in seeds.values()) == ["ar", "en", "en", "en", "fr"]


def test_hammouchi_is_a_person_in_english_and_french_and_labels_fit_the_scheme(reference):
    db, seeds, report, rows = reference
    assert report.pipelines == {"en": f"{EN} 3.8.0", "fr": "fr_core_news_sm 3.8.0",
                                "ar": "no pipeline (memory only)"}
    assert report.articles == 4 and not report.stopped
    expected_source = {"en": f"{EN} 3.8.0", "fr": "fr_core_news_sm 3.8.0"}
    files_with_name = [p.name for p in SEEDS if NAME in p.read_text(encoding="utf-8")]
    assert len(files_with_name) == 4
    for name in files_with_name:
        lang = seeds[name][1]
        text = normalize((SEEDS[0].parent / name).read_text(encoding="utf-8"))
        found = {(start, end) for file, start, end, surface, label, origin, source in rows
                 if file == name and surface == NAME and label == "PERSON" and origin == "model"
                 and source == expected_source[lang]}
        occurrences = {(m.start(), m.end()) for m in re.finditer(NAME, text)}
        assert found and found <= occurrences, name
    with Store(db, annotator="alice") as store:
        scheme = set(store.labels.names())
    assert {label for *_, label, _origin, _source in rows} <= scheme
    # French PER became PERSON; the English model's CARDINAL, ORDINAL... were left out.
    french = {label for file, *_, label, origin, _ in rows if seeds[file][1] == "fr"}
    assert "PERSON" in french and "PER" not in french
    en = load_pipeline("en", EN).nlp
    raw = {e.label_ for p in SEEDS[:3] for e in en(normalize(p.read_text(encoding="utf-8"))).ents}
    assert raw - scheme - {"FAC", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}, "seeds have unmapped labels"
    for _file, start, end, surface, *_ in rows:
        assert 0 <= start < end and surface == surface.strip() and surface


def test_arabic_gets_rule_and_memory_suggestions(tmp_path):
    db = tmp_path / "parallax.db"
    seeds = load_seeds(db)
    ar_id = ids_where(seeds, "ar")[0]
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text(json.dumps({"label": "ORG", "pattern": FBI_AR}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    report = preannotate(db, annotator="alice", patterns=[patterns], article_ids=[ar_id])
    assert report.pipelines["ar"].startswith("spacy.blank:ar ") and report.pipelines["ar"].endswith("+ rules")
    rows = suggestions(db)
    assert {(surface, label, origin, source) for _, _, _, surface, label, origin, source in rows} == {
        (FBI_AR, "ORG", "rules", "patterns.jsonl:1")}

    variant = "كـريسْتوفِر رآي"  # tatweel, sukun, kasra, alef madda
    with Store(db, annotator="alice") as store:
        text = store.articles.get(ar_id).text
        start = text.index("كريستوفر راي")
        store.decisions.create_span(ar_id, start, start + len("كريستوفر راي"), "PERSON")
        other, _ = store.loading.add_article(ArticleRecord(
            text=f"وصل {variant} إلى الرباط، والتقى {FBI_AR}.", source="other.txt", lang="ar"))
    report = preannotate(db, annotator="alice", patterns=[patterns], article_ids=[ar_id, other])
    assert report.already_done == 1 and report.articles == 1
    with Store(db, annotator="alice") as store:
        text = store.articles.get(other).text
        got = {(text[s.start:s.end], s.label, s.origin) for s in store.view.spans(other)}
    assert (variant, "PERSON", "memory") in got
    assert (FBI_AR, "ORG", "rules") in got


@pytest.mark.parametrize("n_process", [1, 2])
def test_an_interrupted_run_carries_on_without_duplicates(tmp_path, reference, n_process):
    db = tmp_path / "parallax.db"
    load_seeds(db)
    calls = []
    first = preannotate(db, annotator="alice", batch_size=1, n_process=n_process,
                        on_progress=lambda done, total, message: calls.append(done),
                        should_stop=lambda: bool(calls) and calls[-1] >= 1)
    assert first.stopped and first.articles == 1
    assert multiprocessing.active_children() == []  # stopping early ended the workers
    with Store(db, annotator="alice") as store:
        assert store.query("SELECT count(*) AS n FROM preannotated")[0]["n"] == 1
    second = preannotate(db, annotator="alice", batch_size=1)
    assert not second.stopped and second.already_done == 1 and second.articles == 3
    rows = suggestions(db)
    assert len(rows) == len(set(rows))
    assert sorted(rows) == sorted(reference[3])


def test_an_article_longer_than_max_length_is_processed_in_pieces(tmp_path, monkeypatch, reference):
    db = tmp_path / "parallax.db"
    seeds = load_seeds(db)
    article_id = seeds[SEEDS[0].name][0]
    monkeypatch.setattr(load_pipeline("en", EN).nlp, "max_length", 400)
    report = preannotate(db, annotator="alice", article_ids=[article_id])
    assert report.split == 1 and report.articles == 1
    rows = {r for r in suggestions(db) if r[0] == SEEDS[0].name}
    whole = {r for r in reference[3] if r[0] == SEEDS[0].name}
    assert any(r[1] > 2000 for r in rows)  # late pieces were read, their offsets shifted back
    assert len(rows & whole) >= 0.8 * len(whole)
    text = normalize(SEEDS[0].read_text(encoding="utf-8"))
    for _, start, end, surface, *_ in rows:
        assert text[start:end] == surface


def test_two_processes_give_the_same_suggestions_as_one(tmp_path, reference):
    db = tmp_path / "parallax.db"
    load_seeds(db)
    report = preannotate(db, annotator="alice", n_process=2, batch_size=2)
    assert report.articles == 4
    assert sorted(suggestions(db)) == sorted(reference[3])


def test_a_bad_patterns_line_stops_the_run_before_anything_is_written(tmp_path):
    db = tmp_path / "parallax.db"
    load_seeds(db)
    patterns = tmp_path / "bad.jsonl"
    patterns.write_text('{"label": "ORG", "pattern": "FBI"}\n{"label": "ORG", "pattern": 7}\n',
                        encoding="utf-8")
    with pytest.raises(PatternError) as info:
        preannotate(db, annotator="alice", patterns=[patterns])
    assert info.value.problems == [f"{patterns}:2: \"pattern\" must be a string or a list of token patterns"]
    assert suggestions(db) == []


def test_config_picks_models_and_maps_labels(tmp_path, monkeypatch, reference):
    monkeypatch.delenv("PARALLAX_CONFIG", raising=False)
    (tmp_path / "parallax.toml").write_text('[models]\nfr = "blank"\n\n[label_map]\nNORP = ""\n',
                                            encoding="utf-8")
    db = tmp_path / "parallax.db"
    seeds = load_seeds(db)
    report = preannotate(db, annotator="alice", article_ids=ids_where(seeds, "en") + ids_where(seeds, "fr"))
    assert report.pipelines["fr"] == "no pipeline (memory only)"
    rows = suggestions(db)
    assert rows and all(seeds[file][1] == "en" for file, *_ in rows)
    assert "NORP" in {r[4] for r in reference[3]} and "NORP" not in {r[4] for r in rows}
    # --model beats the config
    report = preannotate(db, annotator="alice", models={"fr": "fr_core_news_sm"},
                         article_ids=ids_where(seeds, "fr"))
    assert report.pipelines["fr"] == "fr_core_news_sm 3.8.0" and report.articles == 1


# -- the command, as a user runs it -----------------------------------------------------------


def parallax(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "annotations", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600, stdin=subprocess.DEVNULL)


def test_cli_help_names_every_option():
    result = parallax("preannotate", "--help")
    assert result.returncode == 0
    for option in ("--db", "--model", "--patterns", "--n-process", "--cluster", "--articles", "--batch-size",
                   "--annotator"):
        assert option in result.stdout


def test_cli_reports_problems_without_a_traceback(tmp_path):
    result = parallax("preannotate", "--db", tmp_path / "missing.db")
    assert result.returncode == 1 and "no such database" in result.stderr
    assert not (tmp_path / "missing.db").exists()
    db = tmp_path / "parallax.db"
    load_seeds(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"label": "ORG", "pattern": "FBI"}\n{oops\n', encoding="utf-8")
    result = parallax("preannotate", "--db", db, "--patterns", bad)
    assert result.returncode == 1 and f"{bad}:2: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    result = parallax("preannotate", "--db", db, "--model", "english")
    assert result.returncode == 2 and "LANG=NAME_OR_PATH" in result.stderr
    result = parallax("preannotate", "--db", db, "--model", "en=no_such_pipeline")
    assert result.returncode == 1 and "no_such_pipeline" in result.stderr and "Traceback" not in result.stderr


def test_cli_preannotates_and_resumes(tmp_path):
    db = tmp_path / "parallax.db"
    seeds = load_seeds(db)
    with Store(db, annotator="alice") as store:  # keep it quick: one English and the Arabic seed
        for name in (SEEDS[1].name, SEEDS[2].name, SEEDS[4].name):
            store.db.conn.execute("DELETE FROM articles WHERE id=?", (seeds[name][0],))
    patterns = tmp_path / "rules.jsonl"
    patterns.write_text(json.dumps({"label": "ORG", "pattern": FBI_AR}, ensure_ascii=False) + "\n"
                        + json.dumps({"label": "ORG", "pattern": [{"LOWER": "fbi"}]}) + "\n",
                        encoding="utf-8")
    result = parallax("preannotate", "--db", db, "--patterns", patterns, "--annotator", "bob")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert "articles pre-annotated: 2 (already done: 0)" in result.stdout
    origins = {(file, origin) for file, _, _, _, _, origin, _ in suggestions(db)}
    assert origins == {(SEEDS[0].name, "model"), (SEEDS[0].name, "rules"), (SEEDS[3].name, "rules")}
    again = parallax("preannotate", "--db", db, "--patterns", patterns)
    assert again.returncode == 0 and "articles pre-annotated: 0 (already done: 2)" in again.stdout


def test_runs_in_a_worker_thread_with_its_own_store(tmp_path):
    """The app calls it from a thread worker: it opens its own connection there and reports there."""
    import threading

    db = tmp_path / "parallax.db"
    seeds = load_seeds(db)
    with Store(db, annotator="alice") as store:  # something in memory, so the memory pass runs
        text = store.articles.get(ids_where(seeds, "en")[0]).text
        start = text.index(NAME)
        store.decisions.create_span(ids_where(seeds, "en")[0], start, start + len(NAME), "PERSON")
    seen, result = [], {}

    def work():
        result["report"] = preannotate(db, annotator="alice", models={"en": "blank", "fr": "blank"},
                                       on_progress=lambda *a: seen.append(threading.get_ident()))
        result["thread"] = threading.get_ident()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    report = result["report"]
    assert seen and set(seen) == {result["thread"]} != {threading.get_ident()}
    assert report.memory_articles == 5 and report.added["memory"] == 8  # every occurrence
    assert {file for file, *_, origin, _ in suggestions(db) if origin == "memory"} == {
        p.name for p in SEEDS if NAME in p.read_text(encoding="utf-8")}


def test_the_models_facility_label_is_suggested_as_a_location(tmp_path):
    """The default scheme has no FAC: the label map turns the English model's FAC into LOC
    (and its PRODUCT into MISC) rather than dropping those entities."""
    db = tmp_path / "parallax.db"
    with Store(db, annotator="alice") as store:
        store.loading.add_article(ArticleRecord(text="They landed at Kennedy Airport and drove across the "
                                             "Golden Gate Bridge.", lang="en"))
    preannotate(db, annotator="alice", models={"en": EN})
    found = {(surface, label) for _, _, _, surface, label, origin, _ in suggestions(db) if origin == "model"}
    assert ("Kennedy Airport", "LOC") in found
    assert ("the Golden Gate Bridge", "LOC") in found


def test_suggestions_are_written_in_short_slices_and_a_run_cut_inside_an_article_resumes(
        tmp_path, reference, monkeypatch):
    """Pre-annotation holds the write lock in short transactions (annotations.store.slices), also
    within one article: with slices of 10 rows (a clock that never moves keeps that size), every
    transaction holds at most 10 suggestions plus the article's pipeline mark, and an article is
    marked done only with its last ones. A run cut after its third transaction (the first article
    half written) carries on to exactly the reference suggestions, none twice."""
    import annotations.nlp.writer as writer
    from annotations.store import slices
    from annotations.store.loading import Loading

    monkeypatch.setattr(slices, "CLOCK", lambda: 0.0)
    monkeypatch.setattr(writer, "FIRST_SLICE_ROWS", 10)
    db = tmp_path / "parallax.db"
    load_seeds(db)
    sizes: list[int] = []
    real_add = Loading.add_suggestions

    def counting(self, article_id, spans, **kw):
        spans = list(spans)
        if not self.cx.conn.in_transaction or not sizes:
            sizes.append(0)
        sizes[-1] += len(spans)
        return real_add(self, article_id, spans, **kw)

    real_write = slices.WriteSlices.write

    def cut_after_three(self, store):
        if len(sizes) >= 3 and cut:
            raise KeyboardInterrupt  # the process is stopped between two transactions
        sizes.append(0)
        return real_write(self, store)

    cut = True
    monkeypatch.setattr(Loading, "add_suggestions", counting)
    monkeypatch.setattr(slices.WriteSlices, "write", cut_after_three)
    with pytest.raises(KeyboardInterrupt):
        preannotate(db, annotator="alice", batch_size=2)
    with Store(db, annotator="alice") as store:
        assert store.query("SELECT count(*) AS n FROM preannotated")[0]["n"] == 0  # none finished
        assert 0 < store.query("SELECT count(*) AS n FROM suggestions")[0]["n"] <= 30
    cut = False
    preannotate(db, annotator="alice", batch_size=2)
    assert max(sizes) <= 10
    rows = suggestions(db)
    assert len(rows) == len(set(rows))
    assert sorted(rows) == sorted(reference[3])
