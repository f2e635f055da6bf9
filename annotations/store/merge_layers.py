"""When both databases of a merge hold one annotator's layer in one article: which to keep.

A layer's *decisions* are its spans (offsets, label, status, linked entity), its tags and the
article's status; its *history* is its undo log in order, each entry (time, action, table).

- same history: nothing to do (``same``), or, if the decisions differ (one side undid or
  redid since), a conflict;
- the output's history is the start of the source's: the annotator went on working since the
  last merge, so the source's layer replaces the output's (``update``);
- the source's history is the start of the output's: the output already has more (``older``);
- otherwise, the same decisions reached apart are ``same``; different ones are a ``conflict``:
  reported, and the output's layer is kept.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from ..model import GOLD_STATUSES

Key = tuple[int, int, str]  # (source article id, output article id, annotator)


@dataclass(frozen=True)
class LayerChoice:
    kind: str  # same, update, older or conflict
    detail: str = ""


def compare_layers(conn: sqlite3.Connection, both: list[Key]) -> dict[Key, LayerChoice]:
    """Decide for each layer both databases hold (the source attached as ``src``)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS both_layer(article_src INTEGER, article INTEGER, "
                 "annotator TEXT, PRIMARY KEY (article, annotator)) WITHOUT ROWID")
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS temp.both_layer_src "
                 "ON both_layer(article_src, annotator)")
    conn.execute("DELETE FROM both_layer")
    conn.executemany("INSERT INTO both_layer VALUES (?, ?, ?)", both)
    try:
        ours = _read(conn, "main", "article")
        theirs = _read(conn, "src", "article_src")
    finally:
        conn.execute("DROP TABLE temp.both_layer")
    out = {}
    for key in both:
        mine, other = ours[(key[1], key[2])], theirs[(key[0], key[2])]
        out[key] = choose(mine, other)
    return out


def choose(mine: dict, other: dict) -> LayerChoice:
    """The rule of the module docstring, for one layer (``mine``: the output's)."""
    steps_mine = [e[:3] for e in mine["history"]]
    steps_other = [e[:3] for e in other["history"]]
    same_decisions = _decisions(mine) == _decisions(other)
    if steps_mine == steps_other:
        if same_decisions:
            return LayerChoice("same")
        return LayerChoice("conflict", "the same decisions were undone or redone differently; "
                                       f"{_summary(other)} in the source, {_summary(mine)} in the output")
    if steps_mine == steps_other[:len(steps_mine)]:
        return LayerChoice("update")
    if steps_other == steps_mine[:len(steps_other)]:
        return LayerChoice("older")
    if same_decisions:
        return LayerChoice("same")
    return LayerChoice("conflict", f"{_summary(other)} in the source, {_summary(mine)} in the output")


def _decisions(layer: dict) -> tuple:
    return (layer["status"], sorted(layer["spans"]), sorted(layer["tags"]))


def _summary(layer: dict) -> str:
    gold = sum(1 for s in layer["spans"] if s[3] in GOLD_STATUSES)
    status = (layer["status"] or "no status").replace("_", " ")
    return f"{gold} entities, {len(layer['spans']) - gold} rejected, {status}"


def _read(conn: sqlite3.Connection, db: str, column: str) -> dict:
    """(article, annotator) -> spans, tags, status and history of each layer in ``both_layer``."""
    layers: dict = defaultdict(lambda: {"spans": [], "tags": [], "status": None, "history": []})
    join = f"JOIN temp.both_layer b ON b.{column} = x.article_id AND b.annotator = x.annotator"
    for article, who, *span in conn.execute(
            f"SELECT x.article_id, x.annotator, x.start, x.end, x.label, x.status, "
            f"(SELECT COALESCE(kb_id, name) FROM {db}.entities WHERE id = x.entity_id) "
            f"FROM {db}.spans x {join}").fetchall():
        layers[(article, who)]["spans"].append(tuple(span))
    for article, who, *tag in conn.execute(
            f"SELECT x.article_id, x.annotator, x.tag, sp.start, sp.end, sg.start, sg.end, sg.label "
            f"FROM {db}.tags x {join} LEFT JOIN {db}.spans sp ON sp.id = x.span_id "
            f"LEFT JOIN {db}.suggestions sg ON sg.id = x.suggestion_id").fetchall():
        layers[(article, who)]["tags"].append(tuple("" if v is None else v for v in tag))
    for article, who, status in conn.execute(
            f"SELECT x.article_id, x.annotator, x.status FROM {db}.article_status x {join}").fetchall():
        layers[(article, who)]["status"] = status
    # The log has no index by article: scan it once (CROSS JOIN keeps that order) and look each
    # row up in the layers, rather than scan it once per layer.
    for article, who, *event in conn.execute(
            f"SELECT x.article_id, x.annotator, x.ts, x.action, x.tbl, x.state FROM {db}.events x "
            f"CROSS {join} ORDER BY x.grp, x.id").fetchall():
        layers[(article, who)]["history"].append(tuple(event))
    return layers
