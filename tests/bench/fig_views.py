"""``parallax stats`` and the conflicts view on the big corpus: what a user waits for.

Measured on the library database (100,000 articles, 1,000,000 model suggestions, 10,000
articles decided and 5,000 done in a full run). The conflicts are read on a copy where one
suggestion in twenty carries another label (a model is not consistent: "Sahel" PERSON here,
LOC there), so every form of the corpus is a conflict; the copy leaves the database other
figures share as built.

- the numbers of ``parallax stats`` (``compute_stats``: every count, the gold, the quality),
  against bare sqlite3 counting the suggestions' places (one walk of their unique index, one
  of the reads the numbers need); and the whole command (a new process, reading every
  page on a second connection while it counts, the numbers shown only from a sound file),
  against bare ``PRAGMA quick_check`` (that page check alone);
- the conflicts list (``find_conflicts`` without places: what the view shows first), against
  bare sqlite3 counting every suggestion by folded form and label (the least a count of forms
  costs, without the view's rule); then the places of the biggest conflict (what the view reads
  when one is highlighted), and ``parallax conflicts --places 0`` as a command.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time

from common import REPO, Figure, Row, Target, median

RUNS = 3
NOISE = 20  # one suggestion in NOISE gets another label in the conflicts copy


def _bare(path, sql: str) -> float:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _best(lambda: conn.execute(sql).fetchall())
    finally:
        conn.close()


def _best(fn) -> float:
    """Median seconds of RUNS calls after one untimed call (the page cache warm, as in use)."""
    fn()
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return median(samples)


def _command(*args: str) -> float:
    cmd = [sys.executable, "-m", "annotations", *args]
    return _best(lambda: subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=600))


def _noisy_copy(ctx, src) -> object:
    path = ctx.workdir / "conflicts.db"
    for stale in ctx.workdir.glob("conflicts.db*"):
        stale.unlink()
    shutil.copyfile(src, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE suggestions SET label = CASE label WHEN 'PERSON' THEN 'ORG' WHEN 'ORG' THEN 'GPE' "
                 f"ELSE 'PERSON' END WHERE id % {NOISE} = 0")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def measure(ctx) -> Figure:
    from fig_app_start import migrate

    from annotations.conflicts import conflict_places, find_conflicts
    from annotations.stats import compute_stats
    from annotations.store import Store

    big = ctx.library_db()
    migrate(big.path)
    with Store(big.path, annotator="bench", readonly=True) as store:
        stats_s = _best(lambda: compute_stats(store))
    bare_places = _bare(big.path, "SELECT count(*) FROM (SELECT 1 FROM suggestions "
                               "GROUP BY article_id, start, end, label)")
    stats_cmd = _command("stats", "--db", str(big.path))
    bare_check = _bare(big.path, "PRAGMA quick_check")

    noisy = _noisy_copy(ctx, big.path)
    with Store(noisy, annotator="bench", readonly=True) as store:
        found: list = []
        conflicts_s = _best(lambda: found.__setitem__(slice(None), find_conflicts(store, places=0)))
        biggest = max(found, key=lambda c: c.mentions)
        places_s = _best(lambda: conflict_places(store, biggest, 8))
    bare_forms = _bare(noisy, "SELECT folded, label, count(*) FROM suggestions GROUP BY folded, label")
    conflicts_cmd = _command("conflicts", "--db", str(noisy), "--annotator", "bench", "--places", "0")
    for stale in ctx.workdir.glob("conflicts.db*"):
        stale.unlink()

    second = Target("value", "<=", 1.0, "s", ungated=(
        "issue 20's goal (within 1 s at 100,000 articles), tracked here; the rule of what is undecided "
        "runs over the articles the annotator worked on (10,000 here), so on a shared 2-core machine "
        "a busy moment can push it past: the ratio beside it is the gate"))
    return Figure(
        "views", "stats and the conflicts view on the big corpus",
        f"Library database: {big.describe()}. " + __doc__.split("\n\n", 1)[1].replace("\n", " "),
        [Row("stats: the numbers (`compute_stats`)", stats_s, bare_places, "s",
             [second, Target("ratio", "<=", 12)], against="bare sqlite3: the suggestions' places counted"),
         Row("stats: the command, every page read before a number is shown (`parallax stats`)",
             stats_cmd, bare_check, "s",
             note="context: the page check alone is the comparison",
             against="bare `PRAGMA quick_check`"),
         Row(f"conflicts: the list ({len(found):,} conflicts, without places)", conflicts_s, bare_forms, "s",
             [second, Target("ratio", "<=", 3, quick_limit=12, quick_reason=(
                 "at 5,000 articles the list's fixed costs (the rule read where the annotator worked, "
                 "each conflict built in Python) weigh more against a bare count of 50,000 rows than "
                 "at 100,000 articles, where the target is stated"))],
             against="bare sqlite3: every suggestion counted by folded form and label"),
         Row(f"conflicts: the places of the biggest one ({biggest.mentions:,} mentions), read on highlight",
             places_s, None, "s", show_ratio=False),
         Row("conflicts: the command (`parallax conflicts --places 0`)", conflicts_cmd, bare_forms, "s",
             against="bare sqlite3: every suggestion counted by folded form and label")],
        notes=["Medians of 3 runs after one untimed run (the page cache warm, as in use). The quick "
               "check reads every page of the file: no command that trusts its numbers can start "
               "below it."],
    )
