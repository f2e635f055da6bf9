"""The benchmark report's arithmetic and its gate: one ratio formula, and a run that fails when it should.

Fast: no figure is measured; fake figure modules stand in for the real ones.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (tests/bench is not a package)
from common import Figure, Row, Target, fmt, gross_regressions  # noqa: E402
from report import render  # noqa: E402


def _number(cell: str) -> float:
    return float(re.match(r"[\d,.]+", cell).group().replace(",", ""))


def _report(figures, quick=False, failures=None) -> str:
    from datetime import UTC, datetime

    return render(figures, quick=quick, started=datetime.now(UTC), seconds=1, load_before="0",
                  load_after="0", command="run.py", failures=failures)


def test_the_ratio_is_ours_divided_by_the_comparison_shown():
    row = Row("DocBin export", 291.0, 361.0, "articles/s", [Target("ratio", ">=", 0.8)], against="bare")
    assert row.ratio == pytest.approx(291 / 361)
    with pytest.raises(TypeError):
        Row("export", 291.0, 361.0, ratio=0.865)  # no statistic of its own in the Ratio column
    scaling = Row("scaling", 1.46, 1.0, "s", kind="scaling")
    text = _report([Figure("export", "Export", "setup", [row, scaling])])
    table = [line for line in text.splitlines() if line.startswith("| DocBin export")]
    assert table, text
    _, ours, base, ratio, *_ = [c.strip() for c in table[0].split("|")[1:-1]]
    assert ratio == "0.806 (overhead)"
    assert _number(ratio) == pytest.approx(_number(ours) / _number(base), rel=0.005)
    assert "| 1.46 (scaling) |" in text and "**scaling ratio**" in text


def test_a_row_twice_past_a_ceiling_or_under_half_a_floor_is_a_gross_regression():
    ceiling, floor = Target("ratio", "<=", 2), Target("ratio", ">=", 0.8)

    def row(ratio, target):
        return Row("m", ratio, 1.0, targets=[target])

    assert ceiling.grossly_missed(row(4.1, ceiling)) and not ceiling.grossly_missed(row(3.9, ceiling))
    assert row(3.9, ceiling).met() is False  # missed, reported, but not gross
    assert floor.grossly_missed(row(0.39, floor)) and not floor.grossly_missed(row(0.41, floor))
    value = Target("value", "<=", 50, "ms")
    assert value.grossly_missed(Row("p95", 101.0, 20.0, "ms", [value]))
    assert not value.grossly_missed(Row("p95", 99.0, 20.0, "ms", [value]))
    difference = Target("difference", "<=", 150, "MB")
    assert difference.grossly_missed(Row("rss", 400.0, 90.0, "MB", [difference], show_ratio=False))
    assert not difference.grossly_missed(Row("rss", 300.0, 90.0, "MB", [difference], show_ratio=False))


def test_a_quick_limit_applies_to_quick_runs_only_and_needs_a_reason():
    target = Target("ratio", ">=", 0.8, quick_limit=0.5, quick_reason="fixed costs weigh more at 100")
    row = Row("export", 0.3, 1.0, targets=[target])
    assert target.grossly_missed(row, quick=False)  # under 0.4
    assert not target.grossly_missed(row, quick=True)  # not under 0.25
    assert row.met(quick=True) is False
    with pytest.raises(ValueError):
        Target("ratio", ">=", 0.8, quick_limit=0.5)


def test_the_message_names_the_figure_the_row_and_the_line():
    fig = Figure("reader", "One decision in the reader", "",
                 [Row("key press p50", 41.0, 10.0, "ms", [Target("ratio", "<=", 2)], kind="scaling")])
    (message,) = gross_regressions([fig], quick=True)
    assert message.startswith("One decision in the reader / key press p50: scaling ratio 4.10")
    assert "fails above 4" in message


def test_a_quick_run_gates_ratios_and_a_full_run_gates_absolute_values_too():
    """Absolute times move with the machine's load (a shared CI machine); ratios compare two
    things measured side by side, so a quick run gates those only."""
    targets = [Target("value", "<=", 50, "ms"), Target("ratio", "<=", 2)]
    slow = Row("key press p95", 181.0, 150.0, "ms", targets, kind="scaling")
    fig = Figure("reader", "One decision in the reader", "", [slow])
    assert gross_regressions([fig], quick=True) == []
    (message,) = gross_regressions([fig], quick=False)
    assert "value 181 ms" in message


FAKE_FIGURES = {
    "fig_fake_ok": "Row('within', 3.9, 1.0, 's', [Target('ratio', '<=', 2)])",  # missed, not grossly
    "fig_fake_gross": "Row('gross', 4.1, 1.0, 's', [Target('ratio', '<=', 2)])",
    "fig_fake_floor": "Row('floor', 0.39, 1.0, 'articles/s', [Target('ratio', '>=', 0.8)])",
}


@pytest.fixture
def fake_figures(tmp_path, monkeypatch):
    """Figure modules on the path: three with rows, one whose core import fails."""
    for name, row in FAKE_FIGURES.items():
        (tmp_path / f"{name}.py").write_text(
            "from common import Figure, Row, Target\n\n"
            f"def measure(ctx):\n    return Figure('{name}', '{name} title', 'setup', [{row}])\n")
    (tmp_path / "fig_fake_broken.py").write_text(
        "from annotations.not_there_any_more import thing  # noqa: F401\n\n"
        "def measure(ctx):\n    raise AssertionError('never reached')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    figures = {name: (name, f"{name} title") for name in [*FAKE_FIGURES, "fig_fake_broken"]}
    monkeypatch.setattr(run, "FIGURES", figures)
    return tmp_path


def _run(tmp_path, only: str, quick: bool = True) -> tuple[int, str]:
    out = tmp_path / f"{only}.md"
    status = run.main(["--only", only, "--output", str(out), "--workdir", str(tmp_path / "work")]
                      + (["--quick"] if quick else []))
    return status, out.read_text(encoding="utf-8")


def test_run_passes_when_rows_are_within_twice_their_target(fake_figures):
    status, text = _run(fake_figures, "fig_fake_ok")
    assert status == 0
    assert "| **no** |" in text and "This run failed" not in text


@pytest.mark.parametrize("name", ["fig_fake_gross", "fig_fake_floor"])
def test_run_fails_on_a_gross_regression(fake_figures, capsys, name):
    status, text = _run(fake_figures, name)
    assert status == 1
    assert "This run failed" in text and "the run fails" in text
    assert f"[bench] FAILED: {name} title / " in capsys.readouterr().err


def test_run_fails_when_a_figure_cannot_be_measured(fake_figures, capsys):
    status, text = _run(fake_figures, "fig_fake_broken,fig_fake_ok", quick=False)
    assert status == 1
    assert "not measured" in text and "annotations.not_there_any_more" in text
    assert "fig_fake_ok title" in text  # the other figures are still measured and reported
    assert "FAILED: fig_fake_broken title: not measured" in capsys.readouterr().err


def test_a_figure_s_worked_table_follows_its_rows_and_a_fault_ratio_says_what_it_is():
    row = Row("a worker killed mid-batch", 16.6, 15.1, "s", kind="fault", against="undisturbed")
    worked = ["| Workers | Bound by |", "|---:|---|", "| 200 | the writer |"]
    fig = Figure("cluster", "Cluster", "setup", [row], notes=["a note"], tables=worked)
    lines = _report([fig]).splitlines()
    rows_at = next(i for i, line in enumerate(lines) if line.startswith("| a worker killed"))
    assert lines[rows_at + 1:rows_at + 5] == ["", *worked]
    assert lines[rows_at + 6] == "- a note"
    assert "| 1.10 (fault) |" in lines[rows_at]
    assert any(line.startswith("- **fault ratio**") for line in lines)


def test_the_numbers_are_printed_as_read():
    assert fmt(4) == "4" and fmt(1234) == "1,234" and fmt(0.8061) == "0.806" and fmt(None) == "–"


def test_an_outside_comparison_that_cannot_be_set_up_is_reported_and_does_not_fail_the_run(
        tmp_path, monkeypatch, capsys):
    # No index and nothing to find: SLATE cannot be installed (as in a CI job without network).
    # That figure says so; Parallax's own figures are not concerned, so the run goes on.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    out = tmp_path / "slate.md"
    status = run.main(["--only", "slate", "--quick", "--output", str(out), "--workdir", str(tmp_path / "w")])
    text = out.read_text(encoding="utf-8")
    assert status == 0, text
    assert "This run failed" not in text
    assert "| Parallax vs SLATE | – | – | – | – | – | not measured: SLATE not installable" in text
    assert "**Not measured: SLATE not installable" in text
    assert "(not measured: SLATE not installable" in capsys.readouterr().err



def test_slate_gets_the_same_spans_on_whole_tokens():
    import ast

    import slate_setup

    text = "Title line (1)\n\nAnna Miller met the FBI in Rabat. Tunisia,  Mali\nand Morocco.\n"
    def at(word: str, label: str) -> tuple[int, int, str]:
        return text.index(word), text.index(word) + len(word), label

    spans = [at("Anna Miller", "PERSON"), at("the FBI", "ORG"), at("Rabat", "GPE"), at("Mali", "GPE"),
             at("Morocco", "GPE")]
    content, items = slate_setup.annotation_file(text, spans)
    assert items == 5
    lines = text.split("\n")
    for line, (start, end, label) in zip(content.splitlines(), spans, strict=True):
        where, slate_label = line.split(" - ")
        bounds = ast.literal_eval(where)
        (l1, t1), (l2, t2) = bounds if isinstance(bounds[0], tuple) else (bounds, bounds)
        assert l1 == l2 and slate_label == slate_setup.LABELS[label]
        tokens = " ".join(lines[l1].split()[t1:t2 + 1])
        assert text[start:end] in tokens and len(tokens) - len(text[start:end]) <= 1  # "Rabat." keeps its dot
