"""The agreement report as text lines: the CLI prints them and the app's agreement view shows them."""

from __future__ import annotations

from ..text import display_safe

DEFINITIONS = [
    "exact: same start, end and label; overlap: same label and a character in common, paired one to one.",
    "P and R are the second annotator's spans against the first's; F1 = 2 x matched / (spans A + spans B).",
    "kappa: Cohen's, over spaCy tokens (IOB2 tags as the CoNLL export writes them; unknown tokens left out).",
]


def render_agreement(report: dict) -> list[str]:
    """Every figure with what it rests on, one table per pair of annotators."""
    label = f" (label {report['label']} only)" if report["label"] else ""
    out = [f"Agreement between {', '.join(report['annotators'])}{label}", *DEFINITIONS]
    for pair in report["pairs"]:
        a, b = pair["a"], pair["b"]
        kappa = pair["kappa"]
        out += ["", f"{a} vs {b}: {pair['articles']} article(s) both marked done",
                f"  Cohen's kappa {_num(kappa['kappa'])} over {kappa['tokens']} tokens "
                f"(observed {_num(kappa['observed'])}, by chance {_num(kappa['expected'])})"]
        rows = [["overall", pair["exact"]["overall"], pair["overlap"]["overall"]]]
        rows += [[name, pair["exact"]["labels"][name], pair["overlap"]["labels"][name]]
                 for name in pair["exact"]["labels"]]
        out += _table(["label", f"spans {a}", f"spans {b}", "exact", "P", "R", "F1",
                       "overlap", "P", "R", "F1"],
                      [[name, e["spans_a"], e["spans_b"], e["matched"], _num(e["precision"]),
                        _num(e["recall"]), _num(e["f1"]), o["matched"], _num(o["precision"]),
                        _num(o["recall"]), _num(o["f1"])] for name, e, o in rows])
    if report["alpha"] is not None:
        alpha = report["alpha"]
        out += ["", f"Krippendorff's alpha (nominal, {len(report['annotators'])} annotators): "
                    f"{_num(alpha['alpha'])} over {alpha['tokens']} tokens of {alpha['articles']} article(s) "
                    f"that two or more finished ({alpha['values']} tags)"]
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    cells = [[display_safe(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return ["  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                             enumerate(zip(row, widths, strict=True))).rstrip() for row in cells]
