"""The library at corpus scale: the first page before the count, query shapes, migration 4."""

from __future__ import annotations

import sqlite3
from array import array

import pytest
from app_helpers import press, screen_text, settle, type_text

from annotations.store import LibraryFilter, Store, library
from annotations.store.db import _split_sql
from annotations.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from tui.app import make_app
from tui.messages import ArticlesChanged, LibraryLoaded
from tui.widgets.article_list import ArticleList

pytest_plugins = ["app_fixtures"]  # seeded_db

SIZE = (100, 24)
FILTERS = [LibraryFilter(), LibraryFilter(search="Hammou"), LibraryFilter(search="H"),
           LibraryFilter(search="the", lang="en"), LibraryFilter(lang="fr"),
           LibraryFilter(status="todo"), LibraryFilter(status="in_progress"),
           LibraryFilter(search="Rabat", status="in_progress"), LibraryFilter(search="Wray", status="todo"),
           LibraryFilter(label="ORG"), LibraryFilter(label="EVENT"),
           LibraryFilter(search="Hammouchi", label="ORG"),
           LibraryFilter(search="Morocco", lang="en", status="todo", label="GPE")]


def _expected(store: Store, flt: LibraryFilter) -> list[int]:
    """The same filter worked out the slow, obvious way in Python, from the store's own answers."""
    ids = []
    words = flt.search.lower().split()
    for article_id in store.articles.ids():
        article = store.articles.get(article_id)
        if flt.lang and article.lang != flt.lang:
            continue
        if flt.status and store.view.status(article_id) != flt.status:
            continue
        if flt.label and not any(s.label == flt.label and s.status != "rejected"
                                 for s in store.view.spans(article_id)):
            continue
        if words:
            tokens = [t.strip(".,;:!?«»\"'()").lower() for t in (article.title + " " + article.text).split()]
            if not all(any(t == w for t in tokens) for w in words[:-1]) or \
                    not any(t.startswith(words[-1]) for t in tokens):
                continue
        ids.append(article_id)
    return ids


@pytest.fixture
def decided_db(seeded_db):
    with Store(seeded_db, annotator="alice") as store:
        store.decisions.accept(store.view.spans(1)[0].key)
        fbi = [s for s in store.view.spans(2) if s.label == "ORG"]
        for span in fbi:
            store.decisions.reject(span.key)
        store.decisions.set_article_status(3, "in_progress")
        store.decisions.create_span(4, 0, 4, "EVENT")
    return seeded_db


@pytest.mark.parametrize("rare", [True, False], ids=["rare-label", "common-label"])
def test_first_page_and_every_id_agree_with_a_slow_scan(decided_db, monkeypatch, rare):
    # both shapes of the label filter: from the label's own rows, and walking the articles
    monkeypatch.setattr(library, "RARE_LABEL", 10**9 if rare else 0)
    with Store(decided_db, annotator="alice") as store:
        for flt in FILTERS:
            every = store.library.matching_ids(flt)
            assert list(every) == _expected(store, flt), flt
            for limit in (1, 2, 10):
                assert store.library.first_ids(flt, limit) == every[:limit], (flt, limit)
    with Store(decided_db, annotator="alice", readonly=True) as reader:
        assert list(reader.library.matching_ids(LibraryFilter(label="EVENT"))) == [4]


def test_the_count_stops_when_a_newer_query_replaces_it(seeded_db):
    with Store(seeded_db, annotator="alice") as store:
        assert store.library.matching_ids(LibraryFilter(), should_stop=lambda: True) is None
        every = store.library.matching_ids(LibraryFilter(), should_stop=lambda: False)
        assert list(every) == [1, 2, 3, 4, 5]


def test_unannotated_ids(seeded_db):
    with Store(seeded_db, annotator="alice") as store:
        assert store.library.unannotated_ids() == []  # every seed has its test suggestions
        with store.write():
            store.db.conn.execute("DELETE FROM preannotated WHERE article_id IN (2, 5)")
        assert store.library.unannotated_ids() == [2, 5]


async def test_a_big_result_shows_its_first_page_then_its_count(seeded_db, monkeypatch):
    monkeypatch.setattr(library, "FIRST_PAGE", 2)
    monkeypatch.setattr("tui.jobs.FIRST_PAGE", 2)
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        articles = screen.query_one(ArticleList)
        assert list(articles.ids) == [1, 2, 3, 4, 5] and articles.complete
        await press(pilot, "slash")
        await type_text(pilot, "Hammou")
        await press(pilot, "enter")  # back to the list
        await settle(pilot)
        assert list(articles.ids) == [1, 2, 3, 5] and articles.complete
        assert "4 match" in screen_text(app) and screen.current_ids() == [1, 2, 3, 5]
        # what the screen shows between the two answers of one query
        asked, query_the_rest = [], screen._query_the_rest
        monkeypatch.setattr(screen, "_query_the_rest", lambda *args: asked.append(args))
        flt = screen.current_filter()
        screen.post_message(LibraryLoaded(screen._token, flt, array("q", [1, 2]), complete=False))
        await pilot.pause()
        assert list(articles.ids) == [1, 2] and not articles.complete
        assert "2+ match" in screen_text(app)
        assert app.library_order() is None  # the reader falls back to import order meanwhile
        assert asked == [(screen._token, flt)]  # the rest is asked for once the page is painted
        await press(pilot, "down")
        query_the_rest(*asked[0])
        await settle(pilot)
        assert list(articles.ids) == [1, 2, 3, 5] and articles.complete
        assert articles.highlighted == 2 and "4 match" in screen_text(app)
        # "end" before the count: the cursor goes to the true end when every id is known
        screen.post_message(LibraryLoaded(screen._token, flt, array("q", [1, 2]), complete=False))
        await pilot.pause()
        await press(pilot, "end")
        assert articles.highlighted == 2
        query_the_rest(*asked[-1])
        await settle(pilot)
        assert articles.highlighted == 5 and articles.cursor == 3
        # an answer to an older query is dropped
        screen.post_message(LibraryLoaded(screen._token - 1, flt, array("q", [4])))
        await pilot.pause()
        assert list(articles.ids) == [1, 2, 3, 5]


async def test_a_restored_cursor_beyond_the_first_page_is_kept(seeded_db, monkeypatch):
    monkeypatch.setattr("tui.jobs.FIRST_PAGE", 2)
    with Store(seeded_db, annotator="alice") as store:
        store.presence.save_session({"library": {"search": "", "cursor": 5}})
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert articles.highlighted == 5 and len(articles.ids) == 5


async def test_a_refresh_keeps_the_cursor_on_its_article(seeded_db, monkeypatch):
    monkeypatch.setattr("tui.jobs.FIRST_PAGE", 2)
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await press(pilot, "end")
        assert articles.highlighted == 5
        with Store(seeded_db, annotator="alice") as other:
            other.decisions.set_article_status(5, "done")
        app.post_message_to_screens(ArticlesChanged(None))
        await settle(pilot)
        assert articles.highlighted == 5 and articles.complete
        line = next(x for x in screen_text(app).splitlines() if "▶" in x)
        assert line.rstrip().removesuffix("…").rstrip().endswith("done")  # … awaiting review


def test_migration_4_rebuilds_the_search_index_with_prefixes(tmp_path):
    """A schema-3 file: its search index is rebuilt (same answers, plus prefix indexes) and kept current."""
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    MIGRATIONS[1](Database(conn))
    MIGRATIONS[2](Database(conn))
    conn.execute("PRAGMA user_version = 3")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    t = "2024-01-01T00:00:00.000+00:00"
    for i, (title, text, lang) in enumerate([("Hammouchi à Rabat", "La sécurité au Maroc.", "fr"),
                                             ("Wray visits", "Christopher Wray met Hammouchi.", "en")], 1):
        conn.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, NULL, '{}', ?, ?)",
                     (i, f"h{i}", title, text, lang, len(text), t))
    conn.execute("COMMIT")
    conn.close()
    with Store(path, annotator="alice") as store:
        conn = store.db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        fts = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
        assert "prefix='1 2'" in fts
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"articles_order", "suggestions_label", "spans_label"} <= names

        def ids(text: str, **kw) -> list[int]:
            return list(store.library.matching_ids(LibraryFilter(search=text, **kw)))

        assert ids("H") == [1, 2] and ids("Ham") == [1, 2] and ids("securite") == [1]
        assert ids("W", lang="en") == [2] and ids("W", lang="fr") == []
        with store.write():  # the triggers on articles still feed the rebuilt index
            conn.execute("INSERT INTO articles VALUES (3, 'h3', 'Interpol', 'Rabat hosts Interpol.', 'en', "
                         "NULL, '{}', 21, ?)", (t,))
            conn.execute("UPDATE articles SET text = 'Nothing here.' WHERE id = 1")
        assert ids("In") == [3] and ids("Rabat") == [1, 3] and ids("securite") == []
        with store.write():
            conn.execute("DELETE FROM articles WHERE id = 2")
        assert ids("Wray") == [] and ids("Ham") == [1] and ids("H") == [1, 3]  # "hosts"
