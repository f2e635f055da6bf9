"""The headless commands: ``parallax import | preannotate | export | stats | agreement | merge |
entities | conflicts | train | train-curve | models``.

Each subcommand lives in its own module. :func:`build_cli` makes the group; the
core's own group (``python -m annotations``) has only the headless commands, and
the ``parallax`` entry point (:mod:`tui.cli`) adds the app as the default command,
so the core never imports the front end.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import DEFAULT_COMMAND


class _DefaultGroup(click.Group):
    """A group that runs its default command (the app) when the first argument is no subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if DEFAULT_COMMAND in self.commands and (
                not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"))):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


HELP = """Parallax: turn news articles into gold named-entity training data.

Run `parallax` alone to open the app on ./parallax.db (the bundled seeds
are imported and pre-annotated on first run), or `parallax FILE...` to
import files first. The subcommands below do the same work from scripts.
"""
HEADLESS_HELP = """Parallax's headless commands: import, pre-annotate, export, count, agree, merge, entities,
conflicts, and train models on the gold.

The annotation app is the `parallax` command (or `python -m tui`).
"""


def build_cli(*extra: click.Command) -> click.Group:
    """The ``parallax`` group: the headless commands, plus ``extra`` ones (the app)."""
    from .agreement import agreement_cmd
    from .entities import conflicts_cmd, entities_cmd
    from .export import export_cmd
    from .import_ import import_cmd
    from .merge import merge_cmd
    from .preannotate import preannotate_cmd
    from .stats import stats_cmd
    from .train import curve_cmd, models_cmd, train_cmd

    with_app = any(cmd.name == DEFAULT_COMMAND for cmd in extra)
    main = _DefaultGroup(name="parallax", help=HELP if with_app else HEADLESS_HELP,
                         no_args_is_help=not with_app,
                         context_settings={"help_option_names": ["-h", "--help"]})
    click.version_option(__version__, prog_name="parallax")(main)
    for cmd in (*extra, import_cmd, preannotate_cmd, export_cmd, stats_cmd, agreement_cmd, merge_cmd,
                entities_cmd, conflicts_cmd, train_cmd, curve_cmd, models_cmd):
        main.add_command(cmd)
    return main


main = build_cli()
