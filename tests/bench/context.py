"""Sizes for the quick and full modes, and the databases several figures share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common import log

SMALL_ARTICLES = 5


@dataclass
class Sizes:
    runs: int  # repetitions whose median is reported
    import_articles: int
    big_articles: int  # library database for app start, memory and search
    spans_per_article: int
    preannotate_articles: int
    preannotate_runs: int
    export_articles: int
    reader_presses: int  # per run: 40 in both modes, so a quick p95 is not its slowest press or two
    search_queries: int


QUICK = Sizes(runs=3, import_articles=1_000, big_articles=5_000, spans_per_article=10,
              preannotate_articles=12, preannotate_runs=2, export_articles=100,
              reader_presses=40, search_queries=40)
FULL = Sizes(runs=5, import_articles=100_000, big_articles=100_000, spans_per_article=10,
             preannotate_articles=120, preannotate_runs=3, export_articles=5_000,
             reader_presses=40, search_queries=200)


class Context:
    """Handed to every figure: the mode, a work folder and the shared databases (built once)."""

    def __init__(self, workdir: Path, quick: bool):
        self.workdir = workdir
        self.quick = quick
        self.sizes = QUICK if quick else FULL
        self._dbs: dict[int, object] = {}
        self.measured: dict[str, object] = {}  # what one figure measured that another one uses

    def library_db(self, n_articles: int | None = None):
        """A database with ``n_articles`` (default: the big size) and 10 suggestions each.

        Kept in the work folder; with ``--workdir`` it is reused by later runs.
        """
        from bigdb import BigDb, build

        n = self.sizes.big_articles if n_articles is None else n_articles
        if n in self._dbs:
            return self._dbs[n]
        path = self.workdir / f"library_{n}.db"
        info = path.with_suffix(".json")
        if path.exists() and info.exists():
            meta = json.loads(info.read_text())
            db = BigDb(path=path, **{k: v for k, v in meta.items() if k != "path"})
        else:
            for stale in self.workdir.glob(f"library_{n}.db*"):
                stale.unlink()
            log(f"[bench] building a library database with {n:,} articles …")
            db = build(path, n, self.sizes.spans_per_article)
            info.write_text(json.dumps({k: v for k, v in vars(db).items() if k != "path"}))
        self._dbs[n] = db
        return db

    def small_db(self):
        return self.library_db(SMALL_ARTICLES)
