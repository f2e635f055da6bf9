"""Which articles and spans an export contains: the gold rule, the merge rule, ``--all``.

Gold (the default): articles some annotator marked done, with that annotator's
accepted and corrected spans. When several annotators marked an article done
and no annotator is named, the layer of the one who marked it done most
recently wins (ties: the alphabetically first name), so every article has
exactly one gold layer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..model import Article
from ..store import Store

GOLD_STATUSES = ("accepted", "corrected")
_ORIGIN_ORDER = {"memory": 0, "rules": 1, "model": 2}
_ANSWER = {"done": "accept", "rejected": "reject", "ignored": "ignore"}


@dataclass(frozen=True)
class ExportSpan:
    """One span as written to a file: offsets into the stored text plus where it came from."""

    start: int
    end: int
    label: str
    status: str  # accepted, corrected, rejected or suggested
    origin: str
    annotator: str | None = None
    kb_id: str | None = None

    @property
    def is_gold(self) -> bool:
        return self.status in GOLD_STATUSES


@dataclass
class ExportArticle:
    """An article with the spans chosen for it and the layer they came from.

    ``answer`` is accept/reject/ignore when an annotator finished the article,
    None when nobody did (only with ``--all``).
    """

    article: Article
    spans: list[ExportSpan] = field(default_factory=list)
    annotator: str | None = None
    answer: str | None = None


def select_articles(store: Store, *, annotator: str | None = None,
                    everything: bool = False, every_layer: bool = False) -> list[ExportArticle]:
    """The articles and spans to export, in article id order.

    ``everything`` (``--all``) takes every article with its best-available
    spans; ``every_layer`` additionally keeps every annotator's decisions
    (rejections included) and the undecided suggestions, as JSONL does.
    """
    kb_ids = _kb_ids(store)
    done = _done_annotators(store, annotator)
    out: list[ExportArticle] = []
    for article_id in store.article_ids():
        layer = done.get(article_id)
        if layer is None and not everything:
            continue
        article = store.article(article_id)
        if layer is not None and not every_layer:
            spans = _gold_spans(store, article_id, layer, kb_ids)
            out.append(ExportArticle(article, spans, layer, "accept"))
        elif every_layer:
            spans = _every_layer(store, article_id, annotator, kb_ids)
            out.append(ExportArticle(article, spans, layer, _answer(store, article_id, annotator, layer)))
        else:
            worker = annotator or _latest_annotator(store, article_id)
            spans = _best_available(store, article_id, worker, kb_ids)
            out.append(ExportArticle(article, spans, worker, _answer(store, article_id, annotator, None)))
    return out


def split_articles(articles: list[ExportArticle], fraction: float,
                   seed: int) -> tuple[list[ExportArticle], list[ExportArticle]]:
    """A deterministic train/dev split by article (same seed, same articles: same split).

    With two or more articles and a fraction below 1, both parts get at least one.
    """
    order = sorted(articles, key=lambda a: a.article.id)
    random.Random(seed).shuffle(order)
    n_train = round(len(order) * fraction)
    if len(order) >= 2 and fraction < 1:
        n_train = min(max(n_train, 1), len(order) - 1)
    train = sorted(order[:n_train], key=lambda a: a.article.id)
    dev = sorted(order[n_train:], key=lambda a: a.article.id)
    return train, dev


def gold_layers(store: Store) -> dict[int, str]:
    """article id -> the annotator whose spans are gold for it (the merge rule)."""
    return _done_annotators(store, None)


# -- internals -------------------------------------------------------------------


def _done_annotators(store: Store, annotator: str | None) -> dict[int, str]:
    if annotator is not None:
        rows = store.query("SELECT article_id, annotator FROM article_status "
                           "WHERE status='done' AND annotator=?", (annotator,))
        return {r["article_id"]: r["annotator"] for r in rows}
    layers: dict[int, str] = {}
    for r in store.query("SELECT article_id, annotator FROM article_status WHERE status='done' "
                         "ORDER BY article_id, updated_at DESC, annotator ASC"):
        layers.setdefault(r["article_id"], r["annotator"])
    return layers


def _latest_annotator(store: Store, article_id: int) -> str | None:
    """Whoever touched the article last (status change or span), for ``--all``."""
    rows = store.query(
        "SELECT annotator, max(ts) AS ts FROM ("
        " SELECT annotator, updated_at AS ts FROM article_status WHERE article_id=:a"
        " UNION ALL SELECT annotator, updated_at AS ts FROM spans WHERE article_id=:a)"
        " GROUP BY annotator ORDER BY ts DESC, annotator ASC LIMIT 1", {"a": article_id})
    return rows[0]["annotator"] if rows else None


def _answer(store: Store, article_id: int, annotator: str | None, layer: str | None) -> str | None:
    if layer is not None:
        return "accept"
    sql = "SELECT status FROM article_status WHERE article_id=? AND status IN ('rejected', 'ignored')"
    params: tuple = (article_id,)
    if annotator is not None:
        sql, params = sql + " AND annotator=?", (article_id, annotator)
    rows = store.query(sql + " ORDER BY updated_at DESC LIMIT 1", params)
    return _ANSWER[rows[0]["status"]] if rows else None


def _kb_ids(store: Store) -> dict[int, str]:
    return {r["id"]: r["kb_id"] or f"parallax:{r['id']}"
            for r in store.query("SELECT id, kb_id FROM entities")}


def _decision_rows(store: Store, article_id: int, annotator: str | None, statuses: tuple[str, ...]):
    marks = ", ".join("?" for _ in statuses)
    sql = (f"SELECT start, end, label, status, origin, annotator, entity_id, suggestion_id FROM spans "
           f"WHERE article_id=? AND status IN ({marks})")
    params: tuple = (article_id, *statuses)
    if annotator is not None:
        sql, params = sql + " AND annotator=?", (*params, annotator)
    return store.query(sql + " ORDER BY start, end DESC, label, annotator, id", params)


def _span(row: dict, kb_ids: dict[int, str]) -> ExportSpan:
    return ExportSpan(row["start"], row["end"], row["label"], row["status"], row["origin"],
                      row["annotator"], kb_ids.get(row["entity_id"]))


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


def _gold_spans(store: Store, article_id: int, annotator: str, kb_ids) -> list[ExportSpan]:
    return _dedupe([_span(r, kb_ids) for r in _decision_rows(store, article_id, annotator, GOLD_STATUSES)])


def _suggestions(store: Store, article_id: int) -> list[dict]:
    rows = store.query("SELECT id, start, end, label, origin FROM suggestions WHERE article_id=?",
                       (article_id,))
    return sorted(rows, key=lambda r: (_ORIGIN_ORDER.get(r["origin"], 9), r["id"]))


def _undecided(suggestions: list[dict], decided_ids: set[int],
               decided_offsets: set[tuple[int, int]]) -> list[ExportSpan]:
    out, seen = [], set()
    for r in suggestions:
        ident = (r["start"], r["end"], r["label"])
        if r["id"] in decided_ids or ident[:2] in decided_offsets or ident in seen:
            continue
        seen.add(ident)
        out.append(ExportSpan(r["start"], r["end"], r["label"], "suggested", r["origin"]))
    return out


def _best_available(store: Store, article_id: int, annotator: str | None, kb_ids) -> list[ExportSpan]:
    """An unfinished article: the annotator's accepted/corrected spans plus what they left undecided."""
    if annotator is None:
        return _dedupe(_undecided(_suggestions(store, article_id), set(), set()))
    rows = _decision_rows(store, article_id, annotator, (*GOLD_STATUSES, "rejected"))
    decided_ids = {r["suggestion_id"] for r in rows if r["suggestion_id"] is not None}
    decided_offsets = {(r["start"], r["end"]) for r in rows}
    spans = [_span(r, kb_ids) for r in rows if r["status"] in GOLD_STATUSES]
    return _dedupe(spans + _undecided(_suggestions(store, article_id), decided_ids, decided_offsets))


def _every_layer(store: Store, article_id: int, annotator: str | None, kb_ids) -> list[ExportSpan]:
    """Every decision (of one annotator, or all) plus suggestions nobody has decided on."""
    rows = _decision_rows(store, article_id, annotator, (*GOLD_STATUSES, "rejected"))
    decided_ids = {r["suggestion_id"] for r in rows if r["suggestion_id"] is not None}
    decided_offsets = {(r["start"], r["end"]) for r in rows}
    spans = [_span(r, kb_ids) for r in rows]
    return _dedupe(spans + _undecided(_suggestions(store, article_id), decided_ids, decided_offsets))
