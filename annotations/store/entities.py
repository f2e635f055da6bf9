"""Entities across the corpus: who they are, where they are mentioned, and what looks like them.

The reads behind the entity panel, ``parallax entities`` and ``parallax conflicts``. A
*mention* of an entity is a span linked to it (any annotator, not rejected; two annotators'
spans at the same offsets are one mention). The *view* of an annotator is what the reader
shows them: their spans that are not rejected plus the suggestions they left undecided
(:mod:`.undecided`); look-alike and conflict searches run over it by folded form (:mod:`.forms`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .forms import folded_expr, forms_in, register_fold
from .sql_values import GOLD, REJECTED, SUGGESTED
from .undecided import UNDECIDED_SQL
from .view_forms import FormCount, ViewForms, read_view_forms, view_form_counts

if TYPE_CHECKING:
    from .connection import Connection


@dataclass(frozen=True)
class EntitySummary:
    """One entity with its aliases and its mentions per article: (article id, title, lang, count)."""

    id: int
    name: str
    label: str | None
    kb_id: str | None
    aliases: tuple[str, ...]
    mentions: int
    by_article: tuple[tuple[int, str, str, int], ...]


@dataclass(frozen=True)
class Mention:
    """One mention in an annotator's view: a span (``key`` ("span", id)) or an undecided
    suggestion (("suggestion", id)), with its text and article."""

    article_id: int
    start: int
    end: int
    label: str
    status: str
    entity_id: int | None
    key: tuple[str, int]
    text: str
    title: str
    lang: str


def view_sql(span_where: str = "", suggestion_where: str = "") -> str:
    """The annotator's (``:annotator``) view as rows (article_id, start, end, label, status,
    folded, entity_id, kind, id); extra conditions on spans ``p`` and suggestions ``g``."""
    return (f"SELECT p.article_id, p.start, p.end, p.label, p.status, {folded_expr('p')} AS folded, "
            "p.entity_id, 'span' AS kind, p.id FROM spans p WHERE p.annotator = :annotator "
            f"AND p.status != {REJECTED} {span_where} UNION ALL "
            f"SELECT g.article_id, g.start, g.end, g.label, {SUGGESTED}, {folded_expr('g')}, NULL, "
            f"'suggestion', g.id FROM suggestions g WHERE {UNDECIDED_SQL} {suggestion_where}")


class Entities:
    """Reads of entities and mentions; ``annotator`` is whose view a read means by default
    (the decisions on entities are :class:`.decisions.Decisions`')."""

    def __init__(self, cx: Connection, annotator: str) -> None:
        self.cx = cx
        self.annotator = annotator

    def _reads(self) -> None:
        register_fold(self.cx.conn)  # folded_expr may compute a form a tool left NULL

    def get(self, entity_id: int) -> dict | None:
        rows = self.cx.query("SELECT id, name, label, kb_id FROM entities WHERE id=?", (entity_id,))
        return rows[0] if rows else None

    def all(self) -> list[dict]:
        return self.cx.query("SELECT id, name, label, kb_id FROM entities ORDER BY name")

    def summaries(self, annotator: str | None = None) -> list[EntitySummary]:
        """Every entity, by name: aliases and mention counts per article (``annotator``: that
        annotator's spans only; default every annotator's)."""
        conn = self.cx.conn
        aliases: dict[int, list[str]] = {}
        for entity_id, alias in conn.execute("SELECT entity_id, alias FROM aliases ORDER BY entity_id, id"):
            aliases.setdefault(entity_id, []).append(alias)
        who = "AND s.annotator = ?" if annotator else ""
        counts: dict[int, list[tuple[int, int]]] = {}
        for entity_id, article_id, n in conn.execute(
                "SELECT entity_id, article_id, count(*) FROM (SELECT DISTINCT s.entity_id, s.article_id, "
                f"s.start, s.end FROM spans s WHERE s.entity_id IS NOT NULL AND s.status != {REJECTED} "
                f"{who}) "
                "GROUP BY entity_id, article_id ORDER BY entity_id, article_id",
                (annotator,) if annotator else ()).fetchall():
            counts.setdefault(entity_id, []).append((article_id, n))
        ids = sorted({a for rows in counts.values() for a, _ in rows})
        articles = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT id, title, lang FROM articles WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),)).fetchall()}
        out = []
        for entity_id, name, label, kb_id in conn.execute(
                "SELECT id, name, label, kb_id FROM entities ORDER BY name COLLATE NOCASE, id").fetchall():
            rows = counts.get(entity_id, [])
            by_article = tuple((a, *articles.get(a, ("", "")), n) for a, n in rows)
            out.append(EntitySummary(entity_id, name, label, kb_id, tuple(aliases.get(entity_id, ())),
                                     sum(n for _, n in rows), by_article))
        return out

    def linked_surfaces(self) -> list[tuple[int, str, int]]:
        """(entity id, surface text, mentions) of every linked mention, any annotator, by text as
        written: what a knowledge base's aliases are made of."""
        return self.cx.conn.execute(
            "SELECT s.entity_id, substr(a.text, s.start + 1, s.end - s.start), count(*) FROM (SELECT "
            "DISTINCT entity_id, article_id, start, end FROM spans WHERE entity_id IS NOT NULL "
            f"AND status != {REJECTED}) s "
            "JOIN articles a ON a.id = s.article_id GROUP BY 1, 2 ORDER BY 1, 2").fetchall()

    def mentions(self, entity_id: int) -> list[tuple[int, int, int]]:
        """(article id, start, end) of every mention of the entity, in article and text order."""
        return self.cx.conn.execute(
            f"SELECT DISTINCT article_id, start, end FROM spans WHERE entity_id=? AND status != {REJECTED} "
            "ORDER BY article_id, start, end", (entity_id,)).fetchall()

    def alias_forms(self, entity_id: int) -> list[str]:
        """The folded forms of the entity's aliases (its other spellings)."""
        return [r[0] for r in self.cx.conn.execute(
            "SELECT folded FROM aliases WHERE entity_id=? ORDER BY id", (entity_id,))]

    def aliased_forms(self) -> set[str]:
        """The folded forms linked to an entity already (its aliases: a link adds its form)."""
        return {r[0] for r in self.cx.conn.execute("SELECT DISTINCT folded FROM aliases")}

    def view_forms(self, annotator: str | None = None) -> list[FormCount]:
        """Every folded form in the annotator's view: mentions per label, and its articles
        (:mod:`.view_forms`, which reads the rule only where the annotator worked)."""
        self._reads()
        return view_form_counts(self.cx.conn, annotator or self.annotator)

    def view_forms_read(self, annotator: str | None = None) -> ViewForms:
        """:meth:`view_forms` with what counting the articles of several forms together takes
        (:meth:`.view_forms.ViewForms.articles`: the names conflicts)."""
        self._reads()
        return read_view_forms(self.cx.conn, annotator or self.annotator)

    def view_articles(self, forms: Iterable[str], annotator: str | None = None) -> int:
        """In how many articles the annotator's view has one of ``forms`` (each counted once)."""
        self._reads()
        forms = sorted(set(forms))
        if not forms:
            return 0
        view = view_sql(f"AND {forms_in('p')}", f"AND {forms_in('g')}")
        return self.cx.conn.execute(
            f"SELECT count(DISTINCT article_id) FROM ({view})",
            {"annotator": annotator or self.annotator, "forms": json.dumps(forms)}).fetchone()[0]

    def mentions_of_forms(self, forms: Iterable[str], annotator: str | None = None, *,
                          unlinked: bool = False, limit: int = 500) -> list[Mention]:
        """The mentions in the annotator's view whose folded form is one of ``forms`` (with
        ``unlinked``: not linked to any entity), in article and text order; one per offsets and
        label (several origins suggesting the same show once)."""
        self._reads()
        forms = sorted(set(forms))
        if not forms:
            return []
        cond_p = f"AND {forms_in('p')}" + (" AND p.entity_id IS NULL" if unlinked else "")
        cond_g = f"AND {forms_in('g')}"
        rows = self.cx.conn.execute(
            f"SELECT m.article_id, m.start, m.end, m.label, m.status, m.entity_id, m.kind, m.id, "
            "substr(a.text, m.start + 1, m.end - m.start), a.title, a.lang "
            f"FROM ({view_sql(cond_p, cond_g)}) m JOIN articles a ON a.id = m.article_id "
            "ORDER BY m.article_id, m.start, m.end, m.kind, m.id LIMIT :limit",
            {"annotator": annotator or self.annotator, "forms": json.dumps(forms),
             "limit": limit * 3}).fetchall()
        out: list[Mention] = []
        seen: set[tuple[int, int, int, str]] = set()
        for article_id, start, end, label, status, entity_id, kind, ident, text, title, lang in rows:
            if (article_id, start, end, label) in seen:
                continue
            seen.add((article_id, start, end, label))
            out.append(Mention(article_id, start, end, label, status, entity_id, (kind, ident), text, title,
                               lang))
        return out[:limit]

    def form_sample(self, folded: str) -> str:
        """A surface text of a folded form as it appears in an article (for display)."""
        row = self.cx.conn.execute(
            "SELECT substr(a.text, s.start + 1, s.end - s.start) FROM suggestions s JOIN articles a "
            "ON a.id = s.article_id WHERE s.folded = ? UNION ALL SELECT substr(a.text, s.start + 1, "
            "s.end - s.start) FROM spans s JOIN articles a ON a.id = s.article_id WHERE s.folded = ? LIMIT 1",
            (folded, folded)).fetchone()
        return " ".join(row[0].split()) if row else folded

    def dismissed_conflicts(self, annotator: str | None = None) -> set[tuple[str, str]]:
        """(kind, key) of the conflicts the annotator dismissed."""
        return set(self.cx.conn.execute("SELECT kind, key FROM dismissed_conflicts WHERE annotator=?",
                                        (annotator or self.annotator,)).fetchall())

    # -- the reads behind the conflicts ---------------------------------------------------------

    def linked_forms(self, annotator: str | None = None) -> list[tuple[str, int, int]]:
        """(folded, entity id, mentions) of the annotator's linked spans that are not rejected."""
        self._reads()
        return self.cx.conn.execute(
            f"SELECT folded, entity_id, count(*) FROM (SELECT {folded_expr('p')} AS folded, p.entity_id "
            f"FROM spans p WHERE p.annotator = ? AND p.entity_id IS NOT NULL AND p.status != {REJECTED}) "
            "WHERE folded IS NOT NULL AND folded != '' GROUP BY folded, entity_id",
            (annotator or self.annotator,)).fetchall()

    def alias_forms_by_entity(self) -> dict[int, list[str]]:
        """entity id -> the folded forms of its aliases, for every entity (one read)."""
        out: dict[int, list[str]] = {}
        for entity_id, folded in self.cx.conn.execute("SELECT entity_id, folded FROM aliases ORDER BY id"):
            out.setdefault(entity_id, []).append(folded)
        return out

    def linked_label_counts(self, annotator: str | None = None) -> list[tuple[int, str, int, int]]:
        """(entity id, label, mentions, of them decided) of the annotator's linked spans."""
        return self.cx.conn.execute(
            f"SELECT entity_id, label, count(*), sum(status IN {GOLD}) FROM spans "
            f"WHERE annotator = ? AND entity_id IS NOT NULL AND status != {REJECTED} "
            "GROUP BY entity_id, label ORDER BY entity_id, label", (annotator or self.annotator,)).fetchall()

    def mentions_linked(self, entity_id: int, annotator: str | None = None, *,
                        limit: int = 500) -> list[Mention]:
        """The annotator's spans linked to the entity, in article and text order."""
        rows = self.cx.conn.execute(
            "SELECT s.article_id, s.start, s.end, s.label, s.status, s.entity_id, s.id, "
            "substr(a.text, s.start + 1, s.end - s.start), a.title, a.lang FROM spans s JOIN articles a "
            f"ON a.id = s.article_id WHERE s.entity_id = ? AND s.annotator = ? AND s.status != {REJECTED} "
            "ORDER BY s.article_id, s.start LIMIT ?",
            (entity_id, annotator or self.annotator, limit)).fetchall()
        return [Mention(r[0], r[1], r[2], r[3], r[4], r[5], ("span", r[6]), r[7], r[8], r[9]) for r in rows]
