"""The core never imports textual, and importing it does no work: no database opened, no file
made. Each module is imported alone in a fresh interpreter (a module imported by an earlier
one would hide its own imports)."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import annotations

CORE_MODULES = sorted(m.name for m in pkgutil.walk_packages(annotations.__path__, "annotations.")
                      if not m.name.endswith("__main__"))

PROBE = """
import importlib, json, sqlite3, sys

def refuse(*args, **kwargs):
    raise AssertionError(f"a database was opened at import time: {args!r}")

sqlite3.connect = refuse
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules
                        if m.split(".")[0] in ("textual", "spacy", "sqlite_utils"))))
"""


def _import_alone(module: str, cwd) -> tuple[str, subprocess.CompletedProcess]:
    env = {**os.environ, "PARALLAX_DB": str(cwd / "env.db"), "PARALLAX_CONFIG": str(cwd / "none.toml")}
    return module, subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True,
                                  cwd=cwd, env=env, timeout=120)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, list[str]]]:
    cwd = tmp_path_factory.mktemp("import-cwd")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(pool.map(lambda m: _import_alone(m, cwd), CORE_MODULES))
    assert sorted(os.listdir(cwd)) == []  # no parallax.db, no env.db, nothing at all
    return {m: (run, json.loads(run.stdout) if run.returncode == 0 else []) for m, run in runs.items()}


def test_the_walk_finds_the_core():
    assert {"annotations.store", "annotations.store.db", "annotations.cli", "annotations.text"} <= set(
        CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_alone_without_textual_or_a_database(imported, module):
    run, loaded = imported[module]
    assert run.returncode == 0, run.stderr
    assert "textual" not in loaded


@pytest.mark.parametrize("module", ["annotations.store", "annotations.cli"])
def test_store_and_cli_import_light(imported, module):
    """``parallax --help`` and opening a store load neither spaCy nor sqlite-utils' numpy at import."""
    _, loaded = imported[module]
    assert "spacy" not in loaded
    if module == "annotations.store":
        assert "sqlite_utils" not in loaded  # imported when a database is opened
