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
and not).
Rows whose folded form is still NULL (a tool that does not know the column) put their article
among the touched ones, where the folded form is computed as the reads do elsewhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .forms import folded_expr
from .sql_values import REJECTED
from .undecided import UNDECIDED_SQL

# The articles where the rule must run: the annotator's spans and statuses, and unfolded rows.
TOUCHED = ("SELECT article_id FROM spans WHERE annotator = :annotator UNION "
           "SELECT article_id FROM article_status WHERE annotator = :annotator UNION "
           "SELECT article_id FROM suggestions WHERE folded IS NULL")
_SHOWN_EVERYWHERE = "annotator IN ('', :annotator)"  # shown in an article the annotator never touched
# Every label a suggestion or span carries, one index seek each (a skip-scan: no full read).
_SUGGESTION_LABELS = ("WITH RECURSIVE l(x) AS (SELECT min(label) FROM suggestions UNION ALL "
                      "SELECT (SELECT min(label) FROM suggestions WHERE label > l.x) FROM l "
                      "WHERE l.x IS NOT NULL) "
                      "SELECT x FROM l WHERE x IS NOT NULL")


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


def view_form_counts(conn: sqlite3.Connection, annotator: str) -> list[FormCount]:
    """Every folded form of ``annotator``'s view with its label counts and articles, by form."""
    labels = sorted({r[0] for r in conn.execute(_SUGGESTION_LABELS)}
                    | {r[0] for r in conn.execute("SELECT DISTINCT label FROM spans WHERE annotator = ?",
                                                  (annotator,))})
    if not labels:
        return []
    params: dict[str, object] = {"annotator": annotator, **{f"l{i}": lab for i, lab in enumerate(labels)}}
    columns = "count(DISTINCT article_id), " + ", ".join(f"sum(label = :l{i})" for i in range(len(labels)))
    formed = "folded IS NOT NULL AND folded != ''"
    # One mention per place and label, as the reader shows it (several origins suggesting the same
    # place count once): DISTINCT rows, in the order of the suggestions_folded index.
    shown = ("SELECT DISTINCT folded, article_id, start, end, label FROM suggestions "
             f"WHERE {formed} AND {_SHOWN_EVERYWHERE}")
    everywhere = f"SELECT folded, {columns} FROM ({shown}) GROUP BY folded"
    in_touched = (  # by article (the table's unique index), not a walk of the whole folded index
        f"WITH touched AS MATERIALIZED ({TOUCHED}) SELECT folded, {columns} FROM ("
        "SELECT DISTINCT g.folded, g.article_id, g.start, g.end, g.label FROM touched t "
        f"CROSS JOIN suggestions g ON g.article_id = t.article_id "
        f"WHERE g.folded IS NOT NULL AND g.folded != '' AND g.{_SHOWN_EVERYWHERE}) GROUP BY folded")
    view_touched = (
        f"WITH touched AS MATERIALIZED ({TOUCHED}) SELECT folded, {columns} FROM (SELECT DISTINCT * FROM ("
        f"SELECT {folded_expr('g')} AS folded, g.article_id, g.start, g.end, g.label FROM touched t "
        f"CROSS JOIN suggestions g ON g.article_id = t.article_id WHERE {UNDECIDED_SQL} UNION ALL "
        f"SELECT {folded_expr('p')}, p.article_id, p.start, p.end, p.label FROM spans p "
        f"WHERE p.annotator = :annotator AND p.status != {REJECTED}) WHERE {formed}) GROUP BY folded")
    totals: dict[str, list[int]] = {}
    for sql, sign in ((everywhere, 1), (in_touched, -1), (view_touched, 1)):
        for folded, *counts in conn.execute(sql, params).fetchall():
            into = totals.setdefault(folded, [0] * len(counts))
            for i, n in enumerate(counts):
                into[i] += sign * n
    out = []
    for folded, (articles, *per_label) in sorted(totals.items()):
        if articles > 0:
            out.append(FormCount(folded, {lab: n for lab, n in zip(labels, per_label, strict=True) if n > 0},
                                 articles))
    return out
