"""The ``parallax`` command.

``parallax [PATH...]`` (no subcommand) opens the terminal app; the
subcommands script the same core: import, preannotate, export, stats.
Each subcommand lives in its own module and is registered here.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import DEFAULT_COMMAND


class _DefaultGroup(click.Group):
    """A group that runs the app when the first argument is not a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parallax")
def main() -> None:
    """Parallax: turn news articles into gold named-entity training data.

    Run `parallax` alone to open the app on ./parallax.db (the bundled seeds
    are imported and pre-annotated on first run), or `parallax FILE...` to
    import files first. The subcommands below do the same work from scripts.
    """


def _register() -> None:
    from .export import export_cmd
    from .import_ import import_cmd
    from .open_ import open_cmd
    from .preannotate import preannotate_cmd
    from .stats import stats_cmd

    for cmd in (open_cmd, import_cmd, preannotate_cmd, export_cmd, stats_cmd):
        main.add_command(cmd)


_register()
