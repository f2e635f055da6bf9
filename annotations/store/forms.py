"""The folded surface form of every mention, stored so identical mentions are found at corpus scale.

``suggestions.folded`` and ``spans.folded`` hold ``fold(text[start:end])`` (case, Arabic harakat,
tatweel and alef variants folded: :func:`annotations.text.fold`), indexed, so "every Sahel in
100,000 articles" is an index range, not a read of every article's text. Parallax writes the
column with every row; NULL means a row written by a tool that does not know it (a benchmark
builder, a copy made with bare sqlite3): :func:`fill_folded` computes those, and the reads here
compute them on the fly meanwhile (:func:`folded_expr`), so a NULL is never a wrong answer.
"""

from __future__ import annotations

import sqlite3

from ..text import fold

FOLD_FN = "parallax_fold"  # fold() as an SQL function, registered on the connections that need it
MENTION_TABLES = ("suggestions", "spans")

DISMISSED_CONFLICTS = """
    CREATE TABLE IF NOT EXISTS dismissed_conflicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        annotator TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (annotator, kind, key)
    )"""


def _fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


def register_fold(conn: sqlite3.Connection) -> None:
    """Make ``parallax_fold(text)`` callable in this connection's SQL (idempotent, cheap)."""
    conn.create_function(FOLD_FN, 1, _fold_or_none, deterministic=True)


def folded_expr(alias: str) -> str:
    """SQL for the folded form of the ``suggestions``/``spans`` row aliased ``alias``.

    The stored column where it is set (always, for rows Parallax wrote), else computed from
    the article's text; COALESCE evaluates the second part only for a NULL.
    """
    return (f"COALESCE({alias}.folded, (SELECT {FOLD_FN}(substr(t.text, {alias}.start + 1, "
            f"{alias}.end - {alias}.start)) FROM articles t WHERE t.id = {alias}.article_id))")




def forms_in(alias: str, param: str = ":forms") -> str:
    """SQL condition: the row's folded form is in the JSON list ``param`` (index seeks)."""
    listed = f"(SELECT value FROM json_each({param}))"
    return f"({alias}.folded IN {listed} OR ({alias}.folded IS NULL AND {folded_expr(alias)} IN {listed}))"


def fill_folded(conn: sqlite3.Connection) -> int:
    """Compute the folded form of every row that has none (call inside a write). Returns how many."""
    register_fold(conn)
    filled = 0
    for table in MENTION_TABLES:
        cur = conn.execute(
            f"UPDATE {table} SET folded = (SELECT {FOLD_FN}(substr(a.text, {table}.start + 1, "
            f"{table}.end - {table}.start)) FROM articles a WHERE a.id = {table}.article_id) "
            "WHERE folded IS NULL")
        filled += max(cur.rowcount, 0)
    return filled


def has_unfolded(conn: sqlite3.Connection) -> bool:
    """Whether some mention row still lacks its folded form (an index seek each)."""
    return any(conn.execute(f"SELECT 1 FROM {table} WHERE folded IS NULL LIMIT 1").fetchone()
               for table in MENTION_TABLES)


def folded_at(conn: sqlite3.Connection, article_id: int, start: int, end: int) -> str | None:
    """The folded form of ``text[start:end]`` of one article."""
    row = conn.execute("SELECT substr(text, ?, ?) FROM articles WHERE id=?",
                       (start + 1, end - start, article_id)).fetchone()
    return None if row is None else fold(row[0])


def add_mention_forms(db) -> None:
    """Migration: the ``folded`` column on suggestions and spans, filled and indexed, and the
    table of conflicts an annotator dismissed ("these are different people").

    Idempotent (each step checks what is there), so it can take any number in the list.
    """
    conn = db.conn
    for table in MENTION_TABLES:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()}
        if "folded" not in columns:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN folded TEXT")
    fill_folded(conn)
    conn.execute("CREATE INDEX IF NOT EXISTS suggestions_folded ON suggestions(folded, article_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS spans_folded ON spans(folded, annotator, article_id)")
    conn.execute(DISMISSED_CONFLICTS)
