"""Other label schemes (issue 17 §7): a corpus's labels onto the project's on import, one setting.

``[label_map]`` in parallax.toml maps outside labels (a pipeline's, and what the user writes
there, an imported file's) onto the project's; ``parallax import --label-map`` adds to it for one
import. A label of the project's scheme stays itself unless the file maps it.
"""

from __future__ import annotations

import os
import subprocess
import sys

from annotations.config import Config, load_config
from annotations.store import Store

CONLL = ("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n"
         "call NN I-NP O\n. . O O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\nin IN O O\n"
         "Brussels NNP B-NP B-LOC\n")


def parallax(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PARALLAX_ANNOTATOR": "alice"})


def spans(db) -> list[tuple[str, str]]:
    with Store(db, readonly=True) as store:
        [article] = store.corpus.articles(store.articles.ids())
        return [(article.text[s.start:s.end], s.label) for s in store.view.spans(article.id, "alice")]


def test_label_map_on_import_maps_and_drops_with_a_notice(tmp_path):
    (tmp_path / "a.conll").write_text(CONLL, encoding="utf-8")
    result = parallax("import", "a.conll", "--db", "p.db", "--lang", "en",
                      "--label-map", "PER=PERSON, LOC=GPE,MISC=", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert spans(tmp_path / "p.db") == [("EU", "ORG"), ("Peter Blackburn", "PERSON"), ("Brussels", "GPE")]
    assert "1 span(s) labelled MISC left out" in result.stderr
    with Store(tmp_path / "p.db", readonly=True) as store:
        assert "PER" not in store.labels.names()  # nothing added to the scheme


def test_the_config_label_map_applies_to_imports_too(tmp_path):
    (tmp_path / "a.conll").write_text(CONLL, encoding="utf-8")
    (tmp_path / "parallax.toml").write_text('[label_map]\nPER = "PERSON"\nLOC = "GPE"\n', encoding="utf-8")
    result = parallax("import", "a.conll", "--db", "p.db", "--lang", "en", "--label-map", "LOC=LOC",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # PER from the file's [label_map]; --label-map LOC=LOC wins over its LOC = "GPE"
    assert spans(tmp_path / "p.db") == [("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PERSON"),
                                        ("Brussels", "LOC")]


def test_a_bad_label_map_names_the_label_and_what_to_do(tmp_path):
    (tmp_path / "a.conll").write_text(CONLL, encoding="utf-8")
    wrong = parallax("import", "a.conll", "--db", "p.db", "--label-map", "PER=NOPE", cwd=tmp_path)
    assert wrong.returncode == 1 and "NOPE is not one of the project's labels" in wrong.stderr
    assert "PER= to drop it" in wrong.stderr
    assert not list(tmp_path.glob("p.db*"))  # refused before a database was made for it
    shape = parallax("import", "a.conll", "--db", "p.db", "--label-map", "PER", cwd=tmp_path)
    assert shape.returncode == 2 and "FILE_LABEL=PROJECT_LABEL" in shape.stderr


def test_a_label_of_the_scheme_stays_itself_unless_the_user_maps_it(tmp_path):
    conll_scheme = Config(labels=["PER", "ORG", "LOC", "MISC"])
    assert conll_scheme.map_label("PER") == "PER"  # the built-in PER -> PERSON is for other schemes
    assert conll_scheme.map_label("PERSON") is None
    assert Config().map_label("PER") == "PERSON"
    path = tmp_path / "parallax.toml"
    path.write_text('labels = ["PER", "LOC"]\n[label_map]\nPERSON = "PER"\nGPE = "LOC"\nPER = ""\n',
                    encoding="utf-8")
    mapped = load_config(path)
    assert [mapped.map_label(label) for label in ("PERSON", "GPE", "PER")] == ["PER", "LOC", None]
