"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import sys

import click

from ..store import Store, StoreError, default_db_path

DEFAULT_COMMAND = "open"

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None, envvar="PARALLAX_DB",
    help="SQLite database file (default: $PARALLAX_DB or ./parallax.db).")
annotator_option = click.option(
    "--annotator", default=None, envvar="PARALLAX_ANNOTATOR",
    help="Whose decisions these are (default: $PARALLAX_ANNOTATOR or the OS user name).")


def open_store(db_path: str | None, annotator: str | None = None, **kwargs) -> Store:
    """Open the store or exit with the store's one-line message."""
    try:
        return Store(db_path or default_db_path(), annotator=annotator, **kwargs)
    except StoreError as exc:
        fail(str(exc))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"parallax: error: {message}", err=True)
    sys.exit(code)
