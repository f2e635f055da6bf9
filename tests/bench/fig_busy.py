"""Deciding while another process imports: how long an annotator's decision waits for the lock.

An import holds the write lock one batch at a time, each sized to take about 50 ms
(``annotations.store.slices.SLICE_S``). Meanwhile this process accepts suggestions one by one, every 20 ms,
on a Store that waits for the lock as long as the app's background writer does, and times
each decision from the call to its commit. The comparison is the same decisions with no
import running.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from common import Figure, Row, Target, percentile
from fig_commit import _store_with_suggestions
from fig_import import corpus_files

from annotations.store import Store
from tui.decisions import LATE_WAIT_S, LOCK_WAIT_S


def decide_every_20ms(store: Store, ids: list[int], until) -> list[float]:
    """Accept suggestions every 20 ms until ``until()`` is true; each decision's time in ms."""
    times = []
    for sugg_id in ids:
        if until():
            break
        t0 = time.perf_counter()
        store.decisions.accept(("suggestion", sugg_id))
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.02)
    return times


def measure(ctx) -> Figure:
    files, nbytes = corpus_files(ctx)
    folder = files[0].parents[1]
    path = ctx.workdir / "busy.db"
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    setup, ids = _store_with_suggestions(path, 100_000 if not ctx.quick else 20_000)
    setup.close()
    store = Store(path, annotator="bench", lock_wait=LATE_WAIT_S)
    half = len(ids) // 2
    idle = decide_every_20ms(store, ids[:200], lambda: False)
    command = [sys.executable, "-m", "annotations", "import", str(folder), "--db", str(path)]
    importer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started = time.perf_counter()
    during = decide_every_20ms(store, ids[half:], lambda: importer.poll() is not None)
    _, err = importer.communicate()
    import_s = time.perf_counter() - started
    store.close()
    assert importer.returncode == 0, err
    assert during, "the import ended before a decision was made"
    busy = sum(1 for t in during if t > LOCK_WAIT_S * 1000)
    idle_label = "no import running"
    rows = [
        Row("longest decision during the import (wait for the lock + commit)", max(during), max(idle), "ms",
            [Target("value", "<=", 250, "ms")], kind="contention", against=idle_label),
        Row("decision p99 during the import", percentile(during, 99), percentile(idle, 99), "ms",
            kind="contention", against=idle_label),
        Row("decision p50 during the import", percentile(during, 50), percentile(idle, 50), "ms",
            kind="contention", against=idle_label),
        Row(f"context: decisions that waited more than {LOCK_WAIT_S * 1000:.0f} ms (the app says 'busy')",
            busy, None, f"of {len(during)}", show_ratio=False, kind="contention"),
    ]
    return Figure(
        "busy", "Deciding while another process imports",
        f"`parallax import` of {len(files):,} .txt files ({nbytes / 1e6:,.0f} MB; {import_s:.0f} s) into a "
        "database in another process, while this process accepts one suggestion every 20 ms with "
        f"`Store(lock_wait={LATE_WAIT_S:g})` (the app's background writer) and times each call until its "
        "commit. Comparison: the same decisions on the same database with no import running (a "
        "contention ratio: there is no bare-library equivalent of waiting for another process's lock). The "
        "import holds the write lock one batch at a time, each sized to take about 50 ms.",
        rows,
    )


if __name__ == "__main__":  # python tests/bench/fig_busy.py WORKDIR [--quick]
    from context import Context

    print(measure(Context(Path(sys.argv[1]), "--quick" in sys.argv)))
