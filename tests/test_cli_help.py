"""Every command registered on ``parallax`` has --help that exits 0 and prints its usage; the
list comes from ``main.list_commands`` (the headless ones are imported when first asked for), so a
command added later is covered too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tui.cli import main

COMMANDS = main.list_commands(click.Context(main))


def _command(name: str) -> click.Command:
    command = main.get_command(click.Context(main), name)
    assert command is not None, name
    return command


def _parallax() -> str:
    """The installed console script of this venv (not whatever is first on PATH)."""
    beside = Path(sys.executable).parent / "parallax"
    found = str(beside) if beside.exists() else shutil.which("parallax")
    assert found, "the parallax console script is not installed in this environment"
    return found


def test_commands_are_registered():
    assert {"open", "import", "preannotate", "export", "stats", "entities", "conflicts"} <= set(COMMANDS)


def test_a_lazy_command_is_the_command_of_its_name():
    """The headless commands are listed by name before their modules load: each name is the
    command's own (what its module declares)."""
    assert all(_command(name).name == name for name in COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(name, flag, tmp_path):
    result = CliRunner().invoke(main, [name, flag], env={"PARALLAX_DB": str(tmp_path / "p.db")})
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: parallax {name} ")
    assert (_command(name).help or "").strip()
    if any(param.name == "db_path" for param in _command(name).params):
        assert "--db" in result.output
    assert not (tmp_path / "p.db").exists()  # asking for help opens no database


def test_the_group_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: parallax ")
    for name in COMMANDS:
        assert f"  {name} " in result.output


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["-h"]])
def test_the_installed_parallax_prints_help(args, tmp_path):
    env = {**os.environ, "PARALLAX_DB": str(tmp_path / "p.db")}
    run = subprocess.run([_parallax(), *args], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Usage: parallax ")
    if args[0] != "import":
        assert all(f"  {name} " in run.stdout for name in COMMANDS)
    assert os.listdir(tmp_path) == []


def test_the_group_help_lists_the_apps_options():
    """``parallax --readonly`` and friends are the app's options: ``parallax --help`` names them."""
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    app_part = result.output.split("Options of the app", 1)[1]
    for option in ("--db", "--annotator", "--readonly", "--bidi", "[PATHS]"):
        assert option in app_part


@pytest.mark.parametrize("typed, meant", [("exprot", "export"), ("stat", "stats"), ("imprt", "import")])
def test_a_mistyped_command_is_named_not_taken_for_a_file(typed, meant, tmp_path):
    run = subprocess.run([_parallax(), typed], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PARALLAX_DB": str(tmp_path / "p.db")}, timeout=60)
    assert run.returncode == 2
    assert f"No such command '{typed}'" in run.stderr and f"Did you mean '{meant}'" in run.stderr
    assert "parallax open" not in run.stderr and os.listdir(tmp_path) == []
