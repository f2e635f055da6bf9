"""``parallax stats``: corpus numbers as plain tables, or JSON with ``--json``."""

from __future__ import annotations

import json

import click

from ..store import StoreError
from ..text import display_safe
from .common import db_option, fail, open_store


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as one JSON object.")
@db_option
def stats_cmd(as_json: bool, db_path: str | None) -> None:
    """Show articles by language, spans by label, status and origin, progress per
    annotator, and how good the suggestions are.

    \b
    Suggestion quality: for articles marked done that have suggestions, gold
    is the accepted and corrected spans of the article's gold layer (the
    export's merge rule: the annotator who marked it done last); predicted is
    the suggestions, per origin (model, rules, memory) and overall (all
    origins, duplicates once), leaving out those the gold layer left
    undecided (the export writes them as unknown). A suggestion is correct
    when a gold span has the same start, end and label. Precision = correct /
    suggested, recall = correct / gold, F1 their harmonic mean; "-" where
    nothing was counted.

    \b
    The database is opened read-only: stats never creates or changes it. A
    damaged database is refused with one line naming it (every page is read
    before any number is shown).
    """
    from ..stats import compute_stats

    store = open_store(db_path, readonly=True)
    try:
        with store.reading():  # a damaged page: one line naming the file, not a traceback
            # Numbers from a damaged file could silently lack what a damaged page held: every page
            # is read (on another connection, while the numbers are counted) before any is shown.
            stats = store.sound_while(lambda: compute_stats(store))
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        click.echo(render(stats))


def render(stats: dict) -> str:
    """The human-readable report: one small table per topic."""
    a, sp, sg = stats["articles"], stats["spans"], stats["suggestions"]
    gold, q = stats["gold"], stats["quality"]
    out = [f"Articles: {a['total']}  (gold: {gold['articles']} articles, {gold['spans']} spans)"]
    if gold["undecided"]:
        out.append(f"Undecided suggestions in done articles: {gold['undecided']} in "
                   f"{gold['undecided_articles']} articles (exported as unknown, not as \"not an entity\")")
    out.append("")
    out += table(["language", "articles"], [[lang, n] for lang, n in a["by_lang"].items()])
    statuses = ["accepted", "corrected", "rejected"]
    out += ["", f"Decisions: {sp['total']} spans (all annotators)"]
    out += table(["label", *statuses, "gold", "suggested"],
                 [[label, *(counts.get(s, 0) for s in statuses), gold["by_label"].get(label, 0),
                   sg["by_label"].get(label, 0)]
                  for label, counts in _merged_labels(sp, sg, gold).items()])
    out += [""] + table(["origin", *statuses, "suggestions"],
                        [[origin, *(counts.get(s, 0) for s in statuses), sg["by_origin"].get(origin, "")]
                         for origin, counts in _merged_origins(sp, sg).items()])
    out += ["", f"Suggestions: {sg['total']}, undecided by everyone: {sg['undecided']}", "",
            "Progress per annotator"]
    out += table(["annotator", "done", "in progress", "rejected", "ignored", "of", "gold spans"],
                 [[p["annotator"], p["done"], p["in_progress"], p["rejected"], p["ignored"], p["total"],
                   p["spans"]] for p in stats["annotators"]])
    out += ["", f"Suggestion quality ({q['articles']} articles done with suggestions; "
                "exact start, end and label; "
                f"{q['undecided']} left undecided there are not counted)"]
    rows = [["overall", "all", *_prf(q["overall"])]]
    rows += [["overall", label, *_prf(m)] for label, m in q["overall"]["by_label"].items()]
    for origin, score in q["by_origin"].items():
        rows.append([origin, "all", *_prf(score)])
        rows += [[origin, label, *_prf(m)] for label, m in score["by_label"].items()]
    out += table(["origin", "label", "precision", "recall", "F1", "tp", "fp", "fn"], rows)
    if q.get("by_source"):
        out += ["", "Model suggestions by source (each on the done articles it suggested in; a model trained "
                    "here is `parallax en-N`)"]
        out += table(["source", "articles", "precision", "recall", "F1", "tp", "fp", "fn"],
                     [[source, s["articles"], *_prf(s)] for source, s in q["by_source"].items()])
    return "\n".join(out)


def table(headers: list[str], rows: list[list]) -> list[str]:
    """Left-aligned text columns (numbers right-aligned); every cell made terminal-safe."""
    if not rows:
        return ["  (none)"]
    cells = [[display_safe(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in rows) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(w) if numeric[i] and n else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                strict=True))]
        lines.append("  " + "  ".join(parts).rstrip())
    return lines


def _is_number(value) -> bool:
    return isinstance(value, int | float) or value in ("-", "") or str(value).endswith("%")


def _prf(m: dict) -> list:
    return [_pct(m["precision"]), _pct(m["recall"]), _pct(m["f1"]), m["tp"], m["fp"], m["fn"]]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _merged_labels(sp: dict, sg: dict, gold: dict) -> dict[str, dict]:
    labels = {**sp["by_label"]}
    for label in [*sg["by_label"], *gold["by_label"]]:
        labels.setdefault(label, {})
    return labels


def _merged_origins(sp: dict, sg: dict) -> dict[str, dict]:
    origins = {**sp["by_origin"]}
    for origin in sg["by_origin"]:
        origins.setdefault(origin, {})
    return origins
