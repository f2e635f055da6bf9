"""The text of ``parallax train``, ``train-curve`` and ``models``: per-label tables, stock vs new."""

from __future__ import annotations

from ..store import ModelRecord
from .stats import table


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _change(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return "-"
    return f"{new - old:+.2f}"


def label_rows(report: dict) -> list[list]:
    """label, dev entities, stock F1, [in use F1], new F1, change against the model in use."""
    scores = report.get("scores", {})
    new, stock = scores.get("new", {}), scores.get("stock", {})
    using = scores.get("in_use", stock)
    with_in_use = report.get("in_use") != report.get("stock")
    labels = list(dict.fromkeys([*new.get("by_label", {}), *stock.get("by_label", {}),
                                 *using.get("by_label", {})]))
    rows = []
    for label in labels:
        n = new.get("by_label", {}).get(label, {})
        s = stock.get("by_label", {}).get(label, {})
        u = using.get("by_label", {}).get(label, {})
        gold = n.get("gold", s.get("gold", 0))
        row = [label, gold, _f(s.get("f"))]
        if with_in_use:
            row.append(_f(u.get("f")))
        rows.append([*row, _f(n.get("f")), _change(n.get("f"), u.get("f"))])
    total = ["all", sum(r[1] for r in rows), _f(stock.get("f1"))]
    if with_in_use:
        total.append(_f(using.get("f1")))
    rows.append([*total, _f(new.get("f1")), _change(new.get("f1"), using.get("f1"))])
    return rows


def label_headers(report: dict) -> list[str]:
    heads = ["label", "dev entities", "stock F1"]
    if report.get("in_use") != report.get("stock"):
        heads.append("in use F1")
    return [*heads, "new F1", "change"]


def render_trained(report: dict) -> str:
    """What ``parallax train`` prints for one language."""
    out = [f"{report['name']}: fine-tuned {report['base']} on {report['train_articles']} article(s) in "
           f"{report['seconds']:.0f} s; scored on {report['dev_articles']} dev article(s)",
           f"{report['why']}", f"stock: {report['stock']}; in use before: {report['in_use']}", ""]
    out += table(label_headers(report), label_rows(report))
    if "resuggested" in report:
        out += ["", f"re-suggested {report['resuggested']} article(s) nobody has marked done "
                    f"with {report['name']}"]
    return "\n".join(out)


def render_curve(points: list[dict]) -> str:
    rows = [[p["lang"], f"{p['share']:.0%}", p["train_articles"], p["dev_articles"],
             _f(p["scores"]["new"]["f1"])] for p in points]
    return "\n".join(["Dev F1 by share of the gold (the same dev articles for every point)", *table(
        ["language", "share", "train articles", "dev articles", "dev F1"], rows)])


def render_models(records: list[ModelRecord], using: dict[str, str], missing: set[str]) -> str:
    if not records:
        return "No models yet: `parallax train` makes one from the articles marked done."
    rows = [[r.name, r.lang, r.base, r.report.get("train_articles", "-"), r.report.get("dev_articles", "-"),
             _f(r.f1), f"{_f(r.baseline_f1)} ({r.baseline})", _state(r, using, missing),
             r.created_at[:16].replace("T", " ")] for r in records]
    return "\n".join(table(["model", "lang", "base", "trained on", "dev", "dev F1", "before (model)",
                            "state", "created (UTC)"], rows))


def _state(record: ModelRecord, using: dict[str, str], missing: set[str]) -> str:
    if record.name in missing:
        return "folder missing"
    if using.get(record.lang) == record.name:
        return "in use"
    return "adopted before" if record.adopted else "kept"


def render_model(record: ModelRecord, in_use: bool) -> str:
    report = record.report
    state = "in use" if in_use else ("adopted earlier" if record.adopted else "kept, not used")
    out = [f"{record.name} ({state}): {record.path}, fine-tuned {record.base}",
           f"{report.get('why', '')}", ""]
    return "\n".join(out + table(label_headers(report), label_rows(report)))
