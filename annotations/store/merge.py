"""Merging one Parallax database into another (``parallax merge``), in SQL.

The source is ATTACHed read-only and read inside the output's one write transaction, so
the whole merge sees one snapshot of it while its annotators go on writing (WAL: a reader
never blocks a writer); no file is copied by hand. Rows are matched, never overwritten:

- articles by content hash; suggestions by (article, start, end, label, origin); preannotated
  runs, labels (appended in the source's order) and sessions are added where missing;
- entities by knowledge-base id, else by name and label; aliases by (entity, folded form);
- a *layer* (one annotator's spans, tags, status and undo history in one article) is copied
  whole when the output has none; when both have one, :mod:`.merge_layers` decides (the
  same, a continuation of the output's, an older state, or a conflict, which is reported);
- copied rows keep their values; their ids move by a fixed offset past every id the output
  has used, and the undo log (row ids and the ids inside its before/after images) moves
  with them, so ``u`` in the merged database undoes the merged decisions.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import EVERY_ARTICLE, ArticleRange
from .errors import StoreError, describe_error
from .merge_files import check_source
from .merge_layers import LayerChoice, compare_layers

if TYPE_CHECKING:
    from .store import Store

# Every table of the schema and what a merge does with it; a test checks none is missing.
MERGED_TABLES = {
    "articles": "matched by content hash, added when missing (the FTS index follows by trigger)",
    "articles_fts": "kept by the articles triggers",
    "labels": "added at the end of the scheme, in the source's order",
    "suggestions": "matched by article, offsets, label, origin and owner (an annotator's memory); "
                   "a superseded one stays superseded",
    "preannotated": "added when missing",
    "entities": "matched by knowledge-base id, else name and label",
    "aliases": "matched by entity and folded form",
    "spans": "copied with their layer",
    "tags": "copied with their layer",
    "article_status": "copied with their layer",
    "undecided_at_done": "copied with their layer (what a done layer was shown of the suggestions)",
    "events": "copied with their layer (undo history), ids remapped",
    "sessions": "added for annotators the output has none for",
    "writers": "not merged (who is writing now, in the source's own process)",
    "tokens": "not merged (token boundaries are computed again when an article is opened)",
    "dismissed_conflicts": "added where missing (an entity's conflicts follow its matched entity)",
    "usefulness": "not merged (the next model adopted scores the articles again)",
    "models": "not merged (a model is a folder beside its own database; train again on the merged gold)",
}
_OFFSET_TABLES = ("spans", "tags", "article_status", "undecided_at_done", "entities", "aliases")


@dataclass
class Conflict:
    """Two different versions of one annotator's layer in one article; the output's was kept."""

    annotator: str
    article_id: int  # in the output
    title: str
    hash: str
    detail: str


@dataclass
class MergeCounts:
    """What merging one source changed in the output."""

    source: str
    articles_added: int = 0
    articles_matched: int = 0
    suggestions_added: int = 0
    entities_added: int = 0
    layers_copied: int = 0
    layers_updated: int = 0  # the output had an earlier state of the same work
    layers_same: int = 0
    layers_older: int = 0  # the output had more of the same work: kept
    events_copied: int = 0
    events_left_out: int = 0  # in a decision that also touched a conflicting layer
    conflicts: list[Conflict] = field(default_factory=list)


def source_uri(path: str) -> str:
    """A read-only URI for ATTACH; immutable where SQLite could not make its -shm file
    (a read-only folder) and no -wal holds newer changes, as the store opens such files."""
    file = Path(path).resolve()
    uri = file.as_uri() + "?mode=ro"
    wal = Path(str(file) + "-wal")
    if not _writable_dir(file.parent) and not wal.exists():
        uri += "&immutable=1"
    return uri


def _writable_dir(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def merge_source(out: Store, source: str, within: ArticleRange = EVERY_ARTICLE) -> MergeCounts:
    """Merge the database at ``source`` into ``out`` in one transaction; raise StoreError.

    ``within`` keeps only the source's articles with those ids (as the source numbers them) and
    what belongs to them (suggestions, pre-annotation runs, layers); labels, entities, aliases,
    sessions and dismissed conflicts come whole. That is how a corpus is cut into shards.
    """
    check_source(source)  # refuses what Parallax would refuse to open, and a damaged file, by name
    out.ensure_sound()  # before ATTACH: the damage check would read the source as well
    conn = out.db.conn
    try:
        conn.execute("ATTACH DATABASE ? AS src", (source_uri(source),))
    except sqlite3.Error as exc:
        raise StoreError(describe_error(source, exc)) from exc
    try:
        with out.write():
            return _Merge(out, source, within).run()
    except sqlite3.DatabaseError as exc:
        raise StoreError(describe_error(source, exc)) from exc
    finally:
        for table in ("m_article", "m_sugg", "m_entity", "m_alias", "src_layer", "dst_layer",
                      "copy_layer", "copy_grp"):
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute("DETACH DATABASE src")


class _Merge:
    """The steps of one merge, inside the output's write transaction, the source attached as ``src``."""

    def __init__(self, out: Store, source: str, within: ArticleRange) -> None:
        self.conn = out.db.conn
        self.counts = MergeCounts(source)
        self.first, self.last = within.bounds()

    def x(self, sql: str, params: tuple | dict = ()) -> int:
        """Run a statement; how many rows it changed."""
        return self.conn.execute(sql, params).rowcount

    def one(self, sql: str, params: tuple | dict = ()):
        return self.conn.execute(sql, params).fetchone()[0]

    def run(self) -> MergeCounts:
        self.labels()
        self.articles()
        self.suggestions()
        self.entities()
        self.layers()
        self.copy_layers()
        self.x("INSERT OR IGNORE INTO main.sessions(annotator, state, updated_at) "
               "SELECT annotator, state, updated_at FROM src.sessions")
        self.dismissals()
        self.bump_sequences()
        return self.counts

    def dismissals(self) -> None:
        """The conflicts annotators dismissed; the key of an entity's names its (matched) entity."""
        self.x("INSERT OR IGNORE INTO main.dismissed_conflicts(annotator, kind, key, created_at) "
               "SELECT d.annotator, d.kind, CASE WHEN me.dst IS NULL THEN d.key ELSE d.kind || ':' || me.dst "
               "END, d.created_at FROM src.dismissed_conflicts d LEFT JOIN m_entity me "
               "ON d.kind IN ('entity', 'decision') AND me.src = CAST(substr(d.key, instr(d.key, ':') + 1) "
               "AS INTEGER) WHERE d.kind NOT IN ('entity', 'decision') OR me.dst IS NOT NULL ORDER BY d.id")

    def labels(self) -> None:
        self.x("INSERT INTO main.labels(name, position) SELECT s.name, "
               "(SELECT COALESCE(max(position), -1) FROM main.labels) "
               "+ row_number() OVER (ORDER BY s.position) "
               "FROM src.labels s WHERE s.name NOT IN (SELECT name FROM main.labels) ORDER BY s.position")

    def articles(self) -> None:
        """The source's articles (within the range) added or matched; every other step reaches the
        source's articles through ``m_article``, so the range holds for all that belongs to them."""
        within = {"first": self.first, "last": self.last}
        self.counts.articles_added = self.x(
            "INSERT INTO main.articles(hash, title, text, lang, source, meta, length, created_at) "
            "SELECT hash, title, text, lang, source, meta, length, created_at FROM src.articles s "
            "WHERE s.id BETWEEN :first AND :last "
            "AND NOT EXISTS (SELECT 1 FROM main.articles a WHERE a.hash = s.hash) ORDER BY s.id", within)
        self.x("CREATE TEMP TABLE m_article(src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        mapped = self.x("INSERT INTO m_article SELECT s.id, a.id FROM src.articles s "
                        "JOIN main.articles a ON a.hash = s.hash WHERE s.id BETWEEN :first AND :last", within)
        self.counts.articles_matched = mapped - self.counts.articles_added
        self.x("INSERT OR IGNORE INTO main.preannotated(article_id, pipeline, ts) "
               "SELECT m.dst, p.pipeline, p.ts FROM src.preannotated p "
               "JOIN m_article m ON m.src = p.article_id")

    def suggestions(self) -> None:
        self.counts.suggestions_added = self.x(
            "INSERT INTO main.suggestions(article_id, start, end, label, origin, "
            "source, folded, created_at, annotator, superseded_at) "
            "SELECT m.dst, g.start, g.end, g.label, g.origin, g.source, g.folded, g.created_at, g.annotator, "
            "g.superseded_at "
            "FROM src.suggestions g JOIN m_article m ON m.src = g.article_id WHERE NOT EXISTS (SELECT 1 "
            "FROM main.suggestions d WHERE d.article_id = m.dst AND d.start = g.start AND d.end = g.end "
            "AND d.label = g.label AND d.origin = g.origin AND d.annotator = g.annotator) ORDER BY g.id")
        self.x("CREATE TEMP TABLE m_sugg(src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        self.x("INSERT INTO m_sugg SELECT g.id, d.id FROM src.suggestions g JOIN m_article m "
               "ON m.src = g.article_id JOIN main.suggestions d ON d.article_id = m.dst "
               "AND d.start = g.start "
               "AND d.end = g.end AND d.label = g.label AND d.origin = g.origin "
               "AND d.annotator = g.annotator")

    def offset(self, table: str) -> int:
        """An id past every id the output has used for ``table`` (rows, log, sequence)."""
        return self.one(
            f"SELECT max(COALESCE((SELECT seq FROM main.sqlite_sequence WHERE name = ?), 0), "
            f"COALESCE((SELECT max(id) FROM main.{table}), 0), "
            "COALESCE((SELECT max(row_id) FROM main.events WHERE tbl = ?), 0))", (table, table))

    def entities(self) -> None:
        """Map every entity id the source uses (its rows and those its undo log refers to)."""
        off = self.offsets = {table: self.offset(table) for table in _OFFSET_TABLES}
        self.x("CREATE TEMP TABLE m_entity(src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        self.x(
            "INSERT INTO m_entity SELECT i.id, COALESCE("
            " (SELECT d.id FROM main.entities d JOIN src.entities s ON s.id = i.id "
            "  WHERE s.kb_id IS NOT NULL AND d.kb_id = s.kb_id),"
            " (SELECT min(d.id) FROM main.entities d JOIN src.entities s ON s.id = i.id "
            "  WHERE s.kb_id IS NULL AND d.name = s.name AND d.label IS s.label),"
            " :off + i.id) FROM ("
            " SELECT id FROM src.entities UNION SELECT row_id FROM src.events WHERE tbl = 'entities'"
            " UNION SELECT json_extract(before, '$.entity_id') FROM src.events "
            "WHERE tbl IN ('spans', 'aliases')"
            " UNION SELECT json_extract(after, '$.entity_id') FROM src.events "
            "WHERE tbl IN ('spans', 'aliases')"
            ") i WHERE i.id IS NOT NULL", {"off": off["entities"]})
        self.counts.entities_added = self.x(
            "INSERT INTO main.entities(id, name, label, kb_id, created_at) SELECT m.dst, s.name, s.label, "
            "s.kb_id, s.created_at FROM src.entities s JOIN m_entity m ON m.src = s.id WHERE m.dst > ? "
            "ORDER BY s.id", (off["entities"],))
        self.x("INSERT OR IGNORE INTO main.aliases(entity_id, alias, folded) SELECT m.dst, a.alias, a.folded "
               "FROM src.aliases a JOIN m_entity m ON m.src = a.entity_id ORDER BY a.id")
        self.x("CREATE TEMP TABLE m_alias(src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        self.x("INSERT INTO m_alias SELECT i.id, COALESCE((SELECT d.id FROM src.aliases a "
               "JOIN m_entity m ON m.src = a.entity_id JOIN main.aliases d ON d.entity_id = m.dst "
               "AND d.folded = a.folded WHERE a.id = i.id), :off + i.id) FROM (SELECT id FROM src.aliases "
               "UNION SELECT row_id FROM src.events WHERE tbl = 'aliases') i", {"off": off["aliases"]})

    def layers(self) -> None:
        """Which source layers to copy: those the output lacks, and those :func:`compare_layers`
        finds to be a continuation of the output's (whose rows are removed first)."""
        self.x("CREATE TEMP TABLE src_layer(article_src INTEGER, article INTEGER, annotator TEXT, "
               "PRIMARY KEY (article_src, annotator)) WITHOUT ROWID")
        self.x("INSERT OR IGNORE INTO src_layer SELECT m.src, m.dst, x.annotator FROM ("
               " SELECT article_id, annotator FROM src.spans UNION SELECT article_id, annotator FROM src.tags"
               " UNION SELECT article_id, annotator FROM src.article_status"
               " UNION SELECT article_id, annotator FROM src.events WHERE article_id IS NOT NULL"
               ") x JOIN m_article m ON m.src = x.article_id")
        self.x("CREATE TEMP TABLE dst_layer(article INTEGER, annotator TEXT, "
               "PRIMARY KEY (article, annotator)) "
               "WITHOUT ROWID")
        among = "article_id IN (SELECT article FROM src_layer)"
        self.x("INSERT OR IGNORE INTO dst_layer "
               f"SELECT article_id, annotator FROM main.spans WHERE {among} "
               f"UNION SELECT article_id, annotator FROM main.tags WHERE {among} "
               f"UNION SELECT article_id, annotator FROM main.article_status WHERE {among} "
               f"UNION SELECT article_id, annotator FROM main.events WHERE {among}")
        self.x("CREATE TEMP TABLE copy_layer(article_src INTEGER, article INTEGER, annotator TEXT, "
               "PRIMARY KEY (article_src, annotator)) WITHOUT ROWID")
        self.counts.layers_copied = self.x(
            "INSERT INTO copy_layer SELECT s.* FROM src_layer s WHERE NOT EXISTS "
            "(SELECT 1 FROM dst_layer d WHERE d.article = s.article AND d.annotator = s.annotator)")
        both = self.conn.execute("SELECT s.article_src, s.article, s.annotator FROM src_layer s "
                                 "JOIN dst_layer d "
                                 "ON d.article = s.article AND d.annotator = s.annotator").fetchall()
        if both:
            self.settle(both)

    def settle(self, both: list[tuple[int, int, str]]) -> None:
        for (article_src, article, annotator), choice in compare_layers(self.conn, both).items():
            if choice.kind == "same":
                self.counts.layers_same += 1
            elif choice.kind == "older":
                self.counts.layers_older += 1
            elif choice.kind == "update":
                self.counts.layers_updated += 1
                self.remove_layer(article, annotator)
                self.x("INSERT INTO copy_layer VALUES (?, ?, ?)", (article_src, article, annotator))
            else:
                self.conflict(article, annotator, choice)

    def conflict(self, article: int, annotator: str, choice: LayerChoice) -> None:
        title, hash_ = self.conn.execute("SELECT title, hash FROM main.articles WHERE id = ?",
                                         (article,)).fetchone()
        self.counts.conflicts.append(Conflict(annotator, article, title, hash_, choice.detail))

    def remove_layer(self, article: int, annotator: str) -> None:
        """The output's earlier state of a layer the source continues (rows and log)."""
        self.x("DELETE FROM main.events WHERE article_id IS NULL AND grp IN "  # labels it added
               "(SELECT grp FROM main.events WHERE article_id = ? AND annotator = ?)", (article, annotator))
        for table in ("tags", "undecided_at_done", "spans", "article_status", "events"):
            self.x(f"DELETE FROM main.{table} WHERE article_id = ? AND annotator = ?", (article, annotator))

    def copy_layers(self) -> None:
        """The chosen layers' rows and the decisions (event groups) that lie wholly within them."""
        off = self.offsets
        layer = "JOIN copy_layer c ON c.article_src = {t}.article_id AND c.annotator = {t}.annotator"
        self.x("INSERT INTO main.spans(id, article_id, annotator, start, end, label, status, origin, source, "
               "suggestion_id, entity_id, folded, created_at, updated_at) "
               "SELECT :off + s.id, c.article, s.annotator, s.start, s.end, s.label, s.status, "
               "s.origin, s.source, ms.dst, me.dst, s.folded, s.created_at, "
               f"s.updated_at FROM src.spans s {layer.format(t='s')} LEFT JOIN m_sugg ms ON ms.src = "
               "s.suggestion_id LEFT JOIN m_entity me ON me.src = s.entity_id ORDER BY s.id",
               {"off": off["spans"]})
        self.x("INSERT INTO main.tags(id, article_id, span_id, suggestion_id, annotator, tag, created_at) "
               "SELECT :off + t.id, c.article, :spans + t.span_id, ms.dst, t.annotator, t.tag, t.created_at "
               f"FROM src.tags t {layer.format(t='t')} LEFT JOIN m_sugg ms ON ms.src = t.suggestion_id "
               "ORDER BY t.id", {"off": off["tags"], "spans": off["spans"]})
        self.x("INSERT INTO main.article_status(id, article_id, annotator, status, updated_at) "
               f"SELECT :off + a.id, c.article, a.annotator, a.status, a.updated_at "
               f"FROM src.article_status a "
               f"{layer.format(t='a')} ORDER BY a.id", {"off": off["article_status"]})
        self.x("INSERT INTO main.undecided_at_done(id, article_id, annotator, suggestion_id) "
               "SELECT :off + u.id, c.article, u.annotator, ms.dst FROM src.undecided_at_done u "
               f"{layer.format(t='u')} JOIN m_sugg ms ON ms.src = u.suggestion_id ORDER BY u.id",
               {"off": off["undecided_at_done"]})
        self.x("CREATE TEMP TABLE copy_grp(grp INTEGER PRIMARY KEY)")
        self.x(f"INSERT INTO copy_grp SELECT e.grp FROM src.events e {layer.format(t='e')} "
               "EXCEPT SELECT e.grp FROM src.events e WHERE e.article_id IS NOT NULL AND NOT EXISTS "
               "(SELECT 1 FROM copy_layer c WHERE c.article_src = e.article_id "
               "AND c.annotator = e.annotator)")
        self.counts.events_left_out = self.one(
            f"SELECT count(*) FROM src.events e {layer.format(t='e')} "
            "WHERE e.grp NOT IN (SELECT grp FROM copy_grp)")
        grp = self.one("SELECT COALESCE(max(grp), 0) FROM main.events")
        self.counts.events_copied = self.x(
            "INSERT INTO main.events(ts, annotator, action, article_id, grp, tbl, row_id, "
            "before, after, state) "
            f"SELECT e.ts, e.annotator, e.action, ma.dst, :grp + e.grp, e.tbl, {_moved_id('e.row_id')}, "
            f"{_moved_image('e.before')}, {_moved_image('e.after')}, e.state FROM src.events e "
            "JOIN copy_grp g ON g.grp = e.grp LEFT JOIN m_article ma ON ma.src = e.article_id ORDER BY e.id",
            {"grp": grp, **{f"off_{t}": v for t, v in off.items()}})

    def bump_sequences(self) -> None:
        """Ids handed out from now on stay past every id copied, including those only the log holds."""
        for table in _OFFSET_TABLES:
            top = self.offset(table)
            if self.x("UPDATE main.sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
                      (top, table, top)):
                continue
            if top and not self.one("SELECT count(*) FROM main.sqlite_sequence WHERE name = ?", (table,)):
                self.x("INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)", (table, top))


def _moved_id(value: str, table: str = "e.tbl") -> str:
    """SQL: where a row id of the source's log lands in the output, by table."""
    return (f"CASE {table} WHEN 'spans' THEN :off_spans + {value} WHEN 'tags' THEN :off_tags + {value} "
            f"WHEN 'article_status' THEN :off_article_status + {value} "
            f"WHEN 'undecided_at_done' THEN :off_undecided_at_done + {value} "
            f"WHEN 'entities' THEN (SELECT dst FROM m_entity WHERE src = {value}) "
            f"WHEN 'aliases' THEN (SELECT dst FROM m_alias WHERE src = {value}) ELSE {value} END")


def _moved_image(column: str) -> str:
    """SQL: a before/after image with every id in it moved as its row was (keys it lacks stay absent)."""
    def field(key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    return (f"CASE WHEN {column} IS NULL THEN NULL ELSE json_replace({column}, "
            f"'$.id', {_moved_id(field('id'))}, "
            f"'$.article_id', (SELECT dst FROM m_article WHERE src = {field('article_id')}), "
            f"'$.suggestion_id', (SELECT dst FROM m_sugg WHERE src = {field('suggestion_id')}), "
            f"'$.entity_id', (SELECT dst FROM m_entity WHERE src = {field('entity_id')}), "
            f"'$.span_id', :off_spans + {field('span_id')}) END")
