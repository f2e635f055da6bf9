"""Deciding every identical mention at once: one set-wise write, one undo step.

A mention is what the annotator sees (their own span, or a suggestion they left undecided,
one per offsets as ``decide_all`` takes them). "Identical" is the folded surface form
(:mod:`.forms`), or the link to one entity. A bulk decision is a handful of ``INSERT ...
SELECT`` and ``UPDATE`` statements per chunk of articles, all in one ``BEGIN IMMEDIATE``
transaction and one group of the event log: the log's before/after images are built by
SQLite's ``json_object`` from the rows themselves, so 10,000 mentions cost a few statements,
not 10,000 decisions, and one ``u`` takes them all back (set-wise too: :mod:`.restore`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Action, origin_rank_sql
from .db import now
from .errors import DecisionError
from .forms import fill_folded, has_unfolded
from .labels import Labels
from .log import EventLog
from .sql_values import ACCEPTED, CORRECTED, GOLD, HUMAN_OR_IMPORT, IN_PROGRESS, REJECTED
from .undecided import UNDECIDED_SQL, shown_sql

if TYPE_CHECKING:
    from .connection import Connection

BULK_ACTIONS = ("label", "reject", "link")
CHUNK_ARTICLES = 2_000  # articles per round of statements: progress is reported between rounds
# The status a decision gives a span (decisions._status_for, as SQL): a span copied from a
# suggestion is "accepted" while it still has the suggestion's offsets and ``{label}``.
_STATUS = (f"CASE WHEN spans.origin IN {HUMAN_OR_IMPORT} OR spans.suggestion_id IS NULL THEN {ACCEPTED} "
           "WHEN EXISTS (SELECT 1 FROM suggestions x WHERE x.id = spans.suggestion_id "
           "AND x.start = spans.start AND x.end = spans.end AND x.label = {label}) "
           f"THEN {ACCEPTED} ELSE {CORRECTED} END")
Progress = Callable[[int, int], None]  # (mentions done, mentions in all); raising stops and rolls back


@dataclass(frozen=True)
class BulkTarget:
    """Which mentions: those whose folded form is one of ``forms``, or (``entity_id``) the spans
    linked to that entity; within ``article_ids`` (None: the whole corpus)."""

    forms: tuple[str, ...] = ()
    entity_id: int | None = None
    article_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BulkDecision:
    """What to do to each: ``label`` (accept with this label), ``reject``, or ``link`` (to the
    entity ``entity_id``, else the one named ``entity_name``, created if need be)."""

    action: str
    label: str | None = None
    entity_id: int | None = None
    entity_name: str | None = None

    def __post_init__(self) -> None:
        if self.action not in BULK_ACTIONS:
            raise DecisionError(f"a decision for every mention is one of {', '.join(BULK_ACTIONS)}, "
                                f"not {self.action!r}")
        if self.action == "label" and not self.label:
            raise DecisionError("relabelling every mention needs a label")
        if self.action == "link" and self.entity_id is None and not (self.entity_name or "").strip():
            raise DecisionError("linking every mention needs an entity")


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk decision would do: ``changes`` mentions in ``articles`` (id, title, count),
    most first; ``already`` identical mentions are that way already."""

    changes: int
    already: int
    articles: tuple[tuple[int, str, int], ...]


@dataclass(frozen=True)
class BulkResult:
    changed: int
    article_ids: tuple[int, ...]
    entity_id: int | None = None


class Bulk:
    """Bulk decisions of the layer of ``log``."""

    def __init__(self, cx: Connection, log: EventLog, labels: Labels) -> None:
        self.cx = cx
        self.log = log
        self.labels = labels
        self.layer = log.layer

    # -- what would change -------------------------------------------------------------

    def preview(self, target: BulkTarget, decision: BulkDecision) -> BulkPreview:
        """How many mentions the decision would change, and where (read-only)."""
        self._ensure_forms()
        params = self._params(target, decision)
        counts: dict[int, int] = {}
        for sql in (self._span_rows(target, decision, "s.article_id, count(*)", changing=True),
                    self._suggestion_rows(target, "g.article_id, count(*)")):
            if sql is None:
                continue
            for article_id, n in self.cx.conn.execute(sql + " GROUP BY 1", params).fetchall():
                counts[article_id] = counts.get(article_id, 0) + n
        already = self.cx.conn.execute(
            self._span_rows(target, decision, "count(*)", changing=False), params).fetchone()[0]
        titles = dict(self.cx.conn.execute(
            "SELECT id, title FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(counts)),)).fetchall())
        where = sorted(((a, titles.get(a, ""), n) for a, n in counts.items()), key=lambda r: (-r[2], r[0]))
        return BulkPreview(sum(counts.values()), already, tuple(where))

    # -- the decision ------------------------------------------------------------------

    def decide(self, target: BulkTarget, decision: BulkDecision, *,
                    progress: Progress | None = None) -> BulkResult:
        """Apply ``decision`` to every mention of ``target``: one transaction, one undo step.

        Relabelling every mention of an entity relabels the entity too.
        ``progress(done, total)`` is called between chunks of articles; raising from it stops
        the decision and nothing is written. Each article touched is marked in progress, as a
        single decision would.
        """
        conn = self.cx.conn
        with self.cx.write():
            if has_unfolded(conn):
                fill_folded(conn)
            grp = self.log.new_group()
            action = Action.every(decision.action)
            params = self._params(target, decision)
            params.update(grp=grp, ts=now(), act=action)
            articles = self._target_articles(target, decision, params)
            entity = self.log.snapshot("entities", target.entity_id) if target.entity_id is not None else None
            # Every mention of an entity relabelled: the entity takes the label too.
            relabel_entity = (decision.action == "label" and entity is not None
                              and entity["label"] != decision.label)
            if not articles and not relabel_entity:
                return BulkResult(0, (), decision.entity_id)
            self.log.discard_redo()  # a decision that changes something ends the redo branch
            if decision.label is not None and decision.action == "label":  # BulkDecision checked it is set
                self.labels.check(decision.label, self.log, grp, action)
            entity_id = self._bulk_entity(decision, grp, action) if decision.action == "link" else None
            params["entity"] = entity_id
            total = sum(n for _, n in articles)
            done = 0
            image = self._image_sql("spans", "s")
            for lo in range(0, len(articles), CHUNK_ARTICLES):
                part = articles[lo:lo + CHUNK_ARTICLES]
                params.update(lo=part[0][0], hi=part[-1][0])
                self._update_spans(target, decision, params, image)
                self._insert_spans(target, decision, params, image)
                done += sum(n for _, n in part)
                if progress is not None:
                    progress(done, total)
            self._start_articles(params)
            if relabel_entity and target.entity_id is not None:
                self.log.update(grp, action, None, "entities", target.entity_id, {"label": decision.label})
            if entity_id is not None:
                self._bulk_aliases(entity_id, target, grp, action)
            changed = conn.execute("SELECT count(*), json_group_array(DISTINCT article_id) FROM events "
                                   "WHERE grp=? AND tbl='spans'", (grp,)).fetchone()
            return BulkResult(changed[0], tuple(sorted(json.loads(changed[1]))), entity_id)

    def _ensure_forms(self) -> None:
        if not self.cx.readonly and has_unfolded(self.cx.conn):
            with self.cx.write():
                fill_folded(self.cx.conn)

    def _params(self, target: BulkTarget, decision: BulkDecision) -> dict:
        if not target.forms and target.entity_id is None:
            raise DecisionError("no mention chosen: a bulk decision needs a surface form or an entity")
        return {"annotator": self.layer, "forms": json.dumps(list(target.forms)),
                "target_entity": target.entity_id,
                "scope": None if target.article_ids is None else json.dumps(list(target.article_ids)),
                "label": decision.label, "entity": decision.entity_id, "lo": None, "hi": None}

    @staticmethod
    def _where(alias: str, target: BulkTarget) -> str:
        """The target, scope and chunk conditions on a spans/suggestions row ``alias``."""
        parts = []
        if target.forms:
            parts.append(f"{alias}.folded IN (SELECT value FROM json_each(:forms))")
        if target.entity_id is not None:
            parts.append(f"{alias}.entity_id = :target_entity")
        if target.article_ids is not None:
            parts.append(f"{alias}.article_id IN (SELECT value FROM json_each(:scope))")
        parts.append(f"(:lo IS NULL OR {alias}.article_id BETWEEN :lo AND :hi)")
        return " AND ".join(parts)

    @staticmethod
    def _changing(decision: BulkDecision, alias: str) -> str:
        """The condition on a span row that the decision changes it."""
        if decision.action == "label":
            return f"NOT ({alias}.label = :label AND {alias}.status IN {GOLD})"
        if decision.action == "reject":
            return f"{alias}.status != {REJECTED}"
        return f"({alias}.entity_id IS NOT :entity OR {alias}.status = {REJECTED})"

    def _span_rows(self, target: BulkTarget, decision: BulkDecision, select: str, *, changing: bool) -> str:
        cond = self._changing(decision, "s")
        return (f"SELECT {select} FROM spans s WHERE s.annotator = :annotator AND {self._where('s', target)} "
                f"AND {'' if changing else 'NOT '}{cond}")

    def _suggestion_rows(self, target: BulkTarget, select: str) -> str | None:
        """Undecided suggestions of the target, one per offsets (memory, rules, model first)."""
        if not target.forms:
            return None  # a suggestion is linked to nothing
        return (f"SELECT {select} FROM suggestions g WHERE {self._where('g', target)} AND {UNDECIDED_SQL} "
                "AND g.id = (SELECT g2.id FROM suggestions g2 WHERE g2.article_id = g.article_id "
                f"AND g2.start = g.start AND g2.end = g.end AND {shown_sql('g2')} "
                f"ORDER BY {origin_rank_sql('g2.origin')}, g2.id LIMIT 1)")

    def _target_articles(self, target: BulkTarget, decision: BulkDecision,
                         params: dict) -> list[tuple[int, int]]:
        counts: dict[int, int] = {}
        for sql in (self._span_rows(target, decision, "s.article_id, count(*)", changing=True),
                    self._suggestion_rows(target, "g.article_id, count(*)")):
            if sql is not None:
                for article_id, n in self.cx.conn.execute(sql + " GROUP BY 1", params).fetchall():
                    counts[article_id] = counts.get(article_id, 0) + n
        return sorted(counts.items())

    def _image_sql(self, table: str, alias: str) -> str:
        """``json_object`` of every column of a row: the image ``_snapshot`` would log."""
        columns = [r[1] for r in self.cx.conn.execute(f"PRAGMA table_info({table})").fetchall()]
        return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in columns) + ")"

    def _update_spans(self, target: BulkTarget, decision: BulkDecision, params: dict, image: str) -> None:
        """The annotator's own spans: log their before images, change them, log the after images."""
        conn = self.cx.conn
        conn.execute("INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after) "
                     + self._span_rows(target, decision, f":ts, :annotator, :act, s.article_id, :grp, "
                                       f"'spans', s.id, {image}, NULL", changing=True), params)
        if decision.action == "label":
            sets = f"label = :label, status = {_STATUS.format(label=':label')}"
        elif decision.action == "reject":
            sets = f"status = {REJECTED}"
        else:
            sets = f"entity_id = :entity, status = {_STATUS.format(label='spans.label')}"
        logged = ("SELECT row_id FROM events WHERE grp = :grp AND tbl = 'spans' AND after IS NULL "
                  "AND before IS NOT NULL")
        conn.execute(f"UPDATE spans SET {sets}, updated_at = :ts WHERE id IN ({logged})", params)
        conn.execute(f"UPDATE events SET after = (SELECT {image} FROM spans s WHERE s.id = events.row_id) "
                     "WHERE grp = :grp AND tbl = 'spans' AND after IS NULL AND before IS NOT NULL", params)

    def _insert_spans(self, target: BulkTarget, decision: BulkDecision, params: dict, image: str) -> None:
        """Undecided suggestions become the annotator's spans, each logged as inserted."""
        sql = self._suggestion_rows(target, "*")
        if sql is None:
            return
        conn = self.cx.conn
        if decision.action == "label":
            label, status = ":label", f"CASE WHEN g.label = :label THEN {ACCEPTED} ELSE {CORRECTED} END"
        else:
            label, status = "g.label", REJECTED if decision.action == "reject" else ACCEPTED
        entity = ":entity" if decision.action == "link" else "NULL"
        top = conn.execute("SELECT coalesce(max(id), 0) FROM spans").fetchone()[0]
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spans'").fetchone()
        params["top"] = max(top, seq[0] if seq else 0)
        conn.execute("INSERT INTO spans(article_id, annotator, start, end, label, status, origin, source, "
                     "suggestion_id, entity_id, folded, created_at, updated_at) "
                     f"SELECT g.article_id, :annotator, g.start, g.end, {label}, {status}, g.origin, "
                     f"g.source, g.id, {entity}, g.folded, :ts, :ts FROM ({sql}) g "
                     "ORDER BY g.article_id, g.start", params)
        conn.execute("INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after) "
                     f"SELECT :ts, :annotator, :act, s.article_id, :grp, 'spans', s.id, NULL, {image} "
                     "FROM spans s WHERE s.id > :top ORDER BY s.id", params)

    def _start_articles(self, params: dict) -> None:
        """The first decision in an article marks it in progress (decisions._touch_article)."""
        conn = self.cx.conn
        top = conn.execute("SELECT coalesce(max(id), 0) FROM article_status").fetchone()[0]
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'article_status'").fetchone()
        params["top"] = max(top, seq[0] if seq else 0)
        conn.execute("INSERT INTO article_status(article_id, annotator, status, updated_at) "
                     f"SELECT DISTINCT e.article_id, :annotator, {IN_PROGRESS}, :ts FROM events e "
                     "WHERE e.grp = :grp AND e.tbl = 'spans' AND NOT EXISTS (SELECT 1 FROM article_status x "
                     "WHERE x.article_id = e.article_id AND x.annotator = :annotator)", params)
        image = self._image_sql("article_status", "a")
        conn.execute("INSERT INTO events(ts, annotator, action, article_id, grp, tbl, row_id, before, after) "
                     f"SELECT :ts, :annotator, 'start', a.article_id, :grp, 'article_status', a.id, NULL, "
                     f"{image} FROM article_status a WHERE a.id > :top", params)

    def _bulk_entity(self, decision: BulkDecision, grp: int, action: Action) -> int:
        """The entity a bulk link links to: by id, else by name (created, logged, if new)."""
        conn = self.cx.conn
        if decision.entity_id is not None:
            if not self.log.snapshot("entities", decision.entity_id):
                raise DecisionError(f"no entity with id {decision.entity_id}")
            return decision.entity_id
        name = " ".join((decision.entity_name or "").split())
        found = conn.execute("SELECT id FROM entities WHERE name=? ORDER BY id", (name,)).fetchone()
        if found:
            return found[0]
        return self.log.insert(grp, action, None, "entities",
                            {"name": name, "label": decision.label, "kb_id": None, "created_at": now()})

    def _bulk_aliases(self, entity_id: int, target: BulkTarget, grp: int, action: Action) -> None:
        """Each linked form becomes an alias of the entity; an unlabelled entity takes the linked
        mentions' most common label (as a single link gives it its span's label)."""
        conn = self.cx.conn
        for folded in target.forms:
            if conn.execute("SELECT 1 FROM aliases WHERE entity_id=? AND folded=?",
                            (entity_id, folded)).fetchone():
                continue
            row = conn.execute(
                "SELECT s.article_id, substr(a.text, s.start + 1, s.end - s.start) FROM spans s "
                "JOIN articles a ON a.id = s.article_id WHERE s.entity_id = ? AND s.folded = ? "
                "AND s.annotator = ? LIMIT 1", (entity_id, folded, self.layer)).fetchone()
            if row is not None:
                self.log.insert(grp, action, row[0], "aliases", {"entity_id": entity_id, "alias": row[1],
                                                               "folded": folded})
        if (self.log.snapshot("entities", entity_id) or {}).get("label") is None:
            top = conn.execute("SELECT label FROM spans WHERE entity_id = ? AND annotator = ? AND status != "
                               f"{REJECTED} GROUP BY label ORDER BY count(*) DESC, label LIMIT 1",
                               (entity_id, self.layer)).fetchone()
            if top is not None:
                self.log.update(grp, action, None, "entities", entity_id, {"label": top[0]})
