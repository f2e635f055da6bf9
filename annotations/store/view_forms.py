"""Every folded form in an annotator's view, counted per label, without reading the view row by row.

The view (:func:`.entities.view_sql`) is the annotator's spans that are not rejected plus the
suggestions they left undecided (:mod:`.undecided`). Read as such, every one of a corpus's
suggestions costs the rule's lookups (a million suggestions: seconds). But in an article the
annotator never touched (no span, no status), the rule keeps every suggestion shown to them
(everyone's and their own memory's): so the view there is a plain count over the
``suggestions_folded`` index, and the rule runs only in the articles they touched::

    view = suggestions(every article) - suggestions(touched articles) + view(touched articles)

by form and label (one mention per place and label: the reader shows the suggestions of several
origins at one place once), and for the articles of a form too (the articles split in touched
and not). The suggestions are counted row by row, everywhere (a walk of the index, no sort)
and in the touched articles; in the others the rows that repeat a place (several origins, or
everyone's and the annotator's memory, at the same offsets and label) are taken off, found
among the rows that are not everyone's model suggestions (:data:`_REPEATS`, a walk of their
partial index). In the touched articles the view is the undecided suggestions plus the
annotator's spans, never at one place (a span decides the suggestions at its offsets): the
spans are counted apart, in the order of the ``spans_view`` index (no sort), with the spans
repeated at one place taken off (:data:`_SPAN_REPEATS`). Rows whose folded form is still NULL
(a tool that does not know the column) put their article among the touched ones, where the
folded form is computed as the reads do elsewhere.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .forms import folded_expr
from .sql_values import MODEL, REJECTED
from .undecided import UNDECIDED_AMONG_SQL

# The articles where the rule must run: the annotator's spans and statuses, and unfolded rows.
TOUCHED = ("SELECT article_id FROM spans WHERE annotator = :annotator UNION "
           "SELECT article_id FROM article_status WHERE annotator = :annotator UNION "
           "SELECT article_id FROM suggestions WHERE folded IS NULL")
# The articles a newer model re-suggested (their superseded suggestions are not shown there), by a
# partial index; those the annotator never touched are counted without the rule.
_SUPERSEDED = "SELECT article_id FROM suggestions WHERE superseded_at IS NOT NULL"
_APART = f"{TOUCHED} UNION {_SUPERSEDED}"  # where a plain count of the suggestions is not the view
_RESUGGESTED = (f"SELECT DISTINCT article_id FROM suggestions WHERE superseded_at IS NOT NULL "
                f"AND article_id NOT IN ({TOUCHED})")
# shown in an article the annotator never touched (two comparisons cost less than IN, per row)
def _shown_everywhere(g: str = "") -> str:
    return f"({g}annotator = '' OR {g}annotator = :annotator)"


_SHOWN_EVERYWHERE = _shown_everywhere()
_NOT_MODELS = f"(origin != {MODEL} OR annotator != '')"  # suggestions_repeated holds these rows
_FORMED = "folded IS NOT NULL AND folded != ''"
# Every label a suggestion or span carries, one index seek each (a skip-scan: no full read).
_SUGGESTION_LABELS = ("WITH RECURSIVE l(x) AS (SELECT min(label) FROM suggestions UNION ALL "
                      "SELECT (SELECT min(label) FROM suggestions WHERE label > l.x) FROM l "
                      "WHERE l.x IS NOT NULL) "
                      "SELECT x FROM l WHERE x IS NOT NULL")
# The rows beyond the first of each place (article, offsets, label) and folded form among the rows
# shown everywhere, in the articles the annotator never touched. Two rows at one place differ in
# origin or annotator (the unique key), so one of them is not everyone's model suggestion: the
# places come from those rows alone, a walk of their partial index (suggestions_repeated: empty
# where only models suggest).
_REPEATS = (
    "WITH twice AS MATERIALIZED (SELECT DISTINCT article_id, start, end, label FROM suggestions "
    "INDEXED BY suggestions_repeated "
    f"WHERE {_NOT_MODELS} AND {_SHOWN_EVERYWHERE} "
    f"AND article_id NOT IN ({_APART})) "
    "SELECT folded, label, sum(n - 1) FROM (SELECT g.folded, g.label, count(*) AS n FROM twice d "
    "CROSS JOIN suggestions g ON g.article_id = d.article_id AND g.start = d.start AND g.end = d.end "
    f"AND g.label = d.label WHERE {_shown_everywhere('g.')} AND g.folded IS NOT NULL AND g.folded != '' "
    "GROUP BY d.article_id, d.start, d.end, d.label, g.folded) WHERE n > 1 GROUP BY folded, label")
# The annotator's spans with a folded form, read in the spans_view index (not rejected, by form);
# "+annotator" keeps the column in the GROUP BY of _SPAN_REPEATS (a column equal to a value is left
# out of it, and the index's order, with the annotator second, would no longer match: a sort)
_SPANS = f"+annotator = :annotator AND status != {REJECTED} AND {_FORMED}"
# The spans beyond the first at one place (article, offsets, label) and form: one mention
_SPAN_REPEATS = ("SELECT folded, label, sum(n - 1) FROM (SELECT folded, label, count(*) AS n FROM spans "
                 "INDEXED BY spans_view "
                 f"WHERE {_SPANS} GROUP BY folded, annotator, article_id, start, end, label "
                 "HAVING count(*) > 1) GROUP BY folded, label")
# The articles of a list of forms where a suggestion shown everywhere has one (index seeks).
_FORMS_ARTICLES = ("SELECT count(DISTINCT article_id) FROM suggestions WHERE folded IN "
                   f"(SELECT value FROM json_each(:forms)) AND {_SHOWN_EVERYWHERE}")


@dataclass(frozen=True)
class FormCount:
    """A folded surface form in an annotator's view: its mentions per label, and in how many
    articles it occurs (whatever the label)."""

    folded: str
    labels: dict[str, int] = field(default_factory=dict)
    articles: int = 0

    @property
    def mentions(self) -> int:
        return sum(self.labels.values())


@dataclass
class ViewForms:
    """The forms of an annotator's view (:func:`read_view_forms`), and what counting the articles
    of several forms together takes (:meth:`articles`)."""

    conn: sqlite3.Connection
    annotator: str
    forms: list[FormCount]
    # form -> the touched articles where a suggestion shown everywhere has it / where the view has
    # it: the ids as SQLite listed them, one string per read (read into sets only when counted)
    touched_shown: dict[str, list[str]]
    touched_view: dict[str, list[str]]

    def articles(self, forms: list[str]) -> int | None:
        """In how many articles the view has one of ``forms`` (each counted once); None for a
        list this cannot count (an empty form: ask :meth:`.Entities.view_articles`)."""
        forms = sorted(set(forms))
        if not forms:
            return 0
        if "" in forms:
            return None
        everywhere = self.conn.execute(_FORMS_ARTICLES, {"annotator": self.annotator,
                                                         "forms": json.dumps(forms)}).fetchone()[0]
        shown = _ids(listed for f in forms for listed in self.touched_shown.get(f, ()))
        view = _ids(listed for f in forms for listed in self.touched_view.get(f, ()))
        return everywhere - len(shown) + len(view)


def _ids(lists: Iterable[str]) -> set[str]:
    """The article ids of group_concat lists, each once."""
    return set().union(*(listed.split(",") for listed in lists))


def _count(lists: list[str]) -> int:
    """How many articles the lists name together (one list names each of its articles once)."""
    return lists[0].count(",") + 1 if len(lists) == 1 else len(_ids(lists))


def view_form_counts(conn: sqlite3.Connection, annotator: str) -> list[FormCount]:
    """Every folded form of ``annotator``'s view with its label counts and articles, by form."""
    return read_view_forms(conn, annotator).forms


def read_view_forms(conn: sqlite3.Connection, annotator: str) -> ViewForms:
    """Every folded form of ``annotator``'s view with its label counts and articles, by form, and
    the touched articles of each form (what :meth:`ViewForms.articles` counts with)."""
    labels = sorted({r[0] for r in conn.execute(_SUGGESTION_LABELS)}
                    | {r[0] for r in conn.execute("SELECT DISTINCT label FROM spans WHERE annotator = ?",
                                                  (annotator,))})
    touched_shown: dict[str, list[str]] = {}
    touched_view: dict[str, list[str]] = {}
    if not labels:
        return ViewForms(conn, annotator, [], touched_shown, touched_view)
    params: dict[str, object] = {"annotator": annotator, **{f"l{i}": lab for i, lab in enumerate(labels)}}
    index = {lab: i for i, lab in enumerate(labels)}
    # one count per label: a filtered count costs less than a sum of comparisons, per row
    per_label = ", ".join(f"count(*) FILTER (WHERE label = :l{i})" for i in range(len(labels)))
    listed = "group_concat(DISTINCT article_id)"  # a form's touched articles, one string per form
    # Every row shown everywhere, by form, in the order of the suggestions_folded index (no sort)
    everywhere = (f"SELECT folded, count(DISTINCT article_id), {per_label} FROM suggestions "
                  f"WHERE {_FORMED} AND {_SHOWN_EVERYWHERE} GROUP BY folded")
    in_touched = (  # every row, by article (the table's unique index): the repeats are counted above
        f"WITH apart AS MATERIALIZED ({_APART}) SELECT g.folded, "
        f"group_concat(DISTINCT g.article_id), {per_label} FROM apart t "
        f"CROSS JOIN suggestions g ON g.article_id = t.article_id "
        f"WHERE g.folded IS NOT NULL AND g.folded != '' AND {_shown_everywhere('g.')} GROUP BY g.folded")
    view_touched = (  # the undecided suggestions (no span of the annotator at their offsets)
        f"WITH touched AS MATERIALIZED ({TOUCHED}) SELECT folded, {listed}, {per_label} FROM ("
        f"SELECT DISTINCT {folded_expr('g')} AS folded, g.article_id, g.start, g.end, g.label FROM touched t "
        f"CROSS JOIN suggestions g ON g.article_id = t.article_id WHERE {UNDECIDED_AMONG_SQL}) "
        f"WHERE {_FORMED} GROUP BY folded")
    # and the annotator's spans: by form in the order of the spans_view index, the repeats apart
    view_spans = (f"SELECT folded, {listed}, {per_label} FROM spans INDEXED BY spans_view WHERE {_SPANS} "
                  "GROUP BY folded")
    view_unfolded = (  # spans a tool wrote without their folded form (a place counted once)
        f"SELECT folded, {listed}, {per_label} FROM (SELECT DISTINCT {folded_expr('p')} AS folded, "
        f"p.article_id, p.start, p.end, p.label FROM spans p WHERE p.annotator = :annotator "
        f"AND p.status != {REJECTED} AND p.folded IS NULL) x WHERE {_FORMED} AND NOT EXISTS ("
        "SELECT 1 FROM spans q WHERE q.folded = x.folded AND q.annotator = :annotator "
        "AND q.article_id = x.article_id AND q.start = x.start AND q.end = x.end AND q.label = x.label "
        f"AND q.status != {REJECTED}) GROUP BY folded")
    view_resuggested = (  # nobody's decision there: the view is what is shown, the superseded not
        f"WITH resuggested AS MATERIALIZED ({_RESUGGESTED}) SELECT folded, {listed}, {per_label} FROM ("
        "SELECT DISTINCT g.folded, g.article_id, g.start, g.end, g.label FROM resuggested r "
        "CROSS JOIN suggestions g ON g.article_id = r.article_id WHERE g.folded IS NOT NULL "
        f"AND g.folded != '' AND {_shown_everywhere('g.')} AND g.superseded_at IS NULL) GROUP BY folded")
    totals: dict[str, list[int]] = {}
    for folded, *counts in conn.execute(everywhere, params).fetchall():
        totals[folded] = counts
    for folded, label, repeats in conn.execute(_REPEATS, params).fetchall():
        totals[folded][1 + index[label]] -= repeats
    for sql, sign, kept in ((in_touched, -1, touched_shown), (view_touched, 1, touched_view),
                            (view_spans, 1, touched_view), (view_unfolded, 1, touched_view),
                            (view_resuggested, 1, touched_view)):
        for folded, ids, *counts in conn.execute(sql, params).fetchall():
            kept.setdefault(folded, []).append(ids)
            into = totals.setdefault(folded, [0] * (1 + len(labels)))
            for i, n in enumerate(counts, 1):
                into[i] += sign * n
    for folded, label, repeats in conn.execute(_SPAN_REPEATS, params).fetchall():
        totals[folded][1 + index[label]] -= repeats
    out = []
    for folded, (articles, *per_form) in sorted(totals.items()):
        articles += _count(touched_view.get(folded, [])) - _count(touched_shown.get(folded, []))
        if articles > 0:
            out.append(FormCount(folded, {lab: n for lab, n in zip(labels, per_form, strict=True) if n > 0},
                                 articles))
    return ViewForms(conn, annotator, out, touched_shown, touched_view)
