"""The current schema in annotations/store/schema.py is exactly what the migrations build.

A new database is made from ``schema.CURRENT`` in one step; an old one is brought forward by
``schema.MIGRATIONS``. The two must never drift: replaying every migration on an empty file gives
the same tables (columns in order, types, defaults, keys, CHECK constraints, foreign keys), the
same indexes and the same triggers as the current schema.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from sqlite_utils import Database

from annotations.store import Store
from annotations.store.db import _split_sql
from annotations.store.schema import CURRENT, MIGRATIONS, SCHEMA_VERSION


def _norm(sql: str) -> str:
    """SQL text without quoting or layout: identifiers unquoted, one space, lower case."""
    text = " ".join(sql.replace('"', "").replace("[", "").replace("]", "").split()).lower()
    return re.sub(r"\s*([(),;])\s*", r"\1", text)


def _checks(sql: str) -> list[str]:
    """The CHECK constraints of a CREATE TABLE, normalized (balanced parentheses)."""
    out = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, i = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        check = _norm(sql[match.end():i - 1])
        # A set of values is the same set in any order: "origin in ('model', 'rules')".
        out.append(re.sub(r"in\(([^()]*)\)", lambda m: "in(" + ",".join(sorted(
            v.strip() for v in m.group(1).split(","))) + ")", check))
    return sorted(out)


def schema_of(conn: sqlite3.Connection) -> dict:
    """Everything about a schema that matters to the code, comparable between two files."""
    out: dict = {"version": conn.execute("PRAGMA user_version").fetchone()[0]}
    shadow = re.compile(r"^articles_fts_(data|idx|docsize|config|content)$")
    for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY name").fetchall():
        if kind == "table" and not shadow.match(name):
            if sql.upper().startswith("CREATE VIRTUAL TABLE"):
                out[f"virtual {name}"] = _norm(sql)
                continue
            out[f"table {name}"] = {
                "columns": [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info({name})").fetchall()],
                "checks": _checks(sql),
                "foreign keys": sorted(tuple(r[2:]) for r in conn.execute(
                    f"PRAGMA foreign_key_list({name})").fetchall()),
                "indexes": sorted(
                    (r[1] if r[3] == "c" else r[3], r[2], tuple(c[2] for c in conn.execute(
                        f"PRAGMA index_info('{r[1]}')").fetchall()))
                    for r in conn.execute(f"PRAGMA index_list({name})").fetchall()),
            }
        elif kind == "trigger":
            out[f"trigger {name}"] = _norm(sql)
    return out


def replayed(path) -> sqlite3.Connection:
    """An empty file brought to the current version by every migration, one after the other."""
    conn = sqlite3.connect(path, isolation_level=None)
    db = Database(conn)
    for number, step in enumerate(MIGRATIONS, start=1):
        if callable(step):
            step(db)
        else:
            for statement in _split_sql(step):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return conn


def test_replaying_every_migration_gives_exactly_the_current_schema(tmp_path):
    with closing(replayed(tmp_path / "replayed.db")) as old:
        history = schema_of(old)
    with Store(tmp_path / "new.db", annotator="alice") as store:  # made from schema.CURRENT
        current = schema_of(store.db.conn)
    assert current["version"] == history["version"] == SCHEMA_VERSION
    assert set(current) == set(history)
    for key in current:
        assert current[key] == history[key], key


def test_the_comparison_sees_a_column_the_current_schema_lacks(tmp_path):
    """The check above can fail: one column more in the current schema is a difference."""
    with closing(replayed(tmp_path / "replayed.db")) as old:
        history = schema_of(old)
    conn = sqlite3.connect(tmp_path / "drifted.db", isolation_level=None)
    with closing(conn):
        for statement in _split_sql(CURRENT.replace("    lang TEXT NOT NULL,\n", "    lang TEXT NOT NULL,\n"
                                                    "    extra TEXT,\n", 1)):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        drifted = schema_of(conn)
    assert drifted["table articles"] != history["table articles"]


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_database_at_any_older_version_opens_at_the_current_one(tmp_path, version):
    """Every older version is brought forward to the current schema, data kept."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = Database(conn)
    for number, step in enumerate(MIGRATIONS[:version], start=1):
        if callable(step):
            step(db)
        else:
            for statement in _split_sql(step):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO articles(hash, title, text, lang, meta, length, created_at) "
                 "VALUES ('h', 'T', 'Rabat.', 'en', '{}', 6, '2026-01-01')")
    conn.execute("PRAGMA application_id = 1347570776")
    conn.close()
    with Store(path, annotator="alice") as store:
        assert schema_of(store.db.conn) == schema_of_current(tmp_path)
        assert store.articles.get(1).text == "Rabat."


def schema_of_current(tmp_path) -> dict:
    with Store(tmp_path / "reference.db", annotator="alice") as store:
        return schema_of(store.db.conn)
