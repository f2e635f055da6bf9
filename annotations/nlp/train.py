"""``parallax train``: a named-entity recognizer learned from the gold of done articles.

The gold is the export's (:func:`annotations.export.gold.select_articles`: the merge rule, the
undecided suggestions of a done article as unknown tokens, never "not an entity"), one language
at a time. Its dev articles are chosen by the export's deterministic split
(:func:`~annotations.export.gold.split_articles`) among the articles no earlier model of the
language has seen; an article that was dev once stays dev, so no model is ever compared on an
article it (or the model in use) trained on. Training is spaCy's (:mod:`.train_config`), in the
NLP child process; the dev articles also pick the best checkpoint, as in ``spacy train``.

The new model, the stock pipeline and the model in use are scored on the same dev articles in
the project's labels (:mod:`.evaluate`). The model is written to a folder named for this
process under ``models/``, renamed to ``models/en-N`` once complete, then registered (and
adopted when it beats the model in use) in one transaction: a kill at any moment leaves no half
model registered. Anything that fails leaves the model in use as it was.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParallaxError
from ..export.docbin import article_doc
from ..export.gold import ExportArticle, select_articles, split_articles
from ..store import ModelRecord, Store, model_source, models_dir
from ..tokenizers import import_spacy
from . import Stopped
from .evaluate import evaluate
from .pipelines import base_lang, pipeline_source, resolve_pipelines
from .train_config import TrainSettings, initialized, on_step, training_config

PARTIAL = ".partial-"  # models/.partial-en-3-PID: a training under way (or killed)
Say = Callable[[str, dict[str, Any]], None]  # what happened ("step", "stage"), its details


class TrainError(ParallaxError):
    """Training cannot start or could not finish; the message says why and what to do. The model
    in use is unchanged."""


@dataclass
class TrainRequest:
    """What to train: a language, from which base, on which split, for how long."""

    lang: str
    base: str | None = None  # a pipeline name or folder, "blank"; None: the language's stock pipeline
    dev: float = 0.2  # share of newly seen done articles set aside as dev articles
    settings: TrainSettings = field(default_factory=TrainSettings)


@dataclass
class Split:
    train: list[ExportArticle]
    dev: list[ExportArticle]
    warnings: list[str] = field(default_factory=list)


def gold_articles(store: Store, lang: str) -> list[ExportArticle]:
    """The done articles of language ``lang`` (``en`` takes ``en-US`` too) with their gold."""
    return [item for item in select_articles(store) if base_lang(item.article.lang) == lang]


def split_gold(store: Store, lang: str, dev: float, seed: int) -> Split:
    """Train and dev articles: earlier models' dev stay dev, their train stay train, and the
    articles no model has seen are split by ``split_articles``. Raises TrainError when there is
    nothing to learn from or nothing to check the result on."""
    gold = gold_articles(store, lang)
    where = f"{store.path}: "
    if not gold:
        raise TrainError(f"{where}no done articles in language '{lang}' to learn from: mark articles "
                         "done in the app (or import annotated files) first; the model in use stays")
    seen_dev: set[int] = set()
    seen_train: set[int] = set()
    for record in store.models.all(lang):
        seen_dev.update(record.report.get("dev_ids", ()))
        seen_train.update(record.report.get("train_ids", ()))
    seen_train -= seen_dev
    new = [a for a in gold if a.article.id not in seen_dev | seen_train]
    new_train, new_dev = split_articles(new, 1 - dev, seed) if new else ([], [])
    train = sorted([a for a in gold if a.article.id in seen_train] + new_train, key=lambda a: a.article.id)
    dev_items = sorted([a for a in gold if a.article.id in seen_dev] + new_dev, key=lambda a: a.article.id)
    if not train or not dev_items:
        raise TrainError(f"{where}{len(gold)} done article(s) in '{lang}': training needs at least two, one "
                         "to learn from and one to check the model on; mark more articles done; the model "
                         "in use stays")
    return Split(train, dev_items, _label_warnings(store, train))


def _label_warnings(store: Store, train: list[ExportArticle]) -> list[str]:
    seen = {s.label for item in train for s in item.spans if s.is_gold}
    missing = [label for label in store.labels.names() if label not in seen]
    if not missing:
        return []
    some = "label " + missing[0] + " has" if len(missing) == 1 else "labels " + ", ".join(missing) + " have"
    return [f"{some} no example in the {len(train)} training article(s): the model cannot learn "
            f"{'it' if len(missing) == 1 else 'them'} (mark them in more articles)"]


def in_use(store: Store, lang: str) -> str | None:
    """The pipeline suggesting ``lang`` now: [models] in parallax.toml, else the adopted model,
    else the stock pipeline (None: the blank one)."""
    return resolve_pipelines([lang], {**store.models.adopted_paths(), **store.config.models})[lang]


def stock(lang: str) -> str | None:
    return resolve_pipelines([lang], {})[lang]


def base_pipeline(lang: str, base: str | None) -> str | None:
    """The pipeline to fine-tune: ``base``, the stock pipeline, or None for a blank one."""
    if base is not None and base.strip().lower() in ("blank", "none", ""):
        return None
    name = base if base is not None else stock(lang)
    if name is not None:
        pipeline_source(lang, name)  # PipelineError now, before anything is written, when not installed
    return name


def train(db_path: str, request: TrainRequest, say: Say, should_stop: Callable[[], bool],
          *, register: bool = True, share: float = 1.0) -> dict[str, Any]:
    """Train, score and (with ``register``) keep a model; returns the report (JSON-ready).

    ``share`` trains on that share of the train articles (``parallax train-curve``); the dev
    articles are the same. Raises TrainError, PipelineError or StoreError (nothing kept), Stopped.
    """
    import_spacy()
    lang = base_lang(request.lang)
    with Store(db_path) as store:
        base = base_pipeline(lang, request.base)
        with store.presence.announce(f"training {lang}", alone=True):
            split = split_gold(store, lang, request.dev, request.settings.seed)
            train_items = split.train[:max(1, round(len(split.train) * share))]
            for warning in split.warnings:
                say("warning", {"text": warning})
            name = store.models.next_name(lang)
            partial = _partial_folder(store, name)
            try:
                report = _train_in(partial, lang, base, train_items, split.dev, request, say, should_stop)
                if register:
                    report.update(_figures(store, lang, split.dev, report, say))
                else:  # a point of a training curve: the new model's dev F1 is all it needs
                    new = evaluate(lang, report.pop("path"), split.dev, _mapper(store))
                    report["scores"] = {"new": new.as_dict()}
                report["share"] = share
                report["name"], report["warnings"] = name, split.warnings
                if register:
                    _keep(store, partial, name, lang, base, report)
                return report
            except OSError as exc:
                raise TrainError(f"{partial.parent}: cannot write the model ({exc.strerror or exc}); "
                                 f"{_advice(exc)} and train again; the model in use stays") from None
            finally:
                shutil.rmtree(partial, ignore_errors=True)


def _partial_folder(store: Store, name: str) -> Path:
    """A new folder for this training; folders of killed trainings are removed first."""
    folder = models_dir(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.glob(f"{PARTIAL}*"):
        pid = entry.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
    partial = folder / f"{PARTIAL}{name}-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    return partial


def _advice(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some disk space"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the folder writable"
    return "check the folder"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _train_in(partial: Path, lang: str, base: str | None, train_items: list[ExportArticle],
              dev_items: list[ExportArticle], request: TrainRequest, say: Say,
              should_stop: Callable[[], bool]) -> dict[str, Any]:
    """spaCy's training in ``partial``; the best model is left in ``partial/output/model-best``."""
    from spacy.training.loop import train as spacy_train

    started = time.monotonic()
    corpus = partial / "corpus"
    corpus.mkdir()
    from spacy.tokens import DocBin

    for part, items in (("train", train_items), ("dev", dev_items)):
        docs = DocBin(store_user_data=False)
        for item in items:
            docs.add(article_doc(item)[0])
        docs.to_disk(corpus / f"{part}.spacy")
    say("stage", {"text": f"loading {base or 'a blank pipeline'}"})
    config, lookups = training_config(lang, base, str(corpus / "train.spacy"), str(corpus / "dev.spacy"),
                                      request.settings)
    nlp = initialized(config, lookups)
    settings = request.settings
    last: list[float | None] = [None]  # the dev F1 of the latest evaluation

    def step(n: int, loss: float, info: dict[str, Any] | None) -> None:
        if should_stop():
            raise Stopped
        if info is not None:
            f1 = last[0] = info.get("other_scores", {}).get("ents_f")
            say("step", {"step": info["step"], "max_steps": settings.max_steps, "loss": loss, "f1": f1,
                         "epoch": info["epoch"]})
        elif n % 10 == 0:
            say("step", {"step": n, "max_steps": settings.max_steps, "loss": None, "f1": last[0]})

    on_step(step)
    (partial / "output").mkdir()
    try:
        quiet = io.StringIO()  # spaCy's console lines: the child's stdout carries its messages
        spacy_train(nlp, partial / "output", stdout=quiet, stderr=quiet)
    finally:
        on_step(None)
    return {"lang": lang, "base": pipeline_source(lang, base) if base else f"blank {lang}",
            "train_ids": [a.article.id for a in train_items], "dev_ids": [a.article.id for a in dev_items],
            "train_articles": len(train_items), "dev_articles": len(dev_items),
            "max_steps": settings.max_steps, "seed": settings.seed, "dev_share": request.dev,
            "seconds": round(time.monotonic() - started, 1), "path": str(partial / "output" / "model-best")}


def _figures(store: Store, lang: str, dev: list[ExportArticle], report: dict[str, Any], say: Say) -> dict:
    """The new model, the stock pipeline and the model in use, scored on the same dev articles."""
    map_label = _mapper(store)
    say("stage", {"text": f"scoring on {len(dev)} dev article(s)"})
    new = evaluate(lang, report["path"], dev, map_label)
    stock_name, using = stock(lang), in_use(store, lang)
    stock_scores = evaluate(lang, stock_name, dev, map_label)
    using_scores = stock_scores if using == stock_name else evaluate(lang, using, dev, map_label)
    scores = {"new": new.as_dict(), "stock": stock_scores.as_dict(), "in_use": using_scores.as_dict()}
    return {"scores": scores, "stock": pipeline_source(lang, stock_name),
            "in_use": _shown_name(store, lang, using)}


def _mapper(store: Store) -> Callable[[str], str | None]:
    """A pipeline label onto the project's scheme, as suggestions are mapped (None: dropped)."""
    scheme = store.labels.names()
    return lambda label: store.config.map_label(label, scheme)


def _shown_name(store: Store, lang: str, name: str | None) -> str:
    record = store.models.in_use(lang)
    if record is not None and name == str(store.models.path_of(record)):
        return record.name
    return pipeline_source(lang, name)


def beats(new: float | None, old: float | None) -> bool:
    """Whether a dev F1 beats another (no F1 at all beats nothing)."""
    return new is not None and (old is None or new > old)


def _keep(store: Store, partial: Path, name: str, lang: str, base: str | None,
          report: dict[str, Any]) -> None:
    """Rename the finished model into place, then register it (adopted or not) in one transaction."""
    new, old = report["scores"]["new"]["f1"], report["scores"]["in_use"]["f1"]
    adopt = beats(new, old)
    report["adopted"] = adopt
    overridden = lang in {base_lang(k) for k in store.config.models}
    report["why"] = _why(adopt, new, old, report["in_use"], overridden, lang)
    source = Path(report.pop("path"))
    meta_file = source / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.update({"name": f"parallax_{name.replace('-', '_')}", "parallax_model": name,
                 "description": f"Parallax model {name}, fine-tuned from {report['base']}"})
    meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    final = models_dir(store.path) / name
    os.replace(source, final)
    record = ModelRecord(name=name, lang=lang, version=int(name.rsplit("-", 1)[1]),
                         path=f"{final.parent.name}/{final.name}", base=report["base"], f1=new,
                         baseline=report["in_use"], baseline_f1=old, report=report)
    try:
        store.models.register(record, adopt=adopt)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    report["source"] = model_source(name)
    report["resuggest"] = adopt and not overridden


def _why(adopt: bool, new: float | None, old: float | None, old_name: str, overridden: bool,
         lang: str) -> str:
    figures = f"F1 {_f(new)} against {_f(old)} for {old_name} on the same dev articles"
    if not adopt:
        return f"kept, not used: {figures}"
    if overridden:
        return f"adopted ({figures}), but [models] {lang} in parallax.toml wins; remove it to use this model"
    return f"adopted: {figures}"


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


