"""Import: articles/s through ``import_paths`` against bare sqlite3 executemany.

Both start from the same .txt files on disk (page cache warm: the files were
just written) and end with the same rows in a database whose schema Store()
created, FTS5 triggers included, WAL with synchronous=FULL. The comparison
reads each file, normalizes it, hashes it, takes the first line as the title,
knows the language from the file name and inserts everything with one
executemany in one transaction: the floor for writing those rows.
"""

from __future__ import annotations

import inspect
import sqlite3
import time
from pathlib import Path

from common import Figure, Row, Target, log, median
from corpus import write_txt_files

from annotations.store import Store
from annotations.text import content_hash, normalize

STAMP = "2024-06-13T09:00:00.000+00:00"


def corpus_files(ctx) -> tuple[list[Path], int]:
    """The .txt corpus for the import figure (written once per work folder)."""
    n = ctx.sizes.import_articles
    directory = ctx.workdir / f"txt_{n}"
    marker = directory / "done.txt"
    if marker.exists():
        paths = sorted(directory.glob("*/*.txt"))
        return paths, int(marker.read_text())
    log(f"[bench] writing {n:,} .txt files …")
    paths, nbytes = write_txt_files(directory, n, low=2_000, high=8_000, tail=0.0005)
    marker.write_text(str(nbytes))
    return paths, nbytes


def _fresh(path: Path) -> Path:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    Store(path, annotator="bench").close()
    return path


def _title(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:200]
    return "(untitled)"


def bare_import(path: Path, files: list[Path]) -> int:
    """The comparison: the same rows with one executemany in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    rows = []
    for f in files:
        text = normalize(f.read_bytes().decode("utf-8"))
        rows.append((content_hash(text), _title(text), text, f.stem.rsplit("_", 1)[1], str(f), "{}",
                     len(text), STAMP))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO articles(hash, title, text, lang, source, meta, length, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    return n


def parallax_import(path: Path, files: list[Path], lang: str | None) -> int:
    from annotations.importer import import_paths

    kwargs = {}
    params = inspect.signature(import_paths).parameters
    if "fmt" in params:
        kwargs["fmt"] = "txt"
    if "lang" in params:
        kwargs["lang"] = lang
    with Store(path, annotator="bench") as store:
        import_paths(store, files, **kwargs)
        return store.articles.count()


def measure(ctx) -> Figure:
    from annotations.importer import import_paths  # noqa: F401  (skip the figure until it exists)

    files, nbytes = corpus_files(ctx)
    n = len(files)
    runs = ctx.sizes.runs if ctx.quick else 3
    ours, base, ours_lang = [], [], []
    for _ in range(runs):
        db = _fresh(ctx.workdir / "import_parallax.db")
        t0 = time.perf_counter()
        got = parallax_import(db, files, None)
        ours.append(n / (time.perf_counter() - t0))
        assert got == n, f"the importer stored {got} of {n} articles"
        db = _fresh(ctx.workdir / "import_bare.db")
        t0 = time.perf_counter()
        got = bare_import(db, files)
        base.append(n / (time.perf_counter() - t0))
        assert got == n
    db = _fresh(ctx.workdir / "import_parallax.db")
    t0 = time.perf_counter()
    parallax_import(db, [f for f in files if f.stem.endswith("_en")], "en")
    n_en = sum(1 for f in files if f.stem.endswith("_en"))
    ours_lang.append(n_en / (time.perf_counter() - t0))
    for stale in ctx.workdir.glob("import_*.db*"):
        stale.unlink()
    rows = [
        Row(f"{n:,} .txt articles, language detected", median(ours), median(base), "articles/s",
            [Target("ratio", ">=", 0.5)], against="bare sqlite3 executemany"),
        Row(f"context: the {n_en:,} English ones with `lang=\"en\"` (one run)", median(ours_lang),
            median(base), "articles/s",
            note="comparison is the whole corpus's rate", against="bare sqlite3 executemany"),
    ]
    return Figure(
        "import", "Import",
        f"{n:,} synthetic articles written as .txt files ({nbytes / 1e6:,.0f} MB; 2–8 KB each with a few "
        "longer ones; 50% English, 30% French, 20% Arabic), imported into a new database by "
        "`annotations.importer.import_paths(store, paths, fmt=\"txt\")`. The comparison writes the same "
        "article rows into a database with the same table definitions (Store() creates it: FTS5 index and "
        "its triggers included, WAL, synchronous=FULL) with bare `sqlite3` `executemany` in one "
        "transaction, after reading, normalizing and hashing each file (language from the file name). "
        f"Median of {runs} runs each, alternating; page cache warm.",
        rows,
    )
