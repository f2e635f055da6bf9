"""parallax merge: both layers kept, idempotent, undo history that still works, conflicts reported,
work done since the last merge brought in, and a merge while another process writes the source."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from app_helpers import add_test_suggestions, make_seeded_db
from team_helpers import SEED_LAYERS, annotate

from annotations.importer import import_paths
from annotations.store import Store
from annotations.store.merge import MERGED_TABLES, merge_source
from seeds import seed_paths


def run_merge(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "annotations", "merge", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def dump(path) -> dict:
    """Every row of every table, the log and the id sequences included (FTS shadows left out)."""
    with Store(path, readonly=True) as store:
        conn = store.db.conn
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'articles_fts%' ORDER BY name")]
        return {n: conn.execute(f"SELECT rowid, * FROM {n} ORDER BY rowid").fetchall() for n in names}


def layer(path, annotator, article_hash) -> tuple:
    """An annotator's decisions in the article with this hash, independent of ids."""
    with Store(path, readonly=True) as store:
        (article_id,) = [r["id"] for r in store.query("SELECT id FROM articles WHERE hash=?",
                                                     (article_hash,))]
        spans = sorted((s.start, s.end, s.label, s.status) for s in store.view.spans(article_id, annotator)
                       if s.span_id is not None)
        return store.view.status(article_id, annotator), spans


def two_machines(tmp_path):
    """alice and bob each annotated the first seed article on their own machine."""
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    for path, name in ((a, "alice"), (b, "bob")):
        make_seeded_db(path)
        with Store(path, readonly=True) as store:
            first = store.articles.ids()[0]
            article_hash = store.articles.get(first).hash
        annotate(path, first, {name: SEED_LAYERS[name]})
    return a, b, article_hash


def test_every_table_has_a_merge_rule(db_path):
    with Store(db_path) as store:
        tables = {r["name"] for r in store.query(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'articles_fts_%'")}
    assert tables == set(MERGED_TABLES)


def test_merge_keeps_both_layers_and_is_idempotent(tmp_path):
    a, b, article_hash = two_machines(tmp_path)
    out = tmp_path / "team.db"
    done = run_merge(a, b, "--output", out)
    assert done.returncode == 0, done.stderr
    assert "0 conflict(s)" in done.stdout
    assert layer(out, "alice", article_hash) == layer(a, "alice", article_hash)
    assert layer(out, "bob", article_hash) == layer(b, "bob", article_hash)
    with Store(out, readonly=True) as store:
        assert store.articles.count() == 5  # matched by content hash
        assert store.query("SELECT count(*) AS n FROM suggestions")[0]["n"] == \
            Store(a, readonly=True).query("SELECT count(*) AS n FROM suggestions")[0]["n"]
        (article_id,) = [r["id"] for r in store.query("SELECT id FROM articles WHERE hash=?",
                                                     (article_hash,))]
        assert store.review.states([article_id]) == {article_id: "disputed"}
    before = dump(out)
    again = run_merge(a, b, a, "--output", out)
    assert again.returncode == 0, again.stderr
    assert dump(out) == before  # merging the same databases again changes nothing
    assert again.stdout.count("0 layer(s) copied") == 3


def test_undo_works_on_merged_decisions(tmp_path):
    a, b, article_hash = two_machines(tmp_path)
    out = tmp_path / "team.db"
    with Store(out, annotator="merge") as store:
        merge_source(store, str(a))
        counts = merge_source(store, str(b))
    assert counts.events_copied > 0 and counts.events_left_out == 0
    # the same undo steps in bob's own database and in the merged one end in the same layer
    for steps in range(1, 6):
        with Store(b, annotator="bob") as original, Store(out, annotator="bob") as merged:
            first, second = original.history.undo(), merged.history.undo()
            assert (first is None) == (second is None)
            if first is not None:
                assert first.action == second.action
        assert layer(out, "bob", article_hash) == layer(b, "bob", article_hash), steps
    with Store(b, annotator="bob") as original, Store(out, annotator="bob") as merged:
        for _ in range(5):
            original.history.redo()
            merged.history.redo()
    assert layer(out, "bob", article_hash) == layer(b, "bob", article_hash)
    assert layer(out, "bob", article_hash)[0] == "done"


def tagged_layer(path, annotator, article_hash) -> list[tuple]:
    """An annotator's spans in the article with this hash, each with its tags, independent of ids."""
    with Store(path, readonly=True) as store:
        (article_id,) = [r["id"] for r in store.query("SELECT id FROM articles WHERE hash=?",
                                                     (article_hash,))]
        return sorted((s.start, s.end, s.label, s.status, s.tags) for s in store.view.spans(article_id,
                                                                                            annotator)
                      if s.span_id is not None)


def test_undo_and_redo_of_merged_tags_put_them_back_on_the_merged_spans(tmp_path):
    """A tag's undo images name its span by id; the merge moves span ids past the output's, so
    the images must move too, or a redo in the merged database puts bob's tag on whatever span
    holds his old id there (alice's, merged first) and his own span loses it."""
    a, b, article_hash = two_machines(tmp_path)
    with Store(b, annotator="bob") as bob:
        first = bob.articles.ids()[0]
        mine = [s for s in bob.view.spans(first) if s.span_id is not None and s.status != "rejected"]
        bob.tags.tag(mine[0].key, "check")
        bob.decisions.delete_span(mine[1].key)
    out = tmp_path / "team.db"
    with Store(out, annotator="merge") as store:
        merge_source(store, str(a))
        merge_source(store, str(b))
    expected = tagged_layer(b, "bob", article_hash)
    assert ("check",) in [s[4] for s in expected]
    assert tagged_layer(out, "bob", article_hash) == expected
    with Store(out, annotator="bob") as merged:
        assert merged.history.undo().action == "delete"
        assert merged.history.undo().action == "tag"
        assert merged.history.redo().action == "tag"
        assert merged.history.redo().action == "delete"
        assert merged.history.undo().action == "delete"  # the span back, as bob's own database would have it
    with Store(b, annotator="bob") as original:
        original.history.undo()
    assert tagged_layer(out, "bob", article_hash) == tagged_layer(b, "bob", article_hash)
    assert tagged_layer(out, "alice", article_hash) == tagged_layer(a, "alice", article_hash)
    with Store(out, readonly=True) as store:  # no tag of one annotator on another's span
        assert store.query("SELECT count(*) AS n FROM tags t JOIN spans s ON s.id = t.span_id "
                           "WHERE s.annotator != t.annotator OR s.article_id != t.article_id") == [{"n": 0}]


def suggestions_by_hash(path) -> list[tuple]:
    """Every suggestion as (article hash, start, end, label), independent of ids."""
    with Store(path, readonly=True) as store:
        return sorted(tuple(r.values()) for r in store.query(
            "SELECT a.hash, g.start, g.end, g.label FROM suggestions g "
            "JOIN articles a ON a.id = g.article_id"))


def test_articles_are_matched_by_content_not_by_id(tmp_path):
    """Two machines that imported the same articles in another order give them other ids: the
    merge matches them by content hash, so bob's work lands on the article he read, not on the
    one that has his article's id in the output."""
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    make_seeded_db(a)
    with Store(b, annotator="bob") as store:
        assert import_paths(store, list(reversed(seed_paths()))).imported == 5
        add_test_suggestions(store)
    with Store(a, readonly=True) as one, Store(b, readonly=True) as two:
        first = one.articles.ids()[0]
        article_hash = one.articles.get(first).hash
        (bobs,) = [i for i in two.articles.ids() if two.articles.get(i).hash == article_hash]
        assert bobs != first  # the same article under another id
    annotate(a, first, {"alice": SEED_LAYERS["alice"]})
    annotate(b, bobs, {"bob": SEED_LAYERS["bob"]})
    out = tmp_path / "team.db"
    with Store(out, annotator="merge") as store:
        merge_source(store, str(a))
        counts = merge_source(store, str(b))
        assert (counts.articles_added, counts.articles_matched) == (0, 5)
        assert store.articles.count() == 5
    assert suggestions_by_hash(out) == suggestions_by_hash(a) == suggestions_by_hash(b)
    assert layer(out, "bob", article_hash) == layer(b, "bob", article_hash)
    assert layer(out, "alice", article_hash) == layer(a, "alice", article_hash)
    with Store(out, readonly=True) as store:
        assert store.query("SELECT DISTINCT a.hash FROM spans s JOIN articles a ON a.id = s.article_id") == [
            {"hash": article_hash}]


def test_conflicts_are_reported_not_resolved(tmp_path):
    a, _, article_hash = two_machines(tmp_path)
    other = tmp_path / "alice-laptop.db"
    make_seeded_db(other)
    with Store(other, readonly=True) as store:
        first = store.articles.ids()[0]
    annotate(other, first, {"alice": SEED_LAYERS["bob"]})  # alice, differently, elsewhere
    out = tmp_path / "team.db"
    result = run_merge(a, other, "--output", out)
    assert result.returncode == 1
    assert "conflict: alice's decisions on article" in result.stderr
    assert "kept the output's" in result.stderr
    assert layer(out, "alice", article_hash) == layer(a, "alice", article_hash)  # the first one stays


def test_the_same_history_undone_differently_is_a_conflict(tmp_path):
    """Undo changes no history (it marks the log), so after alice undoes on her machine the two
    layers have the same history and different decisions: that is reported as a conflict and
    the output's layer is kept, never taken as "the same" and passed over in silence."""
    a, _, article_hash = two_machines(tmp_path)
    out = tmp_path / "team.db"
    with Store(out, annotator="merge") as store:
        assert merge_source(store, str(a)).layers_copied == 1
    merged = layer(out, "alice", article_hash)
    with Store(a, annotator="alice") as alice:
        assert alice.history.undo().action == "done"
    assert layer(a, "alice", article_hash) != merged
    with Store(out, annotator="merge") as store:
        counts = merge_source(store, str(a))
    assert counts.layers_same == 0
    [conflict] = counts.conflicts
    assert conflict.annotator == "alice" and conflict.hash == article_hash
    assert "undone or redone differently" in conflict.detail
    assert layer(out, "alice", article_hash) == merged  # the output's kept
    result = run_merge(a, "--output", out)
    assert result.returncode == 1 and "conflict: alice's decisions on article" in result.stderr


def test_work_done_since_the_last_merge_comes_in(tmp_path):
    a, _, article_hash = two_machines(tmp_path)
    out = tmp_path / "team.db"
    assert run_merge(a, "--output", out).returncode == 0
    with Store(a, annotator="alice") as store:
        first = store.articles.ids()[0]
        store.decisions.set_article_status(first, "in_progress")
        spans = [s for s in store.view.spans(first) if s.span_id is not None and s.status == "accepted"]
        store.decisions.relabel(spans[0].key, "MISC")
        store.tags.tag(spans[0].key, "check")
    result = run_merge(a, "--output", out)
    assert result.returncode == 0, result.stderr
    assert "1 brought up to date" in result.stdout
    assert layer(out, "alice", article_hash) == layer(a, "alice", article_hash)
    with Store(out, annotator="alice") as merged:
        assert merged.history.undo().action == "tag"
        assert merged.history.undo().action == "relabel"


def test_links_and_entities_merge_into_one_identity(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path, name in ((a, "alice"), (b, "bob")):
        make_seeded_db(path)
        with Store(path, annotator=name) as store:
            first = store.articles.ids()[0]
            span = next(s for s in store.view.spans(first) if s.label == "PERSON")
            store.decisions.link(span.key, "Abdellatif Hammouchi")
    out = tmp_path / "team.db"
    assert run_merge(a, b, "--output", out).returncode == 0
    with Store(out, readonly=True) as store:
        assert [e["name"] for e in store.entities.all()] == ["Abdellatif Hammouchi"]
        linked = store.query("SELECT annotator FROM spans WHERE entity_id IS NOT NULL ORDER BY annotator")
        assert [r["annotator"] for r in linked] == ["alice", "bob"]


def test_errors_name_the_file(tmp_path):
    a, _, _ = two_machines(tmp_path)
    missing = run_merge(tmp_path / "nope.db", "--output", tmp_path / "out.db")
    assert missing.returncode == 1 and "nope.db: no such database file" in missing.stderr
    same = run_merge(a, "--output", a)
    assert same.returncode == 1 and "is the output database itself" in same.stderr
    stranger = tmp_path / "other.db"
    import sqlite3
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE x(y)")
    conn.commit()
    conn.close()
    refused = run_merge(stranger, "--output", tmp_path / "out.db")
    assert refused.returncode == 1
    assert "other.db: this SQLite file is not a Parallax database" in refused.stderr


def test_source_in_a_read_only_folder_is_read_immutable(tmp_path, monkeypatch):
    """Where SQLite cannot make the -shm file (a read-only folder, which root cannot simulate
    with chmod), the source is attached immutable, as Store opens such files; never changed."""
    from annotations.store import merge

    a, _, article_hash = two_machines(tmp_path)
    with Store(a) as store:
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert not os.path.exists(str(a) + "-wal")  # the last connection closed: folded into the file
    monkeypatch.setattr(merge, "_writable_dir", lambda folder: False)
    assert merge.source_uri(str(a)).endswith("?mode=ro&immutable=1")
    data = a.read_bytes()
    out = tmp_path / "team.db"
    with Store(out, annotator="merge") as store:
        merge_source(store, str(a))
    assert a.read_bytes() == data
    assert layer(out, "alice", article_hash) == layer(a, "alice", article_hash)


WRITER = textwrap.dedent("""
    import sys
    import time
    from annotations.store import Store
    path, n = sys.argv[1], int(sys.argv[2])
    with Store(path, annotator="alice") as store:
        ids = store.articles.ids()
        done = 0
        for article_id in ids[1:]:
            for span in store.view.spans(article_id):
                if span.is_suggestion and done < n:
                    store.decisions.accept(span.key)  # committed before it returns, as in the app
                    done += 1
                    print(done, flush=True)
                    time.sleep(0.02)
""")


def test_a_merge_while_a_source_is_written_loses_nothing(tmp_path):
    a, b, article_hash = two_machines(tmp_path)
    out = tmp_path / "team.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(a), "40"], stdout=subprocess.PIPE, text=True)
    merges = 0
    while writer.poll() is None:
        with Store(out, annotator="merge") as store:
            for source in (a, b):
                assert not merge_source(store, str(source)).conflicts
        merges += 1
    written = writer.stdout.read().split()
    assert writer.returncode == 0 and written[-1] == "40"
    with Store(a, readonly=True) as store:  # every decision the writer made is in its database
        first = store.articles.ids()[0]
        assert store.query("SELECT count(*) AS n FROM spans WHERE annotator='alice' AND status='accepted' "
                           "AND article_id != ?", (first,))[0]["n"] == 40
    assert run_merge(a, b, "--output", out).returncode == 0  # the rest comes in now
    with Store(a, readonly=True) as src, Store(out, readonly=True) as merged:
        for article_id in src.articles.ids():
            h = src.articles.get(article_id).hash
            assert layer(out, "alice", h) == layer(a, "alice", h)
        assert merged.query("SELECT count(*) AS n FROM spans s JOIN articles a ON a.id = s.article_id "
                            "WHERE s.annotator='alice' AND a.hash != ?", (article_hash,))[0]["n"] == 40
    assert merges >= 3  # the merges really ran while the writer wrote
