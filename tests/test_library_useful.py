"""The library's "most useful next" order (issue 17 §6): once an adopted model has scored the
articles to do, the ones it is least sure about come first, then the rest in import order; done
articles never lead; `[library] order = "import"` keeps import order; without scores the order
(and the query) is import order."""

from __future__ import annotations

from annotations.config import Config
from annotations.model import ArticleRecord
from annotations.store import LibraryFilter, Store


def _store(path, **config) -> tuple[Store, list[int]]:
    store = Store(path, annotator="alice", config=Config(**config))
    ids = [aid for aid, _ in store.loading.add_articles(
        [ArticleRecord(text=f"Article number {n} about Rabat.", lang="en") for n in range(6)])]
    return store, ids


def test_without_scores_the_library_is_in_import_order(tmp_path):
    store, ids = _store(tmp_path / "p.db")
    with store:
        assert list(store.library.first_ids(LibraryFilter())) == ids


def test_scored_articles_to_do_come_first_least_sure_first(tmp_path):
    store, ids = _store(tmp_path / "p.db")
    with store:
        store.models.score_articles("en-1", {ids[1]: 0.5, ids[4]: 2.0, ids[5]: 1.0, ids[2]: 3.0}, ids)
        store.decisions.set_article_status(ids[2], "done")  # scored, but done since: not first
        expected = [ids[4], ids[5], ids[1], ids[0], ids[2], ids[3]]
        assert list(store.library.first_ids(LibraryFilter())) == expected
        assert list(store.library.matching_ids(LibraryFilter())) == expected
        assert list(store.library.first_ids(LibraryFilter(search="Rabat"), 2)) == expected[:2]
        store.models.score_articles("en-2", {ids[0]: 9.0}, ids)  # a newer model's scores replace them
        assert list(store.library.first_ids(LibraryFilter())) == [ids[0], *[i for i in ids if i != ids[0]]]


def test_the_import_order_setting_keeps_import_order(tmp_path):
    store, ids = _store(tmp_path / "p.db", library_order="import")
    with store:
        store.models.score_articles("en-1", {ids[3]: 5.0}, ids)
        assert list(store.library.first_ids(LibraryFilter())) == ids
