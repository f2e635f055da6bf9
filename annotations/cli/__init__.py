"""The headless commands: ``parallax import | preannotate | export | stats | agreement | merge |
entities | conflicts | train | train-curve | models``.

Each subcommand lives in its own module. :func:`build_cli` makes the group; the
core's own group (``python -m annotations``) has only the headless commands, and
the ``parallax`` entry point (:mod:`tui.cli`) adds the app as the default command,
so the core never imports the front end.
"""

from __future__ import annotations

import difflib
import os

import click

from .. import __version__
from .common import DEFAULT_COMMAND


class _DefaultGroup(click.Group):
    """A group that runs its default command (the app) when the first argument is no subcommand,
    and whose help lists that command's options too (``parallax --readonly`` is the app's)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if DEFAULT_COMMAND in self.commands and (
                not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
                             and not self._mistyped(args[0]))):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def _mistyped(self, arg: str) -> bool:
        """Whether ``arg`` is a command misspelt rather than a file to import: no such file,
        and close to a command's name (click then says "No such command ... Did you mean")."""
        if arg.startswith("-") or os.path.lexists(arg):
            return False
        return bool(difflib.get_close_matches(arg, list(self.commands)))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        app = self.commands.get(DEFAULT_COMMAND)
        if app is None:
            return
        with click.Context(app, info_name=DEFAULT_COMMAND, parent=ctx) as sub:
            rows = [("[PATHS]...", "Files or folders to import first, in the background.")]
            rows += [row for param in app.get_params(sub)
                     if isinstance(param, click.Option) and "--help" not in param.opts
                     if (row := param.get_help_record(sub)) is not None]
        with formatter.section(f"Options of the app (parallax [OPTIONS] [PATHS]..., "
                               f"the same as parallax {DEFAULT_COMMAND})"):
            formatter.write_dl(rows)


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
                         subcommand_metavar="[PATHS]... | COMMAND [ARGS]..." if with_app else None,
                         context_settings={"help_option_names": ["-h", "--help"]})
    click.version_option(__version__, prog_name="parallax")(main)
    for cmd in (*extra, import_cmd, preannotate_cmd, export_cmd, stats_cmd, agreement_cmd, merge_cmd,
                entities_cmd, conflicts_cmd, train_cmd, curve_cmd, models_cmd):
        main.add_command(cmd)
    return main


main = build_cli()
