"""The history of the schema: migrations 1 to 8, as they were shipped (never edited).

A database made by an older Parallax is brought forward step by step from here and then by
the newer migrations in :mod:`.schema`, which holds the current schema and where a new
migration is appended. A test replays them all and checks the result is exactly the current
schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .database import sqlite_utils_database
from .forms import add_mention_forms
from .undecided import open_sql

if TYPE_CHECKING:
    from .database import Database



def _enable_fts(db: Database) -> None:
    """Full-text search over titles and text, kept current by triggers (sqlite-utils' SQL for it,
    imported only when a migration builds the index)."""
    sqlite_utils_database(db.conn).table("articles").enable_fts(
        ["title", "text"],
        fts_version="FTS5",
        tokenize="unicode61 remove_diacritics 2",
        create_triggers=True,
    )


# Migration 3 rebuilds the tables undo and redo write to, so that a row id is never
# handed out twice: without AUTOINCREMENT, SQLite reuses the id of a row that undo
# removed, and a later redo would overwrite whoever got it (another annotator's span).
# article_status and aliases get an id of their own (their old hidden rowid, which
# the event log already refers to). Foreign keys are off while it runs (db._migrate).
_REBUILT = {
    "entities": """
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            label TEXT,
            kb_id TEXT UNIQUE,
            created_at TEXT NOT NULL
        )""",
    "aliases": """
        CREATE TABLE aliases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            folded TEXT NOT NULL,
            UNIQUE (entity_id, folded)
        )""",
    "spans": """
        CREATE TABLE spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            label TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'corrected', 'rejected')),
            origin TEXT NOT NULL CHECK (origin IN ('model', 'rules', 'memory', 'human', 'import')),
            source TEXT,
            suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
            entity_id INTEGER REFERENCES entities(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (start >= 0 AND end > start)
        )""",
    "tags": """
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            span_id INTEGER REFERENCES spans(id) ON DELETE CASCADE,
            suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            tag TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    "article_status": """
        CREATE TABLE article_status (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('in_progress', 'done', 'rejected', 'ignored')),
            updated_at TEXT NOT NULL,
            UNIQUE (article_id, annotator)
        )""",
}

_INDEXES_3 = """
    CREATE INDEX aliases_folded ON aliases(folded);
    CREATE INDEX spans_article ON spans(article_id, annotator);
    CREATE INDEX spans_suggestion ON spans(suggestion_id);
    CREATE INDEX spans_entity ON spans(entity_id);
    CREATE INDEX tags_article ON tags(article_id, annotator);
    CREATE INDEX tags_span ON tags(span_id);
    CREATE INDEX tags_suggestion ON tags(suggestion_id);
    CREATE INDEX article_status_annotator ON article_status(annotator, status);
    CREATE INDEX events_grp ON events(grp);
    CREATE INDEX events_row ON events(tbl, row_id);
"""


def _ids_never_reused(db: Database) -> None:
    """Rebuild the undoable tables with AUTOINCREMENT ids, keeping every id the log refers to."""
    conn = db.conn
    for table, create in _REBUILT.items():
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]
        old_id = "id" if "id" in cols else "rowid"
        data = ", ".join(c for c in cols if c != "id")
        conn.execute(create.replace(f"CREATE TABLE {table} ", f"CREATE TABLE {table}_new ", 1))
        conn.execute(f"INSERT INTO {table}_new (id, {data}) SELECT {old_id}, {data} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        # Ids of rows that undo removed (and redo may bring back) are taken too.
        top = conn.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
            f"coalesce((SELECT max(row_id) FROM events WHERE tbl=?), 0))", (table,)).fetchone()[0]
        conn.execute("DELETE FROM sqlite_sequence WHERE name=?", (table,))
        conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, top))
    for statement in _INDEXES_3.split(";"):
        if statement.strip():
            conn.execute(statement)


def _library_at_scale(db: Database) -> None:
    """Indexes that keep the library instant at 100,000 articles.

    ``articles_order`` lets the library walk ids in order (and read an article's
    language) without touching the wide articles rows; the label indexes find the
    articles with a rare label from its own rows; the FTS index is rebuilt with
    prefix indexes for one and two letters, so the first letters typed in a search
    read one doclist instead of merging those of every word they begin.
    """
    conn = db.conn
    conn.execute("CREATE INDEX articles_order ON articles(id, lang)")
    conn.execute("CREATE INDEX suggestions_label ON suggestions(label, article_id)")
    conn.execute("CREATE INDEX spans_label ON spans(annotator, label, article_id)")
    conn.execute("DROP TABLE articles_fts")  # the triggers on articles refer to it by name
    conn.execute("""CREATE VIRTUAL TABLE "articles_fts" USING FTS5 ("title", "text", """
                 """tokenize='unicode61 remove_diacritics 2', prefix='1 2', content="articles")""")
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


_SUGGESTIONS_8 = """
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        label TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('model', 'rules', 'memory')),
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        folded TEXT,
        annotator TEXT NOT NULL DEFAULT '',
        CHECK (start >= 0 AND end > start),
        UNIQUE (article_id, start, end, label, origin, annotator)
    )"""

_HELD_8 = """
    CREATE TABLE IF NOT EXISTS undecided_at_done (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        suggestion_id INTEGER NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
        UNIQUE (article_id, annotator, suggestion_id)
    )"""


def _gold_by_decision_only(db: Database) -> None:
    """Suggestions get an owner, and a done layer keeps the suggestions it left undecided.

    ``suggestions.annotator`` is '' for what every annotator sees (pipelines, rules, shared
    memory) or the one annotator whose annotation memory made it. ``undecided_at_done`` holds,
    for each layer that marked an article done, the suggestions it left undecided then: a
    suggestion added afterwards (pre-annotation, memory, a merge) is not shown to that layer, so
    its gold changes only by its own decisions (:mod:`.undecided`). Existing done layers keep the
    undecided suggestions that were there when they were marked done (by the timestamps: what
    pre-annotation added to a done article before this version is left out again). Memory
    suggestions nobody decided on go: they were everyone's, and are made again per annotator.
    Idempotent (each step checks what is there), as migration 7 is.
    """
    conn = db.conn
    if "annotator" not in {r[1] for r in conn.execute("PRAGMA table_info(suggestions)").fetchall()}:
        cols = "id, article_id, start, end, label, origin, source, created_at, folded"
        conn.execute(_SUGGESTIONS_8.replace("CREATE TABLE suggestions ", "CREATE TABLE suggestions_new ", 1))
        conn.execute(f"INSERT INTO suggestions_new ({cols}, annotator) SELECT {cols}, '' FROM suggestions")
        conn.execute("DROP TABLE suggestions")
        conn.execute("ALTER TABLE suggestions_new RENAME TO suggestions")
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'suggestions'")
        conn.execute("INSERT INTO sqlite_sequence(name, seq) SELECT 'suggestions', "
                     "max(coalesce((SELECT max(id) FROM suggestions), 0), "
                     "coalesce((SELECT max(suggestion_id) FROM spans), 0))")
    conn.execute("CREATE INDEX IF NOT EXISTS suggestions_label ON suggestions(label, article_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS suggestions_folded ON suggestions(folded, article_id)")
    conn.execute(_HELD_8)
    conn.execute("CREATE INDEX IF NOT EXISTS undecided_at_done_suggestion "
                 "ON undecided_at_done(suggestion_id)")
    conn.execute(
        "INSERT OR IGNORE INTO undecided_at_done(article_id, annotator, suggestion_id) "
        "SELECT st.article_id, st.annotator, g.id FROM article_status st "
        "JOIN suggestions g ON g.article_id = st.article_id "
        "WHERE st.status = 'done' AND g.created_at <= st.updated_at AND "
        + open_sql("g", "st.annotator") + " ORDER BY st.id, g.id")
    conn.execute(
        "DELETE FROM suggestions WHERE origin = 'memory' "
        "AND id NOT IN (SELECT suggestion_id FROM spans WHERE suggestion_id IS NOT NULL) "
        "AND id NOT IN (SELECT suggestion_id FROM tags WHERE suggestion_id IS NOT NULL) "
        "AND id NOT IN (SELECT suggestion_id FROM undecided_at_done) "
        "AND id NOT IN (SELECT v FROM (SELECT json_extract(before, '$.suggestion_id') AS v FROM events "
        "WHERE tbl IN ('spans', 'tags') UNION SELECT json_extract(after, '$.suggestion_id') FROM events "
        "WHERE tbl IN ('spans', 'tags')) WHERE v IS NOT NULL)")


HISTORY: list[str | Callable[[Database], None]] = [
    # 1: articles, label scheme, suggestions, human decisions, entities, tags, log
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        source TEXT,
        meta TEXT NOT NULL DEFAULT '{}',
        length INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX articles_lang ON articles(lang);

    CREATE TABLE labels (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL
    );

    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        label TEXT,
        kb_id TEXT UNIQUE,
        created_at TEXT NOT NULL
    );

    CREATE TABLE aliases (
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        folded TEXT NOT NULL,
        PRIMARY KEY (entity_id, folded)
    );
    CREATE INDEX aliases_folded ON aliases(folded);

    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        label TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('model', 'rules', 'memory')),
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start),
        UNIQUE (article_id, start, end, label, origin)
    );

    CREATE TABLE spans (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        label TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'corrected', 'rejected')),
        origin TEXT NOT NULL CHECK (origin IN ('model', 'rules', 'memory', 'human', 'import')),
        source TEXT,
        suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
        entity_id INTEGER REFERENCES entities(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start)
    );
    CREATE INDEX spans_article ON spans(article_id, annotator);
    CREATE INDEX spans_suggestion ON spans(suggestion_id);

    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        span_id INTEGER REFERENCES spans(id) ON DELETE CASCADE,
        suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        tag TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX tags_article ON tags(article_id, annotator);

    CREATE TABLE article_status (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        annotator TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('in_progress', 'done', 'rejected', 'ignored')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (article_id, annotator)
    );
    CREATE INDEX article_status_annotator ON article_status(annotator, status);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        annotator TEXT NOT NULL,
        action TEXT NOT NULL,
        article_id INTEGER,
        grp INTEGER NOT NULL,
        tbl TEXT NOT NULL,
        row_id INTEGER NOT NULL,
        before TEXT,
        after TEXT,
        state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded'))
    );
    CREATE INDEX events_annotator ON events(annotator, state, grp);

    CREATE TABLE preannotated (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        pipeline TEXT NOT NULL,
        ts TEXT NOT NULL,
        PRIMARY KEY (article_id, pipeline)
    );

    CREATE TABLE sessions (
        annotator TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: FTS5 index of titles and text
    _enable_fts,
    # 3: ids that undo frees are never handed out again; indexes for undo and foreign keys
    _ids_never_reused,
    # 4: the library at corpus scale: ordered and label indexes, FTS prefix indexes
    _library_at_scale,
    # 5: long-running writers (import, pre-annotation) say who they are, so that an annotator
    # whose decision waits for the write lock is told who holds it
    """
    CREATE TABLE writers (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        what TEXT NOT NULL,
        started_at TEXT NOT NULL
    );
    """,
    # 6: token boundaries of the articles the app opened, computed by spaCy in a child process
    # (annotations/store/tokens.py), so the app itself never loads spaCy
    """
    CREATE TABLE tokens (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        tokenizer TEXT NOT NULL,
        data BLOB NOT NULL
    );
    """,
    # 7 (issue 9): every mention's folded surface form, stored
    # and indexed so that identical mentions are found at corpus scale, and the conflicts an
    # annotator dismissed. Idempotent, so renumbering it is moving this line.
    add_mention_forms,
    # 8 (issue 15): gold changes only by a decision: suggestions have an owner (annotation memory
    # is per annotator) and a done layer keeps the suggestions it left undecided, nothing newer
    _gold_by_decision_only,
]
