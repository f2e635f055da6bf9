"""A small annotated corpus for the export and stats tests: the seeds plus tricky text.

Built through the Store's public methods (add_article, add_suggestions, accept,
resize, reject, create_span, link, set_article_status) on a real SQLite file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotations.export.conll import DOCSTART
from annotations.formats.conll import unescape_token
from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store
from annotations.text import detect_lang, normalize
from seeds import seed_paths

EMOJI_TEXT = "🇲🇦😀 Rabat welcomed Christopher Wray of the FBI.\nHe met Hammouchi."


@dataclass
class Corpus:
    """Article ids by name, and the gold spans (start, end, label) each test can expect."""

    ids: dict[str, int] = field(default_factory=dict)
    gold: dict[int, set[tuple[int, int, str]]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)


def at(text: str, surface: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of ``surface`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def suggest(store: Store, article_id: int, text: str, items: list[tuple[str, str, str]]) -> dict:
    """Add suggestions (surface, label, origin); returns {(surface, label): suggestion key}."""
    records = [SpanRecord(*at(text, surface), label, origin=origin, source=f"test-{origin}")
               for surface, label, origin in items]
    store.loading.add_suggestions(article_id, records, pipeline="test")
    rows = store.query("SELECT id, start, end, label FROM suggestions WHERE article_id=?", (article_id,))
    keys = {}
    for surface, label, _ in items:
        start, end = at(text, surface)
        row = next(r for r in rows if (r["start"], r["end"], r["label"]) == (start, end, label))
        keys[(surface, label)] = ("suggestion", row["id"])
    return keys


def build_corpus(path) -> Corpus:
    """Seeds 0-4 plus an emoji article; alice and bob annotate some of them (see the comments)."""
    corpus = Corpus()
    with Store(path, annotator="alice") as alice:
        for p in seed_paths():
            text = normalize(p.read_text(encoding="utf-8"))
            article_id, _ = alice.loading.add_article(ArticleRecord(text=text, source=p.name,
                                                                    lang=detect_lang(text)))
            corpus.ids[p.name[:3]] = article_id
            corpus.texts[article_id] = text
        article_id, _ = alice.loading.add_article(ArticleRecord(text=EMOJI_TEXT, title="emoji",
                                                                source="emoji.txt",
                                                        lang="en"))
        corpus.ids["emoji"] = article_id
        corpus.texts[article_id] = EMOJI_TEXT
        _alice_english(alice, corpus)
        _alice_arabic(alice, corpus)
        _alice_emoji(alice, corpus)
        # 004 (French): pre-annotated, alice started it but did not finish.
        fr = corpus.ids["004"]
        keys = suggest(alice, fr, corpus.texts[fr], [("Abdellatif Hammouchi", "PERSON", "model"),
                                                     ("Maroc", "GPE", "model")])
        alice.decisions.accept(keys[("Abdellatif Hammouchi", "PERSON")])
    with Store(path, annotator="bob") as bob:
        _bob_english(bob, corpus)
    return corpus


def _alice_english(alice: Store, corpus: Corpus) -> None:
    """000: accepted, corrected, rejected and hand-made spans, two links, an overlap, a misaligned span."""
    aid = corpus.ids["000"]
    text = corpus.texts[aid]
    keys = suggest(alice, aid, text, [
        ("Abdellatif Hammouchi", "PERSON", "model"),  # accepted, linked with a kb_id
        ("FBI", "ORG", "model"),  # accepted, linked without a kb_id
        ("Christopher", "PERSON", "model"),  # resized to "Christopher Wray": corrected
        ("Rabat", "GPE", "rules"),  # accepted
        ("Morocco", "GPE", "memory"),  # accepted
        ("Tuesday", "DATE", "model"),  # rejected
        ("Sahel", "ORG", "model"),  # relabelled LOC: corrected
    ])
    alice.decisions.link(keys[("Abdellatif Hammouchi", "PERSON")], "Abdellatif Hammouchi", kb_id="Q4665540")
    alice.decisions.link(keys[("FBI", "ORG")], "Federal Bureau of Investigation")
    start, _ = at(text, "Christopher Wray")
    alice.decisions.resize(keys[("Christopher", "PERSON")], start, start + len("Christopher Wray"))
    alice.decisions.accept(keys[("Rabat", "GPE")])
    alice.decisions.accept(keys[("Morocco", "GPE")])
    alice.decisions.reject(keys[("Tuesday", "DATE")])
    alice.decisions.relabel(keys[("Sahel", "ORG")], "LOC")
    # Overlap: a long ORG containing a shorter one.
    long_ = at(text, "Director General of National Security and Territorial Surveillance")
    short = at(text, "National Security and Territorial Surveillance")
    alice.decisions.create_span(aid, *long_, "ORG")
    alice.decisions.create_span(aid, *short, "ORG")
    # Misaligned: ends inside "Hammouchi" (second mention).
    h2 = at(text, "Hammouchi", 1)
    alice.decisions.create_span(aid, h2[0], h2[1] - 1, "PERSON")
    alice.decisions.set_article_status(aid, "done")
    gold = {(*at(text, s), lab) for s, lab in [("Abdellatif Hammouchi", "PERSON"), ("FBI", "ORG"),
                                              ("Christopher Wray", "PERSON"), ("Rabat", "GPE"),
                                              ("Morocco", "GPE"), ("Sahel", "LOC")]}
    gold |= {(*long_, "ORG"), (*short, "ORG"), (h2[0], h2[1] - 1, "PERSON")}
    corpus.gold[aid] = gold


def _alice_arabic(alice: Store, corpus: Corpus) -> None:
    """003: a name, and a city glued to its preposition ("بالرباط"), which cannot align."""
    aid = corpus.ids["003"]
    text = corpus.texts[aid]
    name = at(text, "عبد اللطيف حموشي")
    city = at(text, "الرباط")
    assert text[city[0] - 1] == "ب"  # part of the token "بالرباط"
    alice.decisions.create_span(aid, *name, "PERSON")
    alice.decisions.create_span(aid, *city, "GPE")
    alice.decisions.set_article_status(aid, "done")
    corpus.gold[aid] = {(*name, "PERSON"), (*city, "GPE")}


def _alice_emoji(alice: Store, corpus: Corpus) -> None:
    """emoji: spans after a flag (two code points) and an emoji."""
    aid = corpus.ids["emoji"]
    text = corpus.texts[aid]
    spans = [("Rabat", "GPE"), ("Christopher Wray", "PERSON"), ("FBI", "ORG"), ("Hammouchi", "PERSON")]
    for surface, label in spans:
        alice.decisions.create_span(aid, *at(text, surface), label)
    alice.decisions.set_article_status(aid, "done")
    corpus.gold[aid] = {(*at(text, s), lab) for s, lab in spans}


def _bob_english(bob: Store, corpus: Corpus) -> None:
    """001: bob's own layer, one suggestion left undecided; he also marks 000 done with one span."""
    aid = corpus.ids["001"]
    text = corpus.texts[aid]
    keys = suggest(bob, aid, text, [("Morocco", "GPE", "model"), ("Avril Haine", "PERSON", "model"),
                                    ("Rabat", "GPE", "model"), ("Monday", "DATE", "model")])
    bob.decisions.accept(keys[("Morocco", "GPE")])
    bob.decisions.accept(keys[("Avril Haine", "PERSON")])
    bob.decisions.reject(keys[("Monday", "DATE")])
    bob.decisions.set_article_status(aid, "done")
    corpus.gold[aid] = {(*at(text, "Morocco"), "GPE"), (*at(text, "Avril Haine"), "PERSON")}
    # bob's layer on 000: marked done, but earlier than alice (timestamps set below).
    en = corpus.ids["000"]
    bob.decisions.create_span(en, *at(corpus.texts[en], "FBI"), "ORG")
    bob.decisions.set_article_status(en, "done")
    with bob.write():
        bob.db.conn.execute("UPDATE article_status SET updated_at='2000-01-01T00:00:00.000+00:00' "
                            "WHERE article_id=? AND annotator='bob'", (en,))


def read_conll(lines) -> list[list[list[tuple[str, str]]]]:
    """A written CoNLL file's lines as documents -> sentences -> (token, tag), for checking it."""
    docs: list = []
    sent: list = []
    for line in lines:
        line = line.rstrip("\n")
        if line == DOCSTART:
            docs.append([])
            continue
        if not line:
            if sent:
                docs[-1].append(sent)
                sent = []
            continue
        token, tag = line.rsplit(" ", 1)
        sent.append((unescape_token(token), tag))
    if sent:
        docs[-1].append(sent)
    return docs
