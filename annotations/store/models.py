"""Trained models: spaCy pipeline folders beside the database, recorded here.

A model ``en-3`` is the folder ``models/en-3`` next to the database file (``spacy.load`` opens
it) and one row of ``models``: its language, version, base pipeline, figures on its dev articles
and whether it was adopted. The latest adopted model of a language is the one in use there
(``[models]`` in parallax.toml and ``--model`` still win; :mod:`annotations.nlp.pipelines`).
A model is registered, and adopted if it is, in one transaction, after its folder is complete
under its final name: a training killed at any moment leaves no row behind, at most a folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import now
from .sql_values import DONE

if TYPE_CHECKING:
    from .connection import Connection

MODELS_DIR = "models"
SOURCE_PREFIX = "parallax "  # a trained model's suggestions have the source "parallax en-3"
_FOLDER = re.compile(r"^(?P<lang>[a-z]{2,3})-(?P<version>\d+)$")
_COLUMNS = "name, lang, version, path, base, f1, baseline, baseline_f1, report, adopted_at, created_at"


@dataclass
class ModelRecord:
    """One trained model as recorded; ``report`` holds the figures (see annotations.nlp.train)."""

    name: str
    lang: str
    version: int
    path: str  # relative to the database's folder
    base: str
    f1: float | None
    baseline: str | None
    baseline_f1: float | None
    report: dict[str, Any] = field(default_factory=dict)
    adopted_at: str | None = None
    created_at: str = ""

    @property
    def source(self) -> str:
        """What its suggestions record as their source."""
        return model_source(self.name)

    @property
    def adopted(self) -> bool:
        return self.adopted_at is not None


def model_source(name: str) -> str:
    return f"{SOURCE_PREFIX}{name}"


def models_dir(db_path: str | Path) -> Path:
    """The folder of a database's models: ``models/`` beside the database file."""
    return Path(db_path).resolve().parent / MODELS_DIR


class Models:
    """The models trained on this database's gold, and which one each language uses."""

    def __init__(self, cx: Connection, db_path: str) -> None:
        self.cx = cx
        self.folder = models_dir(db_path)

    def all(self, lang: str | None = None) -> list[ModelRecord]:
        """Every registered model (of ``lang``), oldest first."""
        sql = f"SELECT {_COLUMNS} FROM models"
        params: tuple = ()
        if lang is not None:
            sql, params = sql + " WHERE lang = ?", (lang,)
        rows = self.cx.conn.execute(sql + " ORDER BY lang, version", params).fetchall()
        return [_record(row) for row in rows]

    def get(self, name: str) -> ModelRecord | None:
        row = self.cx.conn.execute(f"SELECT {_COLUMNS} FROM models WHERE name = ?", (name,)).fetchone()
        return _record(row) if row else None

    def in_use(self, lang: str) -> ModelRecord | None:
        """The language's latest adopted model, if any."""
        row = self.cx.conn.execute(
            f"SELECT {_COLUMNS} FROM models WHERE lang = ? AND adopted_at IS NOT NULL "
            "ORDER BY adopted_at DESC, version DESC LIMIT 1", (lang,)).fetchone()
        return _record(row) if row else None

    def adopted_paths(self) -> dict[str, str]:
        """language -> the folder of its model in use, for those whose folder is there."""
        out = {}
        for (lang,) in self.cx.conn.execute(
                "SELECT DISTINCT lang FROM models WHERE adopted_at IS NOT NULL").fetchall():
            record = self.in_use(lang)
            if record is not None and (self.folder.parent / record.path).is_dir():
                out[lang] = str(self.folder.parent / record.path)
        return out

    def done_by_lang(self) -> dict[str, int]:
        """Language (as stored, e.g. ``en-US``) -> articles some layer has marked done."""
        return dict(self.cx.conn.execute(
            "SELECT a.lang, count(DISTINCT s.article_id) FROM article_status s JOIN articles a "
            f"ON a.id = s.article_id WHERE s.status = {DONE} GROUP BY a.lang").fetchall())

    def trained_on(self) -> dict[str, int]:
        """Language -> the done articles (train and dev) its latest model was trained on."""
        out = {}
        for lang, report in self.cx.conn.execute(
                "SELECT lang, report FROM models m WHERE version = (SELECT max(version) FROM models "
                "WHERE lang = m.lang)").fetchall():
            data = json.loads(report or "{}")
            out[lang] = int(data.get("train_articles", 0)) + int(data.get("dev_articles", 0))
        return out

    def score_articles(self, model: str, scores: dict[int, float], replacing: list[int]) -> None:
        """How unsure ``model`` is about these articles (the library's "most useful next" order), in
        place of the scores of the articles ``replacing`` (its language's), in one transaction."""
        with self.cx.write() as conn:
            conn.execute("DELETE FROM usefulness WHERE article_id IN (SELECT value FROM json_each(?))",
                         (json.dumps(replacing),))
            conn.executemany("INSERT OR REPLACE INTO usefulness(article_id, model, score) VALUES (?, ?, ?)",
                             [(article_id, model, score) for article_id, score in scores.items()])

    def path_of(self, record: ModelRecord) -> Path:
        return self.folder.parent / record.path

    def next_name(self, lang: str) -> str:
        """``lang-N`` for the next version: past every registered one and every folder (a training
        killed after its folder was renamed, before it was registered, left one)."""
        row = self.cx.conn.execute("SELECT max(version) FROM models WHERE lang = ?", (lang,)).fetchone()
        highest = row[0] or 0
        if self.folder.is_dir():
            for entry in self.folder.iterdir():
                match = _FOLDER.match(entry.name)
                if match and match["lang"] == lang:
                    highest = max(highest, int(match["version"]))
        return f"{lang}-{highest + 1}"

    def register(self, record: ModelRecord, *, adopt: bool) -> ModelRecord:
        """Record a model whose folder is complete, adopted for its language or not, in one
        transaction. Returns the record as stored."""
        stamp = now()
        record.created_at = stamp
        record.adopted_at = stamp if adopt else None
        with self.cx.write() as conn:
            conn.execute(
                f"INSERT INTO models ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.name, record.lang, record.version, record.path, record.base, record.f1,
                 record.baseline, record.baseline_f1, json.dumps(record.report, ensure_ascii=False),
                 record.adopted_at, record.created_at))
        return record


def _record(row) -> ModelRecord:
    return ModelRecord(name=row[0], lang=row[1], version=row[2], path=row[3], base=row[4], f1=row[5],
                       baseline=row[6], baseline_f1=row[7], report=json.loads(row[8] or "{}"),
                       adopted_at=row[9], created_at=row[10])
