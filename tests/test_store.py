"""The store's contract: one SQLite file and its pragmas, committed decisions, the event log,
annotators kept apart, and what spans() shows an annotator."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime

import pytest
from click.testing import CliRunner

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import DecisionError, RecordError, Store
from annotations.store.db import _split_sql
from annotations.store.migrations import _REBUILT
from annotations.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from seeds import seed_paths
from tui.cli import main

TEXT = "Alice Martin met Bob Stone in Paris.\nThe FBI said Paris was calm."


def at(surface: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(surface, start + 1)
    return start, start + len(surface)


def add_article(store: Store, text: str = TEXT) -> int:
    return store.loading.add_article(ArticleRecord(text=text, title="t"))[0]


def suggest(store: Store, article_id: int, items: list[tuple[str, str, str]]) -> list[tuple[str, int]]:
    """Add suggestions (surface, label, origin) and return their keys in the same order."""
    store.loading.add_suggestions(article_id, [SpanRecord(*at(s), label, origin=origin,
                                                          source=f"test-{origin}")
                                       for s, label, origin in items])
    keys = []
    for surface, label, origin in items:
        start, end = at(surface)
        row = store.query("SELECT id FROM suggestions WHERE article_id=? AND start=? AND end=? AND label=? "
                          "AND origin=?", (article_id, start, end, label, origin))[0]
        keys.append(("suggestion", row["id"]))
    return keys


def shown(store: Store, article_id: int, **kw) -> list[tuple]:
    return [(s.start, s.end, s.label, s.status, s.origin) for s in store.view.spans(article_id, **kw)]


# -- the file --------------------------------------------------------------------------------


def test_default_file_is_parallax_db_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PARALLAX_DB", raising=False)
    with Store(annotator="alice") as s:
        assert s.path == "parallax.db"
    assert (tmp_path / "parallax.db").is_file()


def test_env_parallax_db_overrides_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PARALLAX_DB", str(tmp_path / "other.db"))
    with Store(annotator="alice"):
        pass
    assert (tmp_path / "other.db").is_file()
    assert not (tmp_path / "parallax.db").exists()


def test_cli_db_option_beats_the_env_and_env_beats_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seed = str(seed_paths()[0])
    runner = CliRunner()
    env_db, opt_db = tmp_path / "env.db", tmp_path / "opt.db"
    result = runner.invoke(main, ["import", seed, "--db", str(opt_db)], env={"PARALLAX_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert opt_db.is_file() and not env_db.exists()
    result = runner.invoke(main, ["import", seed], env={"PARALLAX_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert env_db.is_file() and not (tmp_path / "parallax.db").exists()
    with Store(opt_db, readonly=True) as s:
        assert s.articles.count() == 1


def test_every_connection_gets_wal_foreign_keys_timeout_and_version(db_path):
    with Store(db_path, annotator="alice", timeout=0.25) as s:
        pragma = {name: s.db.conn.execute(f"PRAGMA {name}").fetchone()[0]
                  for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous",
                               "user_version", "application_id")}
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 250, "synchronous": 2,
                          "user_version": SCHEMA_VERSION, "application_id": APPLICATION_ID}
    with Store(db_path, annotator="bob", readonly=True) as r:
        assert r.db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert r.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


def test_a_write_inside_a_write_that_raises_is_undone_alone(store, db_path):
    """A write inside a write is a savepoint of it (sqlite-utils' atomic()): what the inner one
    did goes when it raises, the outer one's work is committed."""
    with store.cx.write() as conn:
        conn.execute("INSERT INTO labels(name, position) VALUES ('OUTER', 90)")
        with pytest.raises(ValueError), store.cx.write() as inner:
            inner.execute("INSERT INTO labels(name, position) VALUES ('INNER', 91)")
            raise ValueError("the inner write fails")
        conn.execute("INSERT INTO labels(name, position) VALUES ('AFTER', 92)")
    other = sqlite3.connect(db_path)
    try:
        names = {r[0] for r in other.execute("SELECT name FROM labels WHERE position >= 90")}
    finally:
        other.close()
    assert names == {"OUTER", "AFTER"}


def test_a_write_inside_a_write_is_sqlite_utils_atomic(store, monkeypatch):
    """The outer write is ``BEGIN IMMEDIATE`` (store/transaction.py: the lock taken up front); a
    write inside it is one of sqlite-utils' ``atomic()`` savepoints (FACTS.md), its Database made
    on the connection when first needed, not when the store opens (store/database.py)."""
    from sqlite_utils import Database

    entered = []
    atomic = Database.atomic

    def counted(self):
        entered.append(self.conn)
        return atomic(self)

    monkeypatch.setattr(Database, "atomic", counted)
    with store.write() as conn:
        conn.execute("INSERT INTO labels(name, position) VALUES ('ONE', 90)")
        assert entered == []
        with store.write() as inner:
            inner.execute("INSERT INTO labels(name, position) VALUES ('TWO', 91)")
    assert entered == [store.db.conn]


def test_foreign_keys_are_enforced(store):
    """A row pointing at no article is refused (as a RecordError: no SQLite error leaves the store)."""
    with pytest.raises(RecordError, match="FOREIGN KEY"), store.write():
        store.db.conn.execute("INSERT INTO spans(article_id, annotator, start, end, label, status, origin, "
                              "created_at, updated_at) VALUES (999, 'a', 0, 1, 'ORG', 'accepted', 'human', "
                              "'t', 't')")


def _schema_2_file(path) -> None:
    """A database as Parallax schema 2 left it, with a logged decision and an undone one."""
    from sqlite_utils import Database

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    MIGRATIONS[1](Database(conn))
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    t = "2024-01-01T00:00:00.000+00:00"
    conn.execute("INSERT INTO articles VALUES (1, 'h', 't', ?, 'en', NULL, '{}', ?, ?)", (TEXT, len(TEXT), t))
    conn.execute("INSERT INTO labels VALUES ('PERSON', 0)")
    status = {"article_id": 1, "annotator": "alice", "status": "in_progress", "updated_at": t}
    span = {"id": 1, "article_id": 1, "annotator": "alice", "start": 0, "end": 12, "label": "PERSON",
            "status": "accepted", "origin": "human", "source": None, "suggestion_id": None,
            "entity_id": None, "created_at": t, "updated_at": t}
    conn.execute("INSERT INTO article_status VALUES (1, 'alice', 'in_progress', ?)", (t,))
    conn.execute("INSERT INTO spans VALUES (1, 1, 'alice', 0, 12, 'PERSON', 'accepted', 'human', NULL, "
                 "NULL, NULL, ?, ?)", (t, t))
    undone = {**span, "id": 2, "start": 17, "end": 26}
    log = "INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after, state) " \
          "VALUES (?, 'alice', ?, 1, ?, ?, ?, NULL, ?, ?)"
    conn.execute(log, (t, "start", 1, "article_status", 1, json.dumps(status), "done"))
    conn.execute(log, (t, "create", 1, "spans", 1, json.dumps(span), "done"))
    conn.execute(log, (t, "create", 2, "spans", 2, json.dumps(undone), "undone"))
    conn.execute("COMMIT")
    conn.close()


def test_migration_from_schema_2_keeps_ids_and_the_undo_log(db_path, table_dump):
    _schema_2_file(db_path)
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        assert alice.db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        for table, create in _REBUILT.items():
            sql = alice.db.conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
            assert "AUTOINCREMENT" in sql and table in create
        assert alice.query("SELECT id, annotator FROM article_status") == [{"id": 1, "annotator": "alice"}]
        # Id 2 was freed by an undo that alice can still redo: nobody else may get it.
        bob_span = bob.decisions.create_span(1, *at("Paris"), "PERSON")
        assert bob_span.span_id == 3
        alice.history.undo()  # the schema-2 group: its span and its article_status row (logged by rowid)
        assert alice.view.spans(1) == [] and alice.view.status(1) == "todo"
        assert alice.history.redo() is not None and alice.history.redo() is not None
        assert {(s.span_id, s.start) for s in alice.view.spans(1)} == {(1, 0), (2, 17)}
        assert bob.view.spans(1) == [bob_span]
        assert alice.db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert alice.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_processes_creating_the_same_file_migrate_it_once(db_path):
    first = Store(db_path, annotator="alice")
    second = Store(db_path, annotator="bob")  # sees version 3: nothing to do
    assert first.labels.names() == second.labels.names() and len(first.labels.names()) == 8
    assert first.query("SELECT count(*) AS n FROM labels") == [{"n": 8}]
    first.close()
    second.close()


# -- decisions are committed and logged --------------------------------------------------------


def test_each_decision_is_committed_before_the_call_returns(store, db_path):
    aid = add_article(store)
    k_alice, k_paris, k_fbi = suggest(store, aid, [("Alice Martin", "PERSON", "model"),
                                                   ("Paris", "GPE", "model"), ("FBI", "ORG", "model")])
    reader = sqlite3.connect(db_path)  # another connection sees only committed rows

    def committed_events() -> int:
        assert not store.db.conn.in_transaction
        return reader.execute("SELECT count(*) FROM events").fetchone()[0]

    seen = committed_events()
    bob_start, bob_end = at("Bob Stone")
    steps = [
        lambda: store.decisions.accept(k_alice),
        lambda: store.decisions.reject(k_fbi),
        lambda: store.decisions.relabel(k_paris, "LOC"),
        lambda: store.decisions.resize(store.view.spans(aid)[0].key, 0, 5),
        lambda: store.decisions.create_span(aid, bob_start, bob_end, "PERSON"),
        lambda: store.tags.tag(store.view.spans(aid)[0].key, "check"),
        lambda: store.tags.tag_article(aid, "sports"),
        lambda: store.decisions.link(store.view.spans(aid)[0].key, "Alice Martin"),
        lambda: store.decisions.set_article_status(aid, "done"),
        lambda: store.decisions.delete_span(("span", store.view.spans(aid)[1].span_id)),
        lambda: store.history.undo(),
    ]
    for step in steps:
        step()
        now_seen = committed_events()
        assert now_seen > seen or step is steps[-1]
        seen = now_seen
    assert reader.execute("SELECT count(*) FROM events WHERE state='undone'").fetchone()[0] > 0
    reader.close()


def test_an_event_row_holds_annotator_time_table_row_and_both_images(store):
    aid = add_article(store)
    (key,) = suggest(store, aid, [("Paris", "GPE", "model")])
    span = store.decisions.accept(key)
    store.decisions.relabel(span.key, "LOC")
    ev = store.query("SELECT * FROM events WHERE action='relabel'")
    assert len(ev) == 1
    ev = ev[0]
    assert ev["annotator"] == "alice" and ev["tbl"] == "spans" and ev["row_id"] == span.span_id
    assert ev["article_id"] == aid and ev["state"] == "done"
    assert datetime.fromisoformat(ev["ts"]).tzinfo is not None
    before, after = json.loads(ev["before"]), json.loads(ev["after"])
    assert (before["label"], before["status"]) == ("GPE", "accepted")
    assert (after["label"], after["status"]) == ("LOC", "corrected")
    first = store.query("SELECT action, before, after FROM events WHERE grp=(SELECT min(grp) FROM events) "
                        "ORDER BY id")
    assert [(e["action"], e["before"]) for e in first] == [("start", None), ("accept", None)]


def test_the_log_is_append_only(store):
    aid = add_article(store)
    store.decisions.create_span(aid, *at("Paris"), "GPE")
    store.tags.tag_article(aid, "x")
    rows = store.query("SELECT id, ts, annotator, action, grp, tbl, row_id, before, after FROM events")
    store.history.undo()
    store.history.undo()
    store.history.redo()
    store.decisions.create_span(aid, *at("FBI"), "ORG")  # drops the redo branch: marked, not deleted
    after = store.query("SELECT id, ts, annotator, action, grp, tbl, row_id, before, after FROM events")
    assert after[: len(rows)] == rows
    states = [r["state"] for r in store.query("SELECT state FROM events ORDER BY id")]
    assert states == ["done", "done", "discarded", "done"]


def test_a_refused_decision_leaves_no_trace(store, table_dump):
    aid = add_article(store)
    (key,) = suggest(store, aid, [("Paris", "GPE", "model")])
    store.decisions.link(key, "Paris", kb_id="Q90")
    other = store.decisions.create_span(aid, *at("FBI"), "ORG")
    before = table_dump(store), store.query("SELECT * FROM events")
    bad = [
        lambda: store.decisions.link(other.key, "Federal Bureau", kb_id="Q90"),  # kb id taken by Paris
        lambda: store.decisions.resize(other.key, 0, len(TEXT) + 1),
        lambda: store.decisions.relabel(other.key, "no spaces allowed"),
        lambda: store.decisions.create_span(aid, 5, 5, "ORG"),
        lambda: store.decisions.accept(("suggestion", 9999)),
        lambda: store.tags.tag(other.key, "   "),
        lambda: store.decisions.set_article_status(aid, "finished"),
        lambda: store.decisions.unlink(other.key),
    ]
    for call in bad:
        with pytest.raises(DecisionError):
            call()
        assert (table_dump(store), store.query("SELECT * FROM events")) == before
        assert not store.db.conn.in_transaction


# -- annotators -----------------------------------------------------------------------------


def test_two_annotators_on_one_article_keep_their_own_layers(db_path, table_dump):
    with Store(db_path, annotator="alice") as alice, Store(db_path, annotator="bob") as bob:
        aid = add_article(alice)
        k_paris, k_fbi = suggest(alice, aid, [("Paris", "GPE", "model"), ("FBI", "ORG", "model")])
        suggestions = alice.query("SELECT * FROM suggestions ORDER BY id")
        alice.decisions.accept(k_paris)
        alice.tags.tag(k_fbi, "unsure")
        bob.decisions.relabel(k_paris, "LOC")
        bob.decisions.reject(k_fbi)
        assert shown(alice, aid) == [(*at("Paris"), "GPE", "accepted", "model"),
                                     (*at("FBI"), "ORG", "suggested", "model")]
        assert shown(bob, aid) == [(*at("Paris"), "LOC", "corrected", "model"),
                                   (*at("FBI"), "ORG", "rejected", "model")]
        # Model suggestions are kept apart and never changed by a decision.
        assert alice.query("SELECT * FROM suggestions ORDER BY id") == suggestions
        alice_rows = alice.query("SELECT * FROM spans WHERE annotator='alice'"), \
            alice.query("SELECT * FROM tags WHERE annotator='alice'")
        while bob.history.undo():
            pass
        assert (alice.query("SELECT * FROM spans WHERE annotator='alice'"),
                alice.query("SELECT * FROM tags WHERE annotator='alice'")) == alice_rows
        assert shown(bob, aid) == [(*at("Paris"), "GPE", "suggested", "model"),
                                   (*at("FBI"), "ORG", "suggested", "model")]
        # bob cannot decide on alice's span
        alice_span = alice.view.spans(aid)[0]
        with pytest.raises(DecisionError):
            bob.decisions.reject(alice_span.key)
        with pytest.raises(DecisionError):
            bob.decisions.delete_span(alice_span.key)
        assert alice.view.spans(aid)[0] == alice_span and alice_span.span_id is not None


# -- what spans() shows -----------------------------------------------------------------------


def test_duplicate_suggestions_show_once_preferring_memory_then_rules(store):
    aid = add_article(store)
    suggest(store, aid, [("Paris", "GPE", "model"), ("Paris", "GPE", "rules"), ("Paris", "GPE", "memory"),
                         ("FBI", "ORG", "model"), ("FBI", "ORG", "rules"),
                         ("Bob Stone", "PERSON", "model"), ("Bob Stone", "ORG", "model")])
    assert shown(store, aid) == [(*at("Bob Stone"), "ORG", "suggested", "model"),
                                 (*at("Bob Stone"), "PERSON", "suggested", "model"),
                                 (*at("Paris"), "GPE", "suggested", "memory"),
                                 (*at("FBI"), "ORG", "suggested", "rules")]


def test_a_decided_suggestion_hides_its_duplicates_and_rivals(store, db_path):
    aid = add_article(store)
    k_model, _, k_org, _ = suggest(store, aid, [("Paris", "GPE", "model"), ("Paris", "GPE", "rules"),
                                                ("Paris", "ORG", "model"), ("FBI", "ORG", "model")])
    store.decisions.reject(k_org)  # a rejected decision hides every suggestion at those offsets
    assert shown(store, aid) == [(*at("Paris"), "ORG", "rejected", "model"),
                                 (*at("FBI"), "ORG", "suggested", "model")]
    assert shown(store, aid, include_rejected=False) == [(*at("FBI"), "ORG", "suggested", "model")]
    with Store(db_path, annotator="bob") as bob:  # bob still sees the suggestions
        assert len(bob.view.spans(aid)) == 3
    store.history.undo()
    store.decisions.create_span(aid, *at("Paris"), "LOC")  # a hand-made span at the same offsets
    assert shown(store, aid) == [(*at("Paris"), "LOC", "accepted", "human"),
                                 (*at("FBI"), "ORG", "suggested", "model")]
    store.history.undo()
    assert store.decisions.accept(k_model).status == "accepted"
    assert [s.key for s in store.view.spans(aid) if s.is_suggestion] == [("suggestion", k_model[1] + 3)]


def test_tags_follow_the_span_or_suggestion_they_were_put_on(store):
    aid = add_article(store)
    (key,) = suggest(store, aid, [("Paris", "GPE", "model")])
    store.tags.tag(key, "check  spelling")
    store.tags.tag(key, "check spelling")  # the same tag again is a no-op
    assert store.view.spans(aid)[0].tags == ("check spelling",)
    span = store.decisions.accept(key)
    store.tags.tag(span.key, "capital")
    assert store.view.spans(aid)[0].tags == ("capital",)
    assert store.tags.known() == ["capital", "check spelling"]


def test_accept_all_accepts_one_label_where_suggestions_disagree(store):
    """Regression: accept_all used to accept ORG and PERSON for the same words."""
    aid = add_article(store)
    suggest(store, aid, [("Bob Stone", "ORG", "model"), ("Bob Stone", "PERSON", "rules"),
                         ("Paris", "GPE", "model"), ("Paris", "GPE", "memory")])
    assert store.decisions.accept_all(aid) == 2
    assert shown(store, aid) == [(*at("Bob Stone"), "PERSON", "accepted", "rules"),
                                 (*at("Paris"), "GPE", "accepted", "memory")]
    assert store.decisions.accept_all(aid) == 0


def test_reject_all_rejects_one_span_where_suggestions_disagree(store):
    aid = add_article(store)
    suggest(store, aid, [("Bob Stone", "ORG", "model"), ("Bob Stone", "PERSON", "rules"),
                         ("Paris", "GPE", "model")])
    assert store.decisions.reject_all(aid) == 2
    assert shown(store, aid) == [(*at("Bob Stone"), "PERSON", "rejected", "rules"),
                                 (*at("Paris"), "GPE", "rejected", "model")]
    assert store.decisions.reject_all(aid) == 0


@pytest.mark.parametrize("how, status", [("accept", "accepted"), ("reject", "rejected")])
def test_done_decides_the_undecided_suggestions_in_the_same_undo_step(store, how, status):
    aid = add_article(store)
    suggest(store, aid, [("Bob Stone", "PERSON", "model"), ("Paris", "GPE", "model")])
    store.decisions.accept(store.view.spans(aid)[0].key)
    assert store.decisions.set_article_status(aid, "done", undecided=how) == 1
    assert store.view.status(aid) == "done"
    assert [s.status for s in store.view.spans(aid)] == ["accepted", status]
    result = store.history.undo()  # one step takes back both
    assert (result.action, store.view.status(aid)) == ("done", "in_progress")
    assert [s.status for s in store.view.spans(aid)] == ["accepted", "suggested"]


def test_done_leaving_suggestions_undecided_and_a_bad_choice(store):
    aid = add_article(store)
    suggest(store, aid, [("Paris", "GPE", "model")])
    with pytest.raises(DecisionError, match="accepted or rejected"):
        store.decisions.set_article_status(aid, "done", undecided="maybe")
    with pytest.raises(DecisionError, match="accepted or rejected"):
        store.decisions.decide_all(aid, "ignore")
    assert store.view.status(aid) == "todo"
    assert store.decisions.set_article_status(aid, "done") == 0
    assert (store.view.status(aid), store.view.spans(aid)[0].status) == ("done", "suggested")


# -- threads ------------------------------------------------------------------------------------


def test_a_store_shared_by_threads_serializes_its_writes(db_path):
    """With check_same_thread=False, two threads' decisions never join one transaction."""
    with Store(db_path, annotator="alice", check_same_thread=False) as shared:
        aid = add_article(shared)
        errors: list[BaseException] = []

        def work(offset: int) -> None:
            try:
                for i in range(40):
                    shared.decisions.create_span(aid, offset + i % 5, offset + i % 5 + 1, "ORG")
                    shared.tags.tag_article(aid, f"t{offset}-{i}")
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(o,)) for o in (0, 20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(shared.tags.of_article(aid)) == 80
        # 10 distinct spans (repeats are no-ops) and 80 tags: 90 groups, none mixing two decisions.
        groups = shared.query("SELECT grp, group_concat(DISTINCT action) AS actions FROM events GROUP BY grp")
        assert len(groups) == 90
        assert {g["actions"] for g in groups} == {"start,create", "create", "tag_article"}


def test_spans_within_a_range_follow_the_same_rules_as_the_whole_article(store):
    article_id = add_article(store)
    keys = suggest(store, article_id, [("Alice Martin", "PERSON", "model"), ("Bob Stone", "PERSON", "model"),
                                      ("Paris", "GPE", "model"), ("Paris", "GPE", "memory"),
                                      ("FBI", "ORG", "model")])
    store.decisions.accept(keys[0])
    store.decisions.reject(keys[2])
    # A decision moved right away from its suggestion ("Bob Stone" -> "Paris" 2nd) still hides it.
    store.decisions.resize(keys[1], *at("Paris", 1))
    store.decisions.create_span(article_id, *at("calm"), "MISC")
    everything = store.view.spans(article_id)
    for window in [(0, len(TEXT)), at("Bob Stone"), at("Paris"), at("Paris", 1), (0, 5), (15, 40),
                   (at("FBI")[0], at("calm")[1]), (len(TEXT) - 1, len(TEXT))]:
        inside = [s for s in everything if s.start < window[1] and s.end > window[0]]
        assert store.view.spans(article_id, within=window) == inside, window
    assert not [s for s in store.view.spans(article_id, within=at("Bob Stone")) if s.is_suggestion]


def test_upgrading_a_big_database_says_so_and_a_new_one_does_not(db_path, tmp_path, monkeypatch, caplog):
    import annotations.store.db as db_module

    monkeypatch.setattr(db_module, "_ANNOUNCE_MIGRATION_FROM", 1)  # the seeds-sized file counts as big
    _schema_2_file(db_path)
    with caplog.at_level("WARNING", logger="parallax"):
        Store(db_path, annotator="alice").close()
        Store(tmp_path / "new.db", annotator="alice").close()
        Store(db_path, annotator="alice").close()  # already upgraded: nothing to say
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"{db_path}: upgrading the database from schema 2 to {SCHEMA_VERSION} "
                        "(1 articles; once, this can take a minute)…"]
