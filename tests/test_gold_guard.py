"""Gold changes only by a decision: pre-annotation, annotation memory and merges after an article
is done never change what it exports; memory learns per annotator (issue 15, section 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from annotations.model import ArticleRecord, SpanRecord
from annotations.nlp.memory import memory_suggestions
from annotations.store import Store

CONLL = """-DOCSTART- -X- -X- O

Christopher NNP B-NP B-PER
Wray NNP I-NP I-PER
met NN O O
officials NN O O
in IN O O
Rabat NNP B-NP B-LOC
on IN O O
Monday NNP O O
. . O O

The DT O O
FBI NNP B-NP B-ORG
and CC O O
Morocco NNP B-NP B-LOC
signed VBD O O
an DT O O
agreement NN O O
. . O O

-DOCSTART- -X- -X- O

Avril NNP B-NP B-PER
Haines NNP I-NP I-PER
spoke VBD O O
about IN O O
the DT O O
Sahel NNP B-NP B-LOC
region NN O O
in IN O O
Washington NNP B-NP B-LOC
. . O O
"""


def parallax(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "tui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def export_conll(tmp_path: Path, name: str) -> str:
    out = tmp_path / name
    parallax("export", "--format", "conll", "--output", str(out), "--db", "p.db", cwd=tmp_path)
    return out.read_text(encoding="utf-8")


def test_pre_annotating_an_imported_gold_corpus_changes_none_of_its_gold(tmp_path):
    """A gold corpus imported as done, then `parallax preannotate` with the real pipeline: the
    export is byte for byte what it was (it had 9 unknown tokens written as `-` before the fix),
    and the library shows nothing undecided in the done articles."""
    (tmp_path / "gold.conll").write_text(CONLL, encoding="utf-8")
    parallax("import", "gold.conll", "--lang", "en", "--annotator", "alice", "--db", "p.db", cwd=tmp_path)
    before = export_conll(tmp_path, "before")
    assert " -\n" not in before and "B-PER" in before
    parallax("preannotate", "--db", "p.db", "--annotator", "alice", cwd=tmp_path)
    with Store(tmp_path / "p.db", annotator="alice", readonly=True) as store:
        ids = store.articles.ids()
        added = store.query("SELECT count(*) AS n FROM suggestions")[0]["n"]
        assert added > 0  # the pipeline did suggest things in the done articles
        assert all(row.status == "done" and row.suggested == 0 for row in store.library.rows(ids))
        assert all(s.status != "suggested" for a in ids for s in store.view.spans(a))
    assert export_conll(tmp_path, "after") == before


def at(text: str, surface: str) -> tuple[int, int]:
    start = text.index(surface)
    return start, start + len(surface)


def _two_articles(store: Store) -> tuple[int, int]:
    first, _ = store.loading.add_article(
        ArticleRecord("Sahel and Rabat were named. The American kingdom too.", title="one", lang="en"))
    second, _ = store.loading.add_article(
        ArticleRecord("In the Sahel, Rabat spoke. An American kingdom.", title="two", lang="en"))
    return first, second


def test_memory_after_an_article_is_done_leaves_its_gold_alone(db_path):
    """alice marks an article done (accepting its suggestions); then bob's decisions and alice's
    own later ones teach memory new forms, and memory runs over every article: alice's done
    article shows and exports exactly what it did (before the fix: two new undecided
    suggestions, 'American' and 'kingdom', turned into unknown tokens)."""
    with Store(db_path, annotator="alice") as alice:
        first, second = _two_articles(alice)
        alice.loading.add_suggestions(first, [SpanRecord(0, 5, "LOC", origin="model", source="m")])
        alice.decisions.set_article_status(first, "done", undecided="accept")
        shown = alice.view.spans(first)
        text = alice.articles.get(second).text
        alice.decisions.create_span(second, *at(text, "American"), "NORP")
    with Store(db_path, annotator="bob") as bob:
        bob.decisions.create_span(second, *at(text, "kingdom"), "GPE")
    with Store(db_path, annotator="alice") as alice:
        assert memory_suggestions(alice, first) == 2  # alice's memory: "American", "Sahel" there...
        assert alice.view.spans(first) == shown  # ...but her done article does not show it
        assert alice.view.undecided(first) == []
        assert alice.library.rows([first])[0].suggested == 0
        alice.decisions.set_article_status(first, "in_progress")  # reopened, it shows what came since
        assert [s.label for s in alice.view.spans(first) if s.status == "suggested"] == ["NORP"]
        alice.history.undo()
        assert alice.view.spans(first) == shown  # done again: hidden again


def test_memory_learns_per_annotator_unless_the_project_shares_it(db_path, tmp_path):
    """bob is not offered what alice accepted (double annotation stays independent); with
    `[memory] shared = true` in parallax.toml, everyone is."""
    with Store(db_path, annotator="alice") as alice:
        first, second = _two_articles(alice)
        alice.decisions.create_span(first, 0, 5, "LOC")  # Sahel
        assert memory_suggestions(alice, second) == 1
        assert [s.label for s in alice.view.spans(second) if s.status == "suggested"] == ["LOC"]
    with Store(db_path, annotator="bob") as bob:
        assert memory_suggestions(bob, second) == 0
        assert [s for s in bob.view.spans(second) if s.status == "suggested"] == []
    (tmp_path / "parallax.toml").write_text("[memory]\nshared = true\n", encoding="utf-8")
    with Store(db_path, annotator="bob") as bob:
        assert memory_suggestions(bob, second) == 1
        assert [s.label for s in bob.view.spans(second) if s.status == "suggested"] == ["LOC"]


def test_a_merge_never_changes_what_a_done_article_exports(tmp_path):
    """The output has alice's done article; the source brings a suggestion the output lacks and
    bob's layer, done in the source while he was shown it: after the merge alice's gold shows no
    new suggestion and bob's keeps the one he left undecided."""
    out, src = tmp_path / "out.db", tmp_path / "src.db"
    text = "Sahel and Rabat were named."
    for path in (out, src):
        with Store(path, annotator="alice") as store:
            store.loading.add_article(ArticleRecord(text, title="one", lang="en"))
    with Store(out, annotator="alice") as alice:
        alice.decisions.set_article_status(1, "done")
    with Store(src, annotator="bob") as bob:
        bob.loading.add_suggestions(1, [SpanRecord(10, 15, "GPE", origin="model", source="m")])
        bob.decisions.set_article_status(1, "done")
    done = subprocess.run([sys.executable, "-m", "annotations", "merge", str(src), "--output", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Store(out, annotator="alice", readonly=True) as store:
        assert store.view.undecided(1, "alice") == []
        assert [(s.start, s.end) for s in store.view.undecided(1, "bob")] == [(10, 15)]


def test_an_older_database_forgets_suggestions_added_after_done(tmp_path):
    """A database made before this rule, where pre-annotation had already added a suggestion to a
    done article: the upgrade shows the done layer what it had when it was marked done."""
    path = tmp_path / "old.db"
    with Store(path, annotator="alice") as alice:
        article, _ = alice.loading.add_article(ArticleRecord("Sahel and Rabat were named.", lang="en"))
        alice.loading.add_suggestions(article, [SpanRecord(0, 5, "LOC", origin="model", source="m")])
        alice.decisions.set_article_status(article, "done")
        alice.loading.add_suggestions(article, [SpanRecord(10, 15, "GPE", origin="model", source="m")])
        conn = alice.db.conn
        conn.execute("DELETE FROM undecided_at_done")  # what version 7 had: no record of either
        conn.execute("UPDATE suggestions SET created_at = '2026-01-01' WHERE start = 0")
        conn.execute("UPDATE article_status SET updated_at = '2026-01-02'")
        conn.execute("UPDATE suggestions SET created_at = '2026-01-03' WHERE start = 10")
        conn.execute("PRAGMA user_version = 7")
    with Store(path, annotator="alice") as alice:
        assert [(s.start, s.end) for s in alice.view.undecided(article)] == [(0, 5)]
