"""What every figure shares: result records, statistics, targets and child processes."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parents[1]


KINDS = {
    "overhead": "Parallax ÷ the bare library doing the same work (bare sqlite3, spaCy or Textual)",
    "scaling": "Parallax on the big input ÷ Parallax itself on a small one: how it grows, not what it costs",
    "contention": "Parallax while another process writes ÷ Parallax with nothing else running",
    "outside": "Parallax ÷ another program doing the same task (SLATE, a terminal annotator), measured "
               "side by side in the same run",
    "served": "Parallax in a browser (`parallax serve`) ÷ the same app in a terminal (tmux), measured "
              "side by side in the same run",
    "learning": "Parallax's suggestions after some articles are done ÷ the stock pipeline's, on the same "
                "held-out articles",
    "order": "Parallax with one order of the library ÷ Parallax with another, the same simulation otherwise",
    "fault": "Parallax with a fault injected (a cluster worker killed mid-run) ÷ the same run without it",
}
GROSS = 2.0  # a row more than this factor past its target fails the run (a gross regression)


@dataclass
class Target:
    """One goal for a row: ``on`` is "ratio", "value" or "difference" (ours − comparison).

    ``quick_limit`` replaces ``limit`` in a ``--quick`` run, for a target stated for the full
    sizes that does not carry over to the quick ones; ``quick_reason`` says why (shown in the report).
    ``ungated`` says why a target is reported but never fails a run: one known to lie beyond
    what the parts Parallax is built on can reach (measured in the same figure), where a gate
    would stay red for ever and hide the regressions it exists to catch.
    """

    on: str
    op: str
    limit: float
    unit: str = ""
    quick_limit: float | None = None
    quick_reason: str = ""
    ungated: str = ""

    def __post_init__(self) -> None:
        if self.on not in ("ratio", "value", "difference") or self.op not in ("<=", ">="):
            raise ValueError(f"bad target: {self.on} {self.op}")
        if self.limit <= 0 or (self.quick_limit is not None and self.quick_limit <= 0):
            raise ValueError("a limit must be positive: 'twice past it' means nothing otherwise")
        if self.quick_limit is not None and not self.quick_reason:
            raise ValueError("a quick limit needs its reason")

    def limit_for(self, quick: bool) -> float:
        return self.quick_limit if quick and self.quick_limit is not None else self.limit

    def measured(self, row: Row) -> float | None:
        """What the target is checked on: the row's ratio, its value, or ours − comparison."""
        if self.on == "difference":
            return None if row.ours is None or row.baseline is None else row.ours - row.baseline
        return row.ratio if self.on == "ratio" else row.ours

    def met(self, row: Row, quick: bool = False) -> bool | None:
        x, limit = self.measured(row), self.limit_for(quick)
        if x is None:
            return None
        return x <= limit if self.op == "<=" else x >= limit

    def gross_line(self, quick: bool = False) -> float:
        """Where a miss becomes a gross regression: twice the limit, or half of it for a floor."""
        limit = self.limit_for(quick)
        return limit * GROSS if self.op == "<=" else limit / GROSS

    def grossly_missed(self, row: Row, quick: bool = False) -> bool:
        x = self.measured(row)
        if x is None or self.ungated:
            return False
        return x > self.gross_line(quick) if self.op == "<=" else x < self.gross_line(quick)

    def describe(self, kind: str = "", quick: bool = False) -> str:
        sign = "≤" if self.op == "<=" else "≥"
        what = f"{kind} {self.on} ".lstrip() if self.on != "value" else ""
        unit = f" {self.unit}" if self.unit else ""
        text = f"{what}{sign} {self.limit:g}{unit}"
        if self.quick_limit is not None:
            text += f" ({sign} {self.quick_limit:g}{unit} in a quick run)" if quick else ""
        return text


@dataclass
class Row:
    """One line of a figure's table: Parallax against its comparison, measured in the same run.

    ``kind`` names what the comparison is (see KINDS) and ``against`` says it in a few words
    ("5 articles", "bare Textual app"). The ratio is always ``ours / baseline``: the values
    in the table, never a statistic of its own.
    """

    measure: str
    ours: float | None
    baseline: float | None = None
    unit: str = ""
    targets: list[Target] = field(default_factory=list)
    note: str = ""
    show_ratio: bool = True
    kind: str = "overhead"
    against: str = ""
    ratio: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}: one of {', '.join(KINDS)}")
        if self.show_ratio and self.ours is not None and self.baseline:
            self.ratio = self.ours / self.baseline
        if any(t.on == "ratio" for t in self.targets) and not self.show_ratio:
            raise ValueError(f"{self.measure}: a ratio target on a row without a ratio")

    def met(self, quick: bool = False) -> bool | None:
        results = [t.met(self, quick) for t in self.targets]
        if not results:
            return None
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True


@dataclass
class Figure:
    """A table in BENCHMARKS.md: what was measured, how, and the rows."""

    key: str
    title: str
    setup: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # markdown shown under the rows (worked figures)
    skipped: str | None = None  # why the figure could not be measured (it failed: the run fails too)
    seconds: float = 0.0
    # Why an outside comparison or corpus could not be had (SLATE not installable without a
    # network, CoNLL-2003 not redistributable): reported as not measured, and the run goes on;
    # anything of Parallax's own that cannot be measured is ``skipped`` and fails.
    unavailable: str | None = None


def gross_regressions(figures: list[Figure], quick: bool) -> list[str]:
    """One message per row more than GROSS times past one of its targets, naming figure and row.

    A quick run (what CI runs, on a machine it may share) gates only the ratios and
    differences, which compare two things measured side by side in the same run; an
    absolute time or rate there moves with whatever else the machine is doing (a reader
    press measured 15 ms alone and 180 ms beside two test suites). Full runs gate all.
    """
    out = []
    for fig in figures:
        for row in fig.rows:
            for t in row.targets:
                if quick and t.on == "value":
                    continue
                if t.grossly_missed(row, quick):
                    what = {"ratio": f"{row.kind} ratio", "difference": "difference"}.get(t.on, "value")
                    unit = "" if t.on == "ratio" else f" {t.unit or row.unit}".rstrip()
                    side = "above" if t.op == "<=" else "below"
                    out.append(f"{fig.title} / {row.measure}: {what} {fmt(t.measured(row))}{unit} is more "
                               f"than {GROSS:g}× past its target ({t.describe(row.kind, quick)}; a run fails "
                               f"{side} {fmt(t.gross_line(quick))}{unit})")
    return out


def fmt(x: float | None) -> str:
    """A number with about three significant figures, thousands separated."""
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    if ax >= 0.01:
        return f"{x:.3f}"
    return f"{x:.2g}"


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def percentile(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of a sample."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def warm_ms(fn: Callable[[], object], runs: int = 5) -> float:
    """Median milliseconds of ``fn()`` after one untimed call."""
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return median(samples)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class ChildError(RuntimeError):
    pass


def run_child(task: str, timeout: float = 900, **kwargs) -> dict:
    """Run ``module.function(**kwargs)`` in a fresh interpreter and return its JSON result.

    Used for anything whose memory or start-up must not be polluted by earlier figures.
    """
    cmd = [sys.executable, str(BENCH_DIR / "worker.py"), task, json.dumps(kwargs)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(REPO)])}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise ChildError(f"{task} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


async def until(predicate: Callable[[], object], timeout: float = 60.0, poll: float = 0.001,
                what: str = "the app") -> None:
    """In an app child: wait (polling every ``poll`` seconds) until ``predicate()`` holds."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} did not get there in time")
        await asyncio.sleep(poll)
