"""Past one writer: a corpus cut into shards by article range (``parallax merge --articles``),
each pre-annotated on its own, merged back into the one database it came from."""

from __future__ import annotations

import subprocess
import sys

import pytest
from preannotate_helpers import load_corpus, stored

from annotations.model import ArticleRange
from annotations.nlp.preannotate import preannotate
from annotations.store import Store, merge_source

NAME = "Abdellatif Hammouchi"


def parallax(*args):
    return subprocess.run([sys.executable, "-m", "annotations", *map(str, args)], capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


def archive(path) -> list[int]:
    """Two copies of the seeds (10 articles); alice has decided one span in the first (a layer, and
    a form in her annotation memory)."""
    ids = load_corpus(path, 2)
    with Store(path, annotator="alice") as store:
        text = store.articles.get(ids[0]).text
        start = text.index(NAME)
        store.decisions.create_span(ids[0], start, start + len(NAME), "PERSON")
    return ids


def rows(path, sql: str) -> list[tuple]:
    with Store(path, annotator="alice", readonly=True) as store:
        return sorted(tuple(r.values()) for r in store.query(sql))


def test_article_ranges_parse_and_refuse_what_is_not_one():
    assert ArticleRange.parse("1:250000") == ArticleRange(1, 250_000)
    assert ArticleRange.parse("250001:") == ArticleRange(250_001, None)
    assert ArticleRange.parse(" :1000") == ArticleRange(None, 1000)
    assert 7 in ArticleRange(5, 7) and 8 not in ArticleRange(5, 7) and 4 not in ArticleRange(5, None)
    assert str(ArticleRange(None, 9)) == ":9"
    for bad, why in (("12", "expected FROM:TO"), ("a:b", "expected FROM:TO"), ("0:5", "start at 1"),
                     ("9:3", "FROM is past TO"), ("1-5", "expected FROM:TO")):
        with pytest.raises(ValueError, match=why):
            ArticleRange.parse(bad)


def test_a_merge_with_an_article_range_copies_those_articles_and_what_belongs_to_them(tmp_path):
    source = tmp_path / "archive.db"
    ids = archive(source)
    preannotate(source, annotator="alice", article_ids=ids[:6])  # suggestions and marks on 4 of them
    shard = tmp_path / "shard.db"
    with Store(shard, annotator="merge") as out:
        counts = merge_source(out, str(source), ArticleRange(ids[1], ids[5]))
    assert counts.articles_added == 5 and counts.layers_copied == 0  # alice's layer is in article 1
    in_range = f"a.id BETWEEN {ids[1]} AND {ids[5]}"
    assert rows(shard, "SELECT hash FROM articles") == rows(
        source, f"SELECT hash FROM articles a WHERE {in_range}")
    for table in ("suggestions", "preannotated"):
        assert rows(shard, f"SELECT a.hash, count(*) FROM {table} t JOIN articles a ON a.id = t.article_id "
                           "GROUP BY a.hash") == rows(
            source, f"SELECT a.hash, count(*) FROM {table} t JOIN articles a ON a.id = t.article_id "
                    f"WHERE {in_range} GROUP BY a.hash")
    assert rows(shard, "SELECT count(*) FROM spans") == [(0,)]
    labels = "SELECT name, position FROM labels"
    assert rows(shard, labels) == rows(source, labels)
    # Into a database that holds every article already: only those in the range get their suggestions.
    holder = tmp_path / "holder.db"
    load_corpus(holder, 2)
    with Store(holder, annotator="merge") as out:
        counts = merge_source(out, str(source), ArticleRange(ids[1], ids[5]))
    assert counts.articles_added == 0 and counts.articles_matched == 5
    assert rows(holder, "SELECT a.hash, count(*) FROM suggestions t JOIN articles a ON a.id = t.article_id "
                        "GROUP BY a.hash") == rows(
        source, "SELECT a.hash, count(*) FROM suggestions t JOIN articles a ON a.id = t.article_id "
                f"WHERE {in_range} GROUP BY a.hash")
    with Store(tmp_path / "first.db", annotator="merge") as out:
        counts = merge_source(out, str(source), ArticleRange(None, ids[0]))
    assert counts.articles_added == 1 and counts.layers_copied == 1
    assert counts.events_copied == rows(source, "SELECT count(*) FROM events")[0][0] > 0  # its undo history


def test_shards_preannotated_apart_and_merged_back_equal_one_run(tmp_path):
    """The README's recipe, through the CLI: cut the archive in two by id range, pre-annotate each
    shard (one of them on a local Dask cluster), merge both back; one more run on the archive adds
    the annotation memory the shards could not know (a shard holds only its own articles'
    decisions) and finds every pipeline's work done. The archive then holds exactly what one run
    on it stores, and alice's layer is as it was."""
    whole = tmp_path / "whole.db"
    archive(whole)
    preannotate(whole, annotator="alice")
    db = tmp_path / "archive.db"
    ids = archive(db)
    layer_before = rows(db, "SELECT article_id, annotator, start, end, label, status FROM spans")
    middle = ids[len(ids) // 2]
    shards = [tmp_path / "shard1.db", tmp_path / "shard2.db"]
    for shard, within in zip(shards, (f":{middle - 1}", f"{middle}:"), strict=True):
        result = parallax("merge", db, "--articles", within, "-o", shard)
        assert result.returncode == 0, result.stderr
    assert [len(rows(s, "SELECT id FROM articles")) for s in shards] == [5, 5]
    first = parallax("preannotate", "--db", shards[0], "--annotator", "alice")
    second = parallax("preannotate", "--db", shards[1], "--annotator", "alice", "--cluster", "local:1")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "articles pre-annotated: 4" in first.stdout and "articles pre-annotated: 4" in second.stdout
    back = parallax("merge", *shards, "-o", db)
    assert back.returncode == 0, back.stderr
    last = parallax("preannotate", "--db", db, "--annotator", "alice")
    assert last.returncode == 0 and "articles pre-annotated: 0 (already done: 8)" in last.stdout, last.stdout
    assert stored(db) == stored(whole)
    assert rows(db, "SELECT article_id, annotator, start, end, label, status FROM spans") == layer_before
