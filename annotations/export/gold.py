"""Which articles and spans an export contains: the gold rule, the merge rule, ``--all``.

Gold (the default): articles some annotator marked done, with that annotator's
accepted and corrected spans. When several annotators marked an article done
and no annotator is named, the layer of the one who marked it done most
recently wins (ties: the alphabetically first name), so every article has
exactly one gold layer. The suggestions that layer left undecided (the store's
rule, :mod:`annotations.store.undecided`) go with the article as ``undecided``:
the writers mark their tokens unknown, never "not an entity".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

from ..model import GOLD_STATUSES, Article
from ..store import EVERYONE, LOCAL_KB_PREFIX, DecisionRow, Store, Suggestion, shown_to, undecided_among

_ANSWER = {"done": "accept", "rejected": "reject", "ignored": "ignore"}
CHUNK = 500  # articles per round of queries


class ExportSpan(NamedTuple):
    """One span as written to a file: offsets into the stored text plus where it came from.

    A NamedTuple (a frozen dataclass costs ~1.7x as much to build): an export makes one per span.
    """

    start: int
    end: int
    label: str
    status: str  # accepted, corrected, rejected or suggested
    origin: str
    annotator: str | None = None
    kb_id: str | None = None
    entity: str | None = None  # the linked entity's name

    @property
    def is_gold(self) -> bool:
        return self.status in GOLD_STATUSES


@dataclass
class ExportArticle:
    """An article with the spans chosen for it and the layer they came from.

    ``answer`` is accept/reject/ignore when an annotator finished the article,
    None when nobody did (only with ``--all``). ``undecided`` is set for a done
    article: the suggestions its gold layer left undecided, exported as unknown.
    """

    article: Article
    spans: list[ExportSpan] = field(default_factory=list)
    annotator: str | None = None
    answer: str | None = None
    undecided: list[ExportSpan] | None = None


def select_articles(store: Store, *, annotator: str | None = None, everything: bool = False,
                    every_layer: bool = False, lang: str | None = None) -> list[ExportArticle]:
    """The articles and spans to export, in article id order; only ``lang``'s articles when given.

    ``everything`` (``--all``) takes every article with its best-available
    spans; ``every_layer`` additionally keeps every annotator's decisions
    (rejections included) and the undecided suggestions, as JSONL does.
    Rows are read a chunk of articles at a time, a few queries per chunk.
    """
    kb_ids = _kb_ids(store)
    done = store.corpus.done_layers(annotator)
    ids = store.articles.ids(lang=lang) if everything else sorted(done)
    if lang is not None and not everything:
        ids = sorted(set(ids) & set(store.articles.ids(lang=lang)))
    out: list[ExportArticle] = []
    for lo in range(0, len(ids), CHUNK):
        chunk = _Chunk(store, ids[lo:lo + CHUNK], done, everything=everything, every_layer=every_layer,
                       annotator=annotator)
        unknown = store.undecided.by_article({a.id: done[a.id] for a in chunk.articles if a.id in done})
        for article in chunk.articles:
            article_id = article.id
            layer = done.get(article_id)
            undecided = None if layer is None else _suggested(unknown.get(article_id, ()))
            if layer is not None and not every_layer:
                spans = _gold_spans(chunk.decisions(article_id, layer, GOLD_STATUSES), kb_ids)
                out.append(ExportArticle(article, spans, layer, "accept", undecided))
            elif every_layer:
                spans = _every_layer(chunk, article_id, annotator, layer, kb_ids)
                out.append(ExportArticle(article, spans, layer, chunk.answer(article_id, layer), undecided))
            else:
                worker = annotator or chunk.latest_annotator(article_id)
                spans = _best_available(chunk, article_id, worker, kb_ids)
                out.append(ExportArticle(article, spans, worker, chunk.answer(article_id, None)))
    return out


def split_articles(articles: list[ExportArticle], fraction: float,
                   seed: int) -> tuple[list[ExportArticle], list[ExportArticle]]:
    """A deterministic train/dev split by article (same seed, same articles: same split).

    Train gets at least one article; with two or more and a fraction below 1, dev too.
    """
    order = sorted(articles, key=lambda a: a.article.id)
    random.Random(seed).shuffle(order)
    n_train = max(round(len(order) * fraction), min(len(order), 1))
    if len(order) >= 2 and fraction < 1:
        n_train = min(max(n_train, 1), len(order) - 1)
    train = sorted(order[:n_train], key=lambda a: a.article.id)
    dev = sorted(order[n_train:], key=lambda a: a.article.id)
    return train, dev


# -- internals -------------------------------------------------------------------


class _Chunk:
    """The rows an export needs for a run of article ids, read in a few queries.

    ``done`` maps an article to its gold layer. Without ``everything`` only
    those layers' gold spans are read, which is all the default export needs;
    suggestions, who touched an article last and its answer are read only for
    the articles that need them.
    """

    def __init__(self, store: Store, ids: list[int], done: dict[int, str], *, everything: bool,
                 every_layer: bool, annotator: str | None):
        self.articles = store.corpus.articles(ids)
        # article id -> decision rows of every annotator, in text order
        self._decisions: dict[int, list[DecisionRow]] = {}
        self._suggestions: dict[int, list[Suggestion]] = {}
        self._latest: dict[int, str] = {}
        self._answers: dict[int, str] = {}
        self._held: dict[tuple[int, str], set[int]] = {}
        if not everything:
            for r in store.corpus.decision_rows(ids, GOLD_STATUSES):
                if done.get(r.article_id) == r.annotator:
                    self._decisions.setdefault(r.article_id, []).append(r)
            return
        for r in store.corpus.decision_rows(ids, (*GOLD_STATUSES, "rejected")):
            self._decisions.setdefault(r.article_id, []).append(r)
        unfinished = [i for i in ids if i not in done]
        suggested = ids if every_layer else unfinished
        if suggested:
            for suggestion in store.corpus.suggestion_rows(suggested):
                self._suggestions.setdefault(suggestion.article_id, []).append(suggestion)
        if every_layer:  # a done article: what its gold layer was shown, nothing added since
            self._held = store.undecided.held((i, done[i]) for i in ids if i in done)
        if not unfinished:
            return
        if not every_layer:
            self._latest = store.corpus.last_touched(unfinished)
        self._answers = {article_id: _ANSWER[status] for article_id, status
                         in store.corpus.closing_statuses(unfinished, annotator).items()}

    def decisions(self, article_id: int, annotator: str | None,
                  statuses: tuple[str, ...]) -> list[DecisionRow]:
        """One annotator's (or, with None, everyone's) decision rows, in text order."""
        return [r for r in self._decisions.get(article_id, ())
                if r.status in statuses and (annotator is None or r.annotator == annotator)]

    def suggestions(self, article_id: int, layer: str | None) -> list[Suggestion]:
        """The article's suggestions shown to ``layer`` (None: all of them), memory first, then
        rules, then model (the rule's order)."""
        held = self._held.get((article_id, layer)) if layer is not None else None
        return list(shown_to(self._suggestions.get(article_id, []), layer, held))

    def latest_annotator(self, article_id: int) -> str | None:
        """Whoever touched the article last (status change or span), for ``--all``."""
        return self._latest.get(article_id)

    def answer(self, article_id: int, layer: str | None) -> str | None:
        return "accept" if layer is not None else self._answers.get(article_id)


def _kb_ids(store: Store) -> dict[int, tuple[str, str]]:
    """entity id -> (its KB id, else ``parallax:<id>``; its name)."""
    return {e["id"]: (e["kb_id"] or f"{LOCAL_KB_PREFIX}{e['id']}", e["name"]) for e in store.entities.all()}


def _span(row: DecisionRow, kb_ids: dict[int, tuple[str, str]]) -> ExportSpan:
    kb_id, name = kb_ids[row.entity_id] if row.entity_id in kb_ids else (None, None)
    return ExportSpan(row.start, row.end, row.label, row.status, row.origin, row.annotator, kb_id, name)


def _dedupe(spans: list[ExportSpan]) -> list[ExportSpan]:
    """One span per (start, end, label, annotator), in text order."""
    seen: set[tuple] = set()
    out = []
    for s in spans:
        key = (s.start, s.end, s.label, s.annotator)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return sorted(out, key=lambda s: (s.start, -s.end, s.label, s.annotator or ""))


def _gold_spans(rows: list[DecisionRow], kb_ids) -> list[ExportSpan]:
    return _dedupe([_span(r, kb_ids) for r in rows])


def _undecided(suggestions: list[Suggestion], decided_ids: set[int],
               decided_offsets: set[tuple[int, int]]) -> list[ExportSpan]:
    return _suggested(undecided_among(suggestions, decided_ids, decided_offsets))


def _suggested(suggestions) -> list[ExportSpan]:
    """Undecided suggestions as export spans, in text order."""
    spans = [ExportSpan(r.start, r.end, r.label, "suggested", r.origin) for r in suggestions]
    return sorted(spans, key=lambda s: (s.start, -s.end, s.label))


def _best_available(chunk: _Chunk, article_id: int, annotator: str | None, kb_ids) -> list[ExportSpan]:
    """An unfinished article: the annotator's accepted/corrected spans plus what they left undecided."""
    if annotator is None:
        return _dedupe(_undecided(chunk.suggestions(article_id, EVERYONE), set(), set()))
    rows = chunk.decisions(article_id, annotator, (*GOLD_STATUSES, "rejected"))
    decided_ids = {r.suggestion_id for r in rows if r.suggestion_id is not None}
    decided_offsets = {(r.start, r.end) for r in rows}
    spans = [_span(r, kb_ids) for r in rows if r.status in GOLD_STATUSES]
    return _dedupe(spans + _undecided(chunk.suggestions(article_id, annotator), decided_ids, decided_offsets))


def _every_layer(chunk: _Chunk, article_id: int, annotator: str | None, layer: str | None,
                 kb_ids) -> list[ExportSpan]:
    """Every decision (of one annotator, or all) plus suggestions nobody has decided on; in a
    done article, only those its gold ``layer`` was shown (nothing added after it was done)."""
    rows = chunk.decisions(article_id, annotator, (*GOLD_STATUSES, "rejected"))
    decided_ids = {r.suggestion_id for r in rows if r.suggestion_id is not None}
    decided_offsets = {(r.start, r.end) for r in rows}
    spans = [_span(r, kb_ids) for r in rows]
    shown = chunk.suggestions(article_id, layer if layer is not None else annotator)
    return _dedupe(spans + _undecided(shown, decided_ids, decided_offsets))
