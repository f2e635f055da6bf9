"""Run the Parallax benchmarks and write BENCHMARKS.md.

    python tests/bench/run.py [--quick] [--output FILE] [--only import,commit] [--workdir DIR]

Generates its own corpora (deterministic), measures every figure against a
comparison in the same run (the bare library, or Parallax itself on a small
input for a scaling ratio) and writes one table per figure. ``--quick`` uses
small counts so it finishes in a few minutes (CI runs it).

Exits 1 when a figure fails to be measured (an import that breaks, an error, a
check inside a figure) or a row is more than twice past one of its targets;
the report is written either way, with the reasons at its top.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parents[1])]

from common import Figure, gross_regressions, log  # noqa: E402
from context import Context  # noqa: E402
from report import load_average, render  # noqa: E402

# key -> (module with measure(ctx) -> Figure, title), in report order
FIGURES = {
    "import": ("fig_import", "Import"),
    "preannotate": ("fig_preannotate", "Pre-annotation"),
    "preannotate_memory": ("fig_preannotate_memory", "Pre-annotating a long article: peak memory"),
    "writer": ("fig_writer", "The single writer while an annotator decides"),
    "cluster": ("fig_cluster", "Pre-annotation on a Dask cluster"),
    "export": ("fig_export", "Export to DocBin"),
    "app_start": ("fig_app_start", "App start to a usable library"),
    "reader": ("fig_reader", "One decision in the reader"),
    "commit": ("fig_commit", "A decision's commit alone"),
    "busy": ("fig_busy", "Deciding while another process imports"),
    "memory": ("fig_memory", "Peak memory with the library open"),
    "search": ("fig_search", "Search in the library"),
    "merge": ("fig_merge", "Merging two databases"),
    "bulk": ("fig_bulk", "Every identical mention at once"),
    "slate": ("fig_slate", "Parallax vs SLATE"),
    "serve": ("fig_serve", "The app in a browser (parallax serve)"),
    "train": ("fig_train", "Learning from the gold: corrections per article"),
    "train_app": ("fig_train_app", "Deciding while a model trains"),
}


def run_figure(key: str, module_name: str, title: str, ctx: Context) -> Figure:
    """Measure one figure; any error is kept as the reason it was not measured (and fails the run)."""
    t0 = time.perf_counter()
    try:
        fig = importlib.import_module(module_name).measure(ctx)
    except Exception as exc:  # a broken figure must not hide the others, nor pass unnoticed
        log(traceback.format_exc())
        fig = Figure(key, title, "", skipped=f"failed with {type(exc).__name__}: {exc}")
    fig.seconds = time.perf_counter() - t0
    log(f"[bench] {key}: {fig.seconds:.1f} s" + (f" (FAILED: {fig.skipped})" if fig.skipped else "")
        + (f" (not measured: {fig.unavailable})" if fig.unavailable else ""))
    return fig


def failures(figures: list[Figure], quick: bool) -> list[str]:
    """Why the run fails, one line each: figures not measured, then gross regressions."""
    return ([f"{fig.title}: not measured, {fig.skipped}" for fig in figures if fig.skipped]
            + gross_regressions(figures, quick))


def compile_like_pip() -> None:
    """Compile Parallax's modules to bytecode, as ``pip install`` does.

    The figures launch the app from this checkout; where PYTHONDONTWRITEBYTECODE is set (CI,
    this machine) nothing would ever be cached, and every launch would compile ~100 modules
    first: ~75 ms of a 0.4 s start that no installed Parallax pays.
    """
    for package in ("annotations", "tui"):
        compileall.compile_dir(BENCH_DIR.parents[1] / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, fewer runs (a few minutes)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR.parents[1] / "BENCHMARKS.md",
                        help="where to write the report (default: BENCHMARKS.md at the repository root)")
    parser.add_argument("--only", default="", help=f"comma-separated figures: {', '.join(FIGURES)}")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep corpora and databases here and reuse them (default: a temporary folder)")
    args = parser.parse_args(argv)
    only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in only if k not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started, t0, load_before = datetime.now(UTC), time.perf_counter(), load_average()
    log(f"[bench] {'quick' if args.quick else 'full'} run in {workdir}")
    compile_like_pip()
    ctx = Context(workdir, args.quick)
    figures = []
    try:
        for key, (module_name, title) in FIGURES.items():
            if not only or key in only:
                figures.append(run_figure(key, module_name, title, ctx))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    command = "python tests/bench/run.py" + (" --quick" if args.quick else "") + (
        f" --only {args.only}" if only else "")
    failed = failures(figures, args.quick)
    text = render(figures, quick=args.quick, started=started, seconds=time.perf_counter() - t0,
                  load_before=load_before, load_after=load_average(), command=command, failures=failed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    log(f"[bench] wrote {args.output} in {time.perf_counter() - t0:.0f} s")
    for line in failed:
        log(f"[bench] FAILED: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
