"""One scripted session on the seeds, then every view of it must tell the same story.

The rule of what an undecided suggestion is, and which layer of a done article is gold,
is written once in the store (annotations/store/undecided.py, corpus.done_layers); the
library's counts, the reader's pane titles, ``parallax stats`` and every export read it
from there. This test drives the real app (Pilot) through a session that exercises the
tricky cases (a relabel, a reject, a span made by hand on a suggestion's offsets, a
resize away from a suggestion, a deletion, an undo, two annotators on one article, done
with suggestions left undecided), then compares the views with each other.
"""

from __future__ import annotations

import json
from collections import Counter

from app_helpers import app_on, press, select_surface, settle

from annotations.export import export
from annotations.stats import compute_stats
from annotations.store import Store
from tui.widgets.pane import Pane

pytest_plugins = ["app_fixtures"]  # seeded_db

async def _session(path) -> dict[int, str]:
    """Alice works through articles 1 and 2 in the app; returns the pane titles she saw."""
    app = app_on(path)
    titles: dict[int, str] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "enter")  # articles 1 and 2 side by side
        await select_surface(pilot, "Abdellatif Hammouchi")
        await press(pilot, "a")  # accept, cursor moves on
        await select_surface(pilot, "FBI")
        await press(pilot, "x")  # reject
        await select_surface(pilot, "Christopher Wray")
        await press(pilot, "3")  # relabel (label 3)
        await select_surface(pilot, "Morocco")
        await press(pilot, "D")  # delete: the suggestion comes back undecided
        await select_surface(pilot, "the United States")
        await press(pilot, "a", "u")  # accepted, then taken back
        await select_surface(pilot, "Rabat")
        await press(pilot, "]")  # resize away from the suggestion's offsets: it decides it too
        await press(pilot, "d")  # done, with suggestions still undecided: the dialog asks
        await press(pilot, "l")  # leave them undecided
        await press(pilot, "tab")  # the second article
        await select_surface(pilot, "Avril Haines")
        await press(pilot, "a")
        await settle(pilot)
        for pane in app.screen.query(Pane):
            titles[pane.article.id] = str(pane.query_one(".pane-title").render())
    return titles


def _reader_counts(store: Store, article_id: int, annotator: str) -> tuple[int, int, int]:
    spans = store.view.spans(article_id, annotator)
    statuses = Counter(s.status for s in spans)
    return (statuses["accepted"] + statuses["corrected"], statuses["rejected"], statuses["suggested"])


async def test_library_reader_stats_and_exports_agree_after_a_session(seeded_db, tmp_path):
    titles = await _session(seeded_db)
    with Store(seeded_db, annotator="bob") as bob:  # a second annotator on article 2, also done
        suggestions = [s for s in bob.view.spans(2) if s.is_suggestion]
        for span in suggestions[:3]:
            bob.decisions.accept(span.key)
        mine = suggestions[3]  # a span of his own on a suggestion's offsets decides that suggestion
        bob.decisions.create_span(2, mine.start, mine.end, "ORG" if mine.label != "ORG" else "GPE")
        bob.decisions.set_article_status(2, "done")
    with Store(seeded_db, annotator="alice", readonly=True) as store:
        ids = store.articles.ids()
        # 1. the library's row counts are the reader's counts, for every article and annotator
        for annotator in ("alice", "bob"):
            for row in store.library.rows(ids, annotator):
                assert (row.accepted, row.rejected, row.suggested) == _reader_counts(
                    store, row.id, annotator), (annotator, row.id)
        # 2. the pane titles alice saw say the same
        for article_id, title in titles.items():
            accepted, rejected, suggested = _reader_counts(store, article_id, "alice")
            assert f"✓{accepted} ✗{rejected} ?{suggested} " in title, title
        # 3. stats: gold articles, spans and undecided suggestions, from the same rules
        layers = store.corpus.done_layers()
        assert sorted(layers) == [1, 2]
        undecided = {a: store.view.undecided(a, who) for a, who in layers.items()}
        gold = {a: [s for s in store.view.spans(a, who) if s.status in ("accepted", "corrected")]
                for a, who in layers.items()}
        stats = compute_stats(store)["gold"]
        assert stats["articles"] == 2
        assert stats["undecided"] == sum(len(u) for u in undecided.values()) > 0
        assert stats["spans"] == sum(len(g) for g in gold.values())
        # 4. the JSONL export: the gold layer's spans, the undecided ones under their own key
        export(store, "jsonl", tmp_path / "gold.jsonl")
        tasks = {json.loads(line)["meta"]["article_id"]: json.loads(line)
                 for line in (tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()}
        for article_id, task in tasks.items():
            assert {(s["start"], s["end"], s["label"]) for s in task["spans"]} == {
                (s.start, s.end, s.label) for s in gold[article_id]}
            assert sorted((u["start"], u["end"], u["label"]) for u in task["undecided"]) == sorted(
                (s.start, s.end, s.label) for s in undecided[article_id])
        # 5. DocBin, CoNLL and HF: the undecided suggestions' tokens are unknown, nothing else is
        _unknown_tokens_agree(store, undecided, tmp_path)


def _unknown_tokens_agree(store: Store, undecided: dict, tmp_path) -> None:
    from export_fixtures import read_conll
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    texts = {a: store.articles.get(a).text for a in undecided}
    expected = Counter()  # the token texts each undecided suggestion covers, minus gold entities
    export(store, "spacy", tmp_path / "corpus", split=1.0)
    docs = list(DocBin().from_disk(tmp_path / "corpus" / "en" / "train.spacy").get_docs(Vocab()))
    assert len(docs) == 2
    for doc in docs:
        article_id = next(a for a, t in texts.items() if t == doc.text)
        for s in undecided[article_id]:
            for token in doc.char_span(s.start, s.end, alignment_mode="expand"):
                if token.ent_iob_ == "":
                    expected[token.text] += 1
        missing = Counter(t.text for t in doc if t.ent_iob_ == "")
        assert missing  # some tokens are unknown in each done article
    assert sum(expected.values()) > 0
    docbin_missing = Counter(t.text for doc in docs for t in doc if t.ent_iob_ == "")
    assert docbin_missing == expected
    export(store, "conll", tmp_path / "gold.conll")
    conll = read_conll((tmp_path / "gold.conll").read_text(encoding="utf-8").splitlines())
    assert Counter(tok for d in conll for sent in d for tok, tag in sent if tag == "-") == expected
    export(store, "hf", tmp_path / "hf", split=1.0)
    rows = [json.loads(x) for x in (tmp_path / "hf" / "en" / "train.jsonl").read_text().splitlines()]
    assert Counter(tok for r in rows for tok, tag in zip(r["tokens"], r["ner_tags"], strict=True)
                   if tag == -100) == expected
