"""``parallax import``: files and folders into the database, with one line per problem."""

from __future__ import annotations

import os
import sys

import click

from ..formats import FORMATS
from ..formats.problems import one_line
from ..store import StoreError, default_db_path
from .common import annotator_option, check_lang, db_option, fail, open_store, safe_line

MAX_NOTICES_SHOWN = 100


def _label_map(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, str] | None:
    from ..importer import parse_label_map

    try:
        return None if value is None else parse_label_map(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from ..config import parse_size

    try:
        return None if value is None else parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@db_option
@click.option("--lang", default=None, callback=check_lang,
              help="Language code for every article (default: detected per article).")
@annotator_option
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
              help="File format; auto goes by extension (.txt, .jsonl, .conll, .spacy).")
@click.option("--strict-labels", is_flag=True,
              help="Refuse records whose labels are not in the project's scheme "
                   "(default: add the label and print a notice).")
@click.option("--label-map", "label_map", default=None, metavar="FILE_LABEL=LABEL,...", callback=_label_map,
              help="Map the files' labels onto the project's, e.g. PER=PERSON,MISC= (MISC spans left out); "
                   "over [label_map] in parallax.toml.")
@click.option("--max-file-size", "max_file_size", default=None, metavar="SIZE", callback=_size,
              help="Skip files larger than this, e.g. 500M or 4G; 0: no limit (default: "
                   "max_file_size under [import] in parallax.toml, else 1G).")
def import_cmd(paths: tuple[str, ...], db_path: str | None, lang: str | None, annotator: str | None,
               fmt: str, strict_labels: bool, label_map: dict[str, str] | None,
               max_file_size: int | None) -> None:
    """Import articles from PATHS (files or folders, searched recursively).

    \b
    Formats:
      .txt             one article per file; the first non-empty line is its title
      .jsonl           Prodigy (text, spans, meta, answer) or doccano (text, label)
      .conll           CoNLL-2003 (-DOCSTART-, one token per line, IOB tag last)
      .spacy           spaCy DocBin (doc.ents and doc.spans["sc"])

    Spans in the files become the annotator's decisions, their labels mapped onto the
    project's by --label-map and [label_map] (a corpus in another scheme: CoNLL's PER,
    WikiANN's). Importing the same
    article twice changes nothing. Each bad file or record is reported as
    FILE:LINE: reason and the rest is still imported; the exit status is 1
    when anything was refused. Only regular files are read (a FIFO, a device
    or a link to one is skipped with a message), each up to --max-file-size.
    """
    from ..config import ConfigError, config_path, load_config
    from ..importer import check_label_map, import_paths, label_table, scan

    path = db_path or default_db_path()
    if not os.path.lexists(path):  # a new database only if something goes in it
        try:
            config = load_config(config_path(path))
            check_label_map(label_table(config, label_map), config.labels)
        except (ConfigError, ValueError) as exc:
            fail(str(exc))
        limit = config.max_file_size if max_file_size is None else max_file_size
        nothing = scan(paths, fmt=fmt, max_file_size=limit)
        if nothing is not None:
            for problem in [*nothing.problems, *nothing.notices[:MAX_NOTICES_SHOWN]]:
                click.echo(str(problem), err=True)
            click.echo(one_line(nothing.summary()))
            click.echo(f"parallax: nothing to import, so {safe_line(path)} was not created", err=True)
            sys.exit(1)
    store = open_store(path, annotator)
    try:
        report = import_paths(store, paths, fmt=fmt, lang=lang, strict_labels=strict_labels,
                              max_file_size=max_file_size, label_map=label_map)
    except (StoreError, ValueError) as exc:
        fail(str(exc))
    finally:
        store.close()
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for notice in report.notices[:MAX_NOTICES_SHOWN]:
        click.echo(str(notice), err=True)
    hidden = len(report.notices) - MAX_NOTICES_SHOWN
    if hidden > 0:
        click.echo(f"({hidden} more notices not shown)", err=True)
    click.echo(one_line(report.summary()))
    sys.exit(0 if report.ok else 1)
