"""What every figure shares: result records, statistics, targets and child processes."""

from __future__ import annotations

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


@dataclass
class Target:
    """One goal for a row: ``on`` is "ratio", "value" or "difference" (ours − comparison)."""

    on: str
    op: str
    limit: float
    unit: str = ""

    def met(self, row: Row) -> bool | None:
        if self.on == "difference":
            x = None if row.ours is None or row.baseline is None else row.ours - row.baseline
        else:
            x = row.ratio if self.on == "ratio" else row.ours
        if x is None:
            return None
        return x <= self.limit if self.op == "<=" else x >= self.limit

    def describe(self) -> str:
        sign = "≤" if self.op == "<=" else "≥"
        what = {"ratio": "ratio ", "difference": "difference "}.get(self.on, "")
        return f"{what}{sign} {self.limit:g}{(' ' + self.unit) if self.unit else ''}"


@dataclass
class Row:
    """One line of a figure's table: Parallax against its comparison, measured in the same run."""

    measure: str
    ours: float | None
    baseline: float | None = None
    unit: str = ""
    targets: list[Target] = field(default_factory=list)
    ratio: float | None = None
    note: str = ""
    show_ratio: bool = True

    def __post_init__(self) -> None:
        if self.show_ratio and self.ratio is None and self.ours is not None and self.baseline:
            self.ratio = self.ours / self.baseline

    def met(self) -> bool | None:
        results = [t.met(self) for t in self.targets]
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
    skipped: str | None = None  # why the figure could not be measured (module not there yet...)
    seconds: float = 0.0


def fmt(x: float | None) -> str:
    """A number with about three significant figures, thousands separated."""
    if x is None:
        return "–"
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
