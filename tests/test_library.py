"""The library: the headless query (search, filters, counts) and the screen, up to 100,000 articles."""

from __future__ import annotations

import re

import pytest
from app_helpers import other_store, press, screen_text, settle, type_text
from textual.widgets import Select

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import LibraryFilter, Store, fts_query, library
from tui.app import make_app
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL, BIG = (80, 24), (160, 48)


# -- the headless query ------------------------------------------------------------------------


@pytest.mark.parametrize("typed, query", [
    ("Hammouchi", '"Hammouchi"*'),
    ('"Hammouchi', '"""Hammouchi"*'),
    ('FBI" OR "x', '"FBI""" "OR" """x"*'),
    ("Wray AND NOT", '"Wray" "AND" "NOT"*'),
    ('" * - ( )', None),
    ("", None),
])
def test_fts_query_quotes_every_word(typed, query):
    assert fts_query(typed) == query


@pytest.mark.parametrize("typed", ['"', '"Hammouchi', 'Wray"', "a'b", "NEAR(", "*", "-FBI", "title:x", "((("])
def test_any_input_searches_without_error(seeded_db, typed):
    with Store(seeded_db, annotator="alice") as store:
        ids = store.library.matching_ids(LibraryFilter(search=typed))
    assert all(isinstance(i, int) for i in ids)


def test_search_prefix_and_words(seeded_db):
    with Store(seeded_db, annotator="alice") as store:
        def ids(text: str) -> list[int]:
            return list(store.library.matching_ids(LibraryFilter(search=text)))

        assert ids("Hammou") == [1, 2, 3, 5]  # the last word is a prefix
        assert ids('"Hammouchi') == [1, 2, 3, 5]
        assert ids("Alaouite") == [3]
        assert ids("Hammouchi Haines") == [2, 3]  # words are ANDed
        assert ids("حموشي") == [4]
        assert ids("securite") == ids("sécurité") != []  # diacritics folded


def test_filters_and_counts_follow_the_annotator(seeded_db):
    with Store(seeded_db, annotator="alice") as store:
        text = store.articles.get(1).text
        first = store.view.spans(1)[0]
        store.decisions.accept(first.key)
        fbi = [s for s in store.view.spans(1) if text[s.start:s.end] == "FBI"]
        assert len(fbi) == 1 and fbi[0].label == "ORG"
        store.decisions.reject(fbi[0].key)
        store.decisions.set_article_status(2, "done")
        store.decisions.create_span(3, 0, 7, "EVENT")

        def ids(**kw) -> list[int]:
            return list(store.library.matching_ids(LibraryFilter(**kw)))

        assert ids(lang="fr") == [5]
        assert ids(lang="ar") == [4]
        assert ids(status="done") == [2]
        assert ids(status="in_progress") == [1, 3]
        assert ids(status="todo") == [4, 5]
        assert ids(label="EVENT") == [3]
        assert ids(label="ORG") == [2, 3, 5]  # FBI is still suggested there; rejected in article 1
        assert ids(label="PERSON") == [1, 2, 3, 4, 5]
        assert ids(search="Hammouchi", status="todo") == [5]
        rows = {r.id: r for r in store.library.rows([1, 2, 3, 4])}
        expected = store.view.spans(1)
        assert (rows[1].accepted, rows[1].rejected, rows[1].suggested) == (
            1, 1, sum(s.is_suggestion for s in expected))
        assert rows[2].status == "done" and rows[1].status == "in_progress" and rows[4].status == "todo"
        assert rows[4].suggested == len(store.view.spans(4))
        assert store.library.progress() == library.Progress(total=5, done=1, in_progress=2)
    with Store(seeded_db, annotator="bob") as bob:
        assert list(bob.library.matching_ids(LibraryFilter(status="todo"))) == [1, 2, 3, 4, 5]
        assert bob.library.rows([1])[0].accepted == 0
        assert bob.library.progress().done == 0


def test_undecided_count_is_what_accept_all_accepts(store):
    """A model and a memory suggestion at one place, with different labels, are one decision
    to make: the library counts the place once, as accept-all accepts one there."""
    text = "Sahel met Hammouchi in Rabat. Sahel left."
    article_id = store.loading.add_article(ArticleRecord(text=text))[0]
    sahel, rabat, second = (0, 5), (23, 28), (30, 35)
    store.loading.add_suggestions(article_id, [
        SpanRecord(*sahel, "PERSON", origin="model"), SpanRecord(*rabat, "GPE", origin="model"),
        SpanRecord(*second, "PERSON", origin="model")], pipeline="test")
    store.loading.add_suggestions(article_id, [
        SpanRecord(*sahel, "LOC", origin="memory"), SpanRecord(*second, "LOC", origin="memory"),
        SpanRecord(*rabat, "GPE", origin="memory")], annotator="alice")
    counted = store.library.rows([article_id])[0].suggested
    accepted = store.decisions.accept_all(article_id)
    assert (counted, accepted) == (3, 3)
    assert store.library.rows([article_id])[0].suggested == 0


# -- the screen ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_library_lists_titles_languages_counts_and_progress(seeded_db, size, monkeypatch):
    monkeypatch.delenv("PARALLAX_BIDI", raising=False)
    with Store(seeded_db, annotator="alice") as store:
        store.decisions.set_article_status(2, "done")
        store.decisions.accept(store.view.spans(3)[0].key)
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        lines = text.splitlines()
        assert "Morocco and the United States intensify" in text
        assert "برغملا" in text and "المغرب" not in text  # bidi auto: RTL titles in visual order
        row3 = next(line for line in lines if "Morocco, key participant" in line)
        assert row3.rstrip().endswith("in progress") and "✓1 " in row3
        # done by alice alone: awaiting review (…) in the review column
        assert re.search(r" done +…$", next(line for line in lines if "intensify" in line).rstrip())
        assert "1/5 done · 1 in progress" in text


async def test_rtl_titles_left_to_the_terminal_with_bidi_off(seeded_db):
    app = make_app(seeded_db, annotator="alice", preannotate=False, bidi="off")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "المغرب والولايات المتحدة" in screen_text(app)


async def test_search_with_unbalanced_quote_and_filters(seeded_db):
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await press(pilot, "slash")
        await type_text(pilot, '"Alaouite')
        await settle(pilot)
        assert list(articles.ids) == [3]
        assert "Morocco, key participant" in screen_text(app)
        assert "1 match" in screen_text(app)
        await press(pilot, "ctrl+r")
        await settle(pilot)
        assert list(articles.ids) == [1, 2, 3, 4, 5]
        app.screen.query_one("#lang", Select).value = "fr"
        await settle(pilot)
        assert list(articles.ids) == [5]
        app.screen.query_one("#lang", Select).clear()
        app.screen.query_one("#status", Select).value = "done"
        await settle(pilot)
        assert list(articles.ids) == []
        app.screen.query_one("#status", Select).clear()
        app.screen.query_one("#label", Select).value = "ORG"
        await settle(pilot)
        assert list(articles.ids) == [1, 2, 3, 5]
        # filters survive a restart (session)
    again = make_app(seeded_db, annotator="alice", preannotate=False)
    async with again.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert list(again.screen.query_one(ArticleList).ids) == [1, 2, 3, 5]
        assert again.screen.query_one("#label", Select).value == "ORG"


async def test_counts_update_after_working_in_the_reader(seeded_db):
    app = make_app(seeded_db, annotator="alice", preannotate=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "a", "a", "d", "l", "escape")  # l: leave the rest undecided
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        first = next(line for line in screen_text(app).splitlines() if "HomePolitics" in line)
        assert "✓2 " in first and re.search(r" done +…$", first.rstrip())
        assert "1/5 done" in screen_text(app)
    with other_store(seeded_db) as check:
        assert check.view.status(1) == "done"


def build_big_db(path, n: int) -> None:
    """n articles inserted in one transaction (the schema and FTS triggers come from Store)."""
    with Store(path, annotator="alice") as store:
        rows = [(f"h{i}", f"Article {i:06d} about {'Rabat' if i % 1000 == 0 else 'news'}",
                 f"Body of article {i}. " + ("Hammouchi met Wray." if i % 1000 == 0 else "Nothing."),
                 "fr" if i % 10 == 0 else "en", 40, "2024-01-01T00:00:00.000+00:00")
                for i in range(1, n + 1)]
        with store.write():
            store.db.conn.executemany(
                "INSERT INTO articles(hash, title, text, lang, length, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows)
            store.db.conn.execute(
                "INSERT INTO preannotated(article_id, pipeline, ts) SELECT id, 'test', '' FROM articles")


async def test_a_hundred_thousand_articles_page_through_sql(tmp_path):
    path = tmp_path / "big.db"
    build_big_db(path, 100_000)
    app = make_app(path, annotator="alice", preannotate=False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert len(articles.ids) == 100_000
        text = screen_text(app)
        assert "Article 000001 about news" in text and "Article 000017" in text
        assert "Article 000030" not in text
        # no widget per article: the whole screen is a few dozen widgets
        assert len(list(app.screen.walk_children())) < 80
        assert len(articles._rows) < 100  # only the rows on screen were read
        await press(pilot, "end")
        text = screen_text(app)
        assert "Article 100000 about Rabat" in text and "Article 099990" in text
        await press(pilot, "home", "pagedown")
        assert articles.cursor > 10 and f"Article {articles.cursor + 1:06d}" in screen_text(app)
        await press(pilot, "slash")
        await type_text(pilot, "Hammouchi")
        await settle(pilot)
        assert list(articles.ids) == list(range(1000, 100_001, 1000))
        assert "Article 001000 about Rabat" in screen_text(app)
        await press(pilot, "escape", "end", "enter")
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.active_view.article.id == 100_000
        await press(pilot, "p")
        assert app.screen.active_view.article.id == 99_000  # previous in the library's (search) order


async def test_paths_are_imported_in_the_background_and_problems_kept(tmp_path):
    good = tmp_path / "story.txt"
    good.write_text("Wray in Rabat\n\nChristopher Wray visited Rabat.\n", encoding="utf-8")
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"text": "fine"}\n{not json\n', encoding="utf-8")
    db = tmp_path / "parallax.db"
    app = make_app(db, annotator="alice", preannotate=False, paths=[good, bad])
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "Wray in Rabat" in screen_text(app)
        assert list(app.screen.query_one(ArticleList).ids) == [1, 2]  # no seeds when PATHS are given
        assert app.status.startswith("imported 2 article(s); 1 problem(s): ")
    assert len(app.jobs.import_problems) == 1 and app.jobs.import_problems[0].startswith(f"{bad}:2: ")


@pytest.mark.parametrize("size", [SMALL, BIG])
async def test_five_digit_counts_show_whole_under_their_heading(tmp_path, size):
    # 19,762 open suggestions (the 1 MB benchmark article) showed as ?1976 in a fixed column.
    from annotations.model import ArticleRecord, SpanRecord

    path = tmp_path / "counts.db"
    with Store(path, annotator="alice") as store:
        (big, _), (small, _) = store.loading.add_articles([
            ArticleRecord(text="Rabat " * 20_000, title="Long article", lang="en"),
            ArticleRecord(text="Rabat and Paris.", title="Short article", lang="en")])
        store.loading.add_suggestions(big, [SpanRecord(6 * i, 6 * i + 5, "GPE", origin="model", source="t")
                                    for i in range(19_762)], pipeline="t")
        store.loading.add_suggestions(small, [SpanRecord(0, 5, "GPE", origin="model", source="t")],
                                      pipeline="t")
        store.decisions.accept(store.view.spans(small)[0].key)
    app = make_app(path, annotator="alice", preannotate=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "?open" in line)
        long_row = next(line for line in lines if "Long article" in line)
        short_row = next(line for line in lines if "Short article" in line)
        assert "?19762 " in long_row and "✓0 " in long_row
        for row in (long_row, short_row):  # every row lines up with the heading
            assert row.index("?") == header.index("?open")
            assert row.index("✗") == header.index("✗no")
            status = row.index("to do") if "to do" in row else row.index("in progress")
            assert status == header.index("status")
        assert len(header.rstrip()) <= size[0]
