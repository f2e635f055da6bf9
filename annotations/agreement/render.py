"""The agreement report as text lines: the CLI prints them and the app's agreement view shows them."""

from __future__ import annotations

from ..text import display_safe

DEFINITIONS = [
    "exact: same start, end and label. overlap: same label and a character in",
    "common, paired one to one. P and R: the second annotator's spans against the",
    "first's; F1 = 2 x match / (spans of both). kappa: Cohen's, over spaCy tokens",
    "(IOB2 tags as the CoNLL export writes them; unknown tokens left out).",
]


def render_agreement(report: dict) -> list[str]:
    """Every figure with what it rests on, two small tables per pair (fits 80 columns)."""
    label = f" (label {report['label']} only)" if report["label"] else ""
    out = [f"Agreement between {', '.join(report['annotators'])}{label}", *DEFINITIONS]
    for pair in report["pairs"]:
        a, b = pair["a"], pair["b"]
        kappa = pair["kappa"]
        out += ["", f"{a} vs {b}: {pair['articles']} article(s) both marked done",
                f"  Cohen's kappa {_num(kappa['kappa'])} over {kappa['tokens']} tokens "
                f"(observed {_num(kappa['observed'])}, by chance {_num(kappa['expected'])})"]
        for how in ("exact", "overlap"):
            scores = pair[how]
            rows = [("overall", scores["overall"]), *scores["labels"].items()]
            out += _table([how, a, b, "match", "P", "R", "F1"],
                          [[name, s["spans_a"], s["spans_b"], s["matched"], _num(s["precision"]),
                            _num(s["recall"]), _num(s["f1"])] for name, s in rows])
    if report["alpha"] is not None:
        alpha = report["alpha"]
        out += ["", f"Krippendorff's alpha (nominal, {len(report['annotators'])} annotators): "
                    f"{_num(alpha['alpha'])}",
                f"  over {alpha['tokens']} tokens ({alpha['values']} tags) of {alpha['articles']} "
                "article(s) two or more of them finished"]
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    cells = [[display_safe(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return ["  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                             enumerate(zip(row, widths, strict=True))).rstrip() for row in cells]
