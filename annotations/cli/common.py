"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import NoReturn

import click

from ..config import ConfigError
from ..store import Store, StoreError, default_db_path
from ..text import display_safe

DEFAULT_COMMAND = "open"

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None, envvar="PARALLAX_DB",
    help="SQLite database file (default: $PARALLAX_DB or ./parallax.db).")
annotator_option = click.option(
    "--annotator", default=None, envvar="PARALLAX_ANNOTATOR",
    help="Whose decisions these are (default: $PARALLAX_ANNOTATOR or the OS user name).")


def check_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: ``--lang`` must look like a language code."""
    from ..formats.jsonl import LANG_RE

    if value is not None and not LANG_RE.match(value):
        raise click.BadParameter(f"{value!r} is not a language code (e.g. en, fr, ar, pt-BR)")
    return value


def article_range(ctx: click.Context, param: click.Parameter, value: str | None):
    """A click callback: ``--articles FROM:TO`` as an :class:`~annotations.model.ArticleRange`."""
    from ..model import ArticleRange

    try:
        return None if value is None else ArticleRange.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def open_store(db_path: str | None, annotator: str | None = None, **kwargs) -> Store:
    """Open the store or exit with the store's (or the config file's) one-line message."""
    try:
        return Store(db_path or default_db_path(), annotator=annotator, **kwargs)
    except (StoreError, ConfigError) as exc:
        fail(str(exc))


def safe_line(text: str) -> str:
    """User text (paths, titles, labels) made fit for one terminal line: control and bidi
    characters become visible symbols (``display_safe``), and so do line breaks and tabs."""
    return display_safe(text).replace("\n", "\u240a").replace("\t", "\u2409")


def fail(message: str, code: int = 1, details: Iterable[str] = ()) -> NoReturn:
    """Print ``parallax: error: MESSAGE`` on stderr, then each detail on a line of its own, and exit;
    paths in them come out display-safe (a line break inside one is shown, not obeyed)."""
    click.echo(f"parallax: error: {safe_line(message)}", err=True)
    for detail in details:
        click.echo(f"  {safe_line(detail)}", err=True)
    sys.exit(code)
