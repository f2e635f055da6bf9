"""One corpus per language: an English pipeline never trains on the French article.

The export used to put every language in one train/dev pair, so ``spacy debug
data`` with an English config found misaligned tokens (the French article,
tokenized by French rules). Now spacy and hf write ``OUTPUT/LANG/`` and
``--lang`` exports one language; checked through the CLI and spaCy's own CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin

from annotations.importer import import_paths
from annotations.store import Store
from seeds import seed_paths

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The five seeds (3 English, 1 French, 1 Arabic), each with two gold spans, all done."""
    path = tmp_path_factory.mktemp("langs") / "p.db"
    with Store(path, annotator="alice") as store:
        for aid in import_paths(store, seed_paths()).article_ids:
            text = store.articles.get(aid).text
            words = [(m.start(), m.end()) for m in re.finditer(r"\b[A-Z]\w{3,}\b", text)][:2]
            for start, end in words:
                store.decisions.create_span(aid, start, end, "MISC")
            store.decisions.set_article_status(aid, "done")
    return path


def cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def langs_in(path) -> list[str]:
    """The languages of the Docs in a DocBin, by the article ids in their user data."""
    docs = DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab)
    return [d.user_data["parallax_article_id"] for d in docs]


def test_spacy_and_hf_write_one_corpus_per_language(seeded, tmp_path):
    with Store(seeded, readonly=True) as store:
        lang_of = {aid: store.articles.get(aid).lang for aid in store.articles.ids()}
    result = cli("export", "--format", "spacy", "--output", "corpus", "--db", str(seeded), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["ar", "en", "fr"]
    for lang in ("ar", "en", "fr"):
        ids = langs_in(tmp_path / "corpus" / lang / "train.spacy") + langs_in(
            tmp_path / "corpus" / lang / "dev.spacy")
        assert ids and {lang_of[i] for i in ids} == {lang}
    assert "  en: 2 train, 1 dev" in result.stdout.splitlines()
    assert any(line.startswith("  fr: 1 train, 0 dev (no dev article") for line in result.stdout.splitlines())
    hf = cli("export", "--format", "hf", "--output", "hf", "--db", str(seeded), cwd=tmp_path)
    assert hf.returncode == 0, hf.stderr
    for lang in ("ar", "en", "fr"):
        rows = [json.loads(x) for part in ("train", "dev")
                for x in (tmp_path / "hf" / lang / f"{part}.jsonl").read_text("utf-8").splitlines()]
        assert rows and {lang_of[r["article_id"]] for r in rows} == {lang}
        assert (tmp_path / "hf" / lang / "labels.json").is_file()


@pytest.mark.parametrize("fmt,target", [("spacy", "corpus"), ("jsonl", "fr.jsonl"), ("conll", "fr.conll")])
def test_lang_exports_one_language(seeded, tmp_path, fmt, target):
    result = cli("export", "--format", fmt, "--output", target, "--lang", "fr", "--db", str(seeded),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if fmt == "spacy":
        assert [p.name for p in (tmp_path / "corpus").iterdir()] == ["fr"]
    elif fmt == "jsonl":
        tasks = [json.loads(x) for x in (tmp_path / target).read_text("utf-8").splitlines()]
        assert [t["meta"]["lang"] for t in tasks] == ["fr"]
    else:
        assert (tmp_path / target).read_text("utf-8").count("-DOCSTART-") == 1


def test_a_language_without_articles_names_the_ones_there(seeded, tmp_path):
    result = cli("export", "--format", "spacy", "--output", "corpus", "--lang", "de", "--db", str(seeded),
                 cwd=tmp_path)
    assert result.returncode == 1
    assert "no article in 'de' marked done; the languages stored are: ar, en, fr" in result.stderr
    assert not (tmp_path / "corpus").exists()
    bad = cli("export", "--format", "spacy", "--output", "corpus", "--lang", "e n", "--db", str(seeded),
              cwd=tmp_path)
    assert bad.returncode == 2 and "is not a language code" in bad.stderr


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_spacy_debug_data_finds_no_misaligned_tokens_per_language(seeded, tmp_path, lang):
    assert cli("export", "--format", "spacy", "--output", "corpus", "--split", "1", "--db", str(seeded),
               cwd=tmp_path).returncode == 0
    train = str(tmp_path / "corpus" / lang / "train.spacy")
    init = subprocess.run([sys.executable, "-m", "spacy", "init", "config", "-l", lang, "-p", "ner",
                           "config.cfg"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert init.returncode == 0, init.stderr
    debug = subprocess.run([sys.executable, "-m", "spacy", "debug", "data", "config.cfg", "--paths.train",
                            train, "--paths.dev", train], capture_output=True, text=True, cwd=tmp_path,
                           timeout=600)
    report = ANSI.sub("", debug.stdout)
    assert "Corpus is loadable" in report, report
    assert "misaligned" not in report, report
    errors = [line for line in report.splitlines() if line.startswith("\u2718")]
    assert errors[0].startswith("\u2718 Low number of examples to train a new pipeline") and len(errors) == 2
