"""The headless commands: ``parallax import | preannotate | export | stats | agreement | merge |
entities | conflicts | train | train-curve | models``.

Each subcommand lives in its own module. :func:`build_cli` makes the group; the
core's own group (``python -m annotations``) has only the headless commands, and
the ``parallax`` entry point (:mod:`tui.cli`) adds the app as the default command,
so the core never imports the front end.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Mapping

import click
from click.exceptions import NoSuchCommand

from .. import __version__
from .common import DEFAULT_COMMAND

# The headless commands, by name: (module in this package, command in it). A command's module is
# imported when the command runs or --help lists it, not by every launch of the app (issue 20).
HEADLESS: dict[str, tuple[str, str]] = {
    "import": ("import_", "import_cmd"), "preannotate": ("preannotate", "preannotate_cmd"),
    "export": ("export", "export_cmd"), "stats": ("stats", "stats_cmd"),
    "agreement": ("agreement", "agreement_cmd"), "merge": ("merge", "merge_cmd"),
    "entities": ("entities", "entities_cmd"), "conflicts": ("entities", "conflicts_cmd"),
    "train": ("train", "train_cmd"), "train-curve": ("train", "curve_cmd"), "models": ("train", "models_cmd"),
}


class _DefaultGroup(click.Group):
    """A group that runs its default command (the app) when the first argument is no subcommand,
    and whose help lists that command's options too (``parallax --readonly`` is the app's); its
    ``lazy`` commands are imported when first asked for."""

    def __init__(self, *args, lazy: Mapping[str, tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def names(self) -> set[str]:
        return {*self.commands, *self.lazy}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.names())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attr = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module, __name__), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                              list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except NoSuchCommand as exc:  # "Did you mean" among every command, the lazy ones too
            raise NoSuchCommand(exc.command_name, possibilities=self.names(), ctx=ctx) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if DEFAULT_COMMAND in self.commands and (
                not args or (args[0] not in self.names() and args[0] not in ("--help", "-h", "--version")
                             and not self._mistyped(args[0]))):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def _mistyped(self, arg: str) -> bool:
        """Whether ``arg`` is a command misspelt rather than a file to import: no such file,
        and close to a command's name (click then says "No such command ... Did you mean")."""
        if arg.startswith("-") or os.path.lexists(arg):
            return False
        return bool(difflib.get_close_matches(arg, sorted(self.names())))

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


def build_cli(*extra: click.Command, lazy: Mapping[str, tuple[str, str]] | None = None) -> click.Group:
    """The ``parallax`` group: the headless commands (imported when first used), plus ``extra``
    ones (the app) and ``lazy`` ones: name -> (module, command in it), imported when first used."""
    with_app = any(cmd.name == DEFAULT_COMMAND for cmd in extra)
    commands = {name: (f".{module}", attr) for name, (module, attr) in HEADLESS.items()} | dict(lazy or {})
    main = _DefaultGroup(name="parallax", help=HELP if with_app else HEADLESS_HELP,
                         no_args_is_help=not with_app,
                         subcommand_metavar="[PATHS]... | COMMAND [ARGS]..." if with_app else None,
                         context_settings={"help_option_names": ["-h", "--help"]},
                         lazy=commands)
    click.version_option(__version__, prog_name="parallax")(main)
    for cmd in extra:
        main.add_command(cmd)
    return main


main = build_cli()
