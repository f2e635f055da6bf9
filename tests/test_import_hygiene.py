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


# -- the layers, read from the source: an import inside a function counts too ------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path, *, typing_only: bool = False) -> list[tuple[str, bool]]:
    """(module imported, at the top level?) for every import statement in the file; those under
    ``if TYPE_CHECKING:`` never run, so they count only with ``typing_only``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A module-level try block's imports run when the module is imported, as the top's do
    # (tui/cli.py imports the app's modules inside one, with the garbage collector off).
    top = {id(node) for node in tree.body} | {
        id(stmt) for node in tree.body if isinstance(node, ast.Try) for stmt in node.body}
    skipped = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(sub) for stmt in node.body for sub in ast.walk(stmt)}
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    out = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                is_package = path.name == "__init__.py"
                anchor = parts[: len(parts) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" for a in node.names] if node.level and not node.module else [base]
            out += [(name, id(node) in top) for name in names]
    return out


def test_nothing_in_the_core_imports_the_front_end_or_textual_even_inside_a_function():
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in sorted((ROOT / "annotations").rglob("*.py"))
                 for name, _ in _imports(path, typing_only=True) if name.split(".")[0] in ("tui", "textual")]
    assert offenders == []


# The only imports of the front end's own modules made inside a function, each for a reason;
# they still count as edges below, so no cycle can hide behind them.
LAZY = {
    ("tui.serve.cli", "tui.serve.server"): "aiohttp and textual-serve: ~300 ms of every app launch",
    # Screens a launch never shows (issue 20 §2): loaded on first use.
    ("tui.app", "tui.screens.conflicts"): "the conflicts view: on C",
    ("tui.screens.library", "tui.screens.review"): "the review screen: on R",
    ("tui.commands", "tui.screens.agreement"): "agreement and its export code: from the palette",
    ("tui.training", "tui.screens.models"): "the models view: from the palette, or after a training",
    ("tui.screens.reader_entities", "tui.screens.jump"): "the find-word dialog: on f",
}


def test_the_front_end_has_no_import_cycles_and_no_imports_hidden_in_functions():
    """Imports inside functions are how a cycle hides (app <-> library screen, reader <->
    reader_actions); the front end imports its own modules at the top (but for LAZY), and they
    form no cycle."""
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
               for p in (ROOT / "tui").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    hidden = []
    for name, path in modules.items():
        deps = set()
        for imported, at_top in _imports(path):
            target = next((m for m in (imported, imported.rsplit(".", 1)[0]) if m in modules), None)
            if target is None or target == name:
                continue
            deps.add(target)
            if not at_top and (name, target) not in LAZY:
                hidden.append(f"{name} imports {target} inside a function")
        graph[name] = deps
    assert hidden == []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(node):], node]))
        if node in done:
            return
        for dep in graph[node]:
            visit(dep, [*path, node])
        done.add(node)

    for module in graph:
        visit(module, [])


def _launch_probe(probe: str, cwd) -> str:
    """What ``probe`` (Python code importing the launch's ``tui.cli``) prints, in a fresh interpreter."""
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_app_loads_no_screen_a_launch_does_not_show(tmp_path):
    """Issue 20 §2: ``parallax`` (tui.cli) imports neither the conflicts, review, agreement and
    models screens, the find-word dialog, the pipelines' module (training) nor rapidfuzz and
    hashlib (a label's colour off the default palette, an article's hash); each is loaded on
    first use."""
    probe = ("import json, sys, tui.cli; print(json.dumps(sorted(m for m in sys.modules if m in "
             "('tui.screens.conflicts', 'tui.screens.review', 'tui.screens.agreement', 'rapidfuzz', "
             "'tui.screens.models', 'tui.screens.jump', 'annotations.nlp.pipelines', 'hashlib'))))")
    assert json.loads(_launch_probe(probe, tmp_path)) == []


def test_every_module_outside_the_store_is_held_to_its_contracts():
    """The import contracts in pyproject.toml name their source modules one by one: a new module
    of the core left off them would import the store's modules (or sqlite3) unchecked."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    contracts = {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}
    top = {m.name for m in pkgutil.iter_modules(annotations.__path__, "annotations.")} - {
        "annotations.store", "annotations.__main__"}
    for name in ("SQLite is the store's: nothing else imports sqlite3 or sqlite_utils",
                 "The store's contract is its package: nothing outside imports its modules"):
        assert top | {"tui"} <= set(contracts[name]["source_modules"]), name


def test_the_launch_imports_leave_the_garbage_collector_on(tmp_path):
    """tui.cli imports the app with the cyclic garbage collector off (issue 20 §2): it is on again
    afterwards, with what the imports built frozen (left out of later collections)."""
    probe = "import gc, tui.cli; print(gc.isenabled(), gc.get_freeze_count() > 10_000)"
    assert _launch_probe(probe, tmp_path).split() == ["True", "True"]


def test_the_app_loads_no_headless_command(tmp_path):
    """``parallax`` (tui.cli) lists the headless commands without importing them (issue 20 §2):
    their modules (and the file formats they bring) load when the command runs or --help lists it;
    so does the store's merge (annotations.store's names merge_source, check_merge, ...), and the
    NLP child's messages load in the thread that reads a child."""
    probe = ("import json, sys, tui.cli; print(json.dumps(sorted(m for m in sys.modules if "
             "m.startswith(('annotations.cli.', 'annotations.formats', 'annotations.store.merge', "
             "'annotations.nlp.messages')) "
             "and m != 'annotations.cli.common')))")
    assert json.loads(_launch_probe(probe, tmp_path)) == []


RESTORED_LAUNCH = """
import asyncio, json, sys
import tui.cli
from tui.app import ParallaxApp, make_app
from tui.screens.reader import ReaderScreen

seen = {}
after_first_frame = ParallaxApp._after_first_frame

def first_frame(self):
    seen["screen"] = type(self.screen).__name__
    seen["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] == "sqlite_utils")
    after_first_frame(self)

ParallaxApp._after_first_frame = first_frame

async def main():
    app = make_app(sys.argv[1], annotator="alice", preannotate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            if isinstance(app.screen, ReaderScreen) and app.screen.panes and seen:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        seen["then"] = "sqlite_utils" in sys.modules  # the session saved after the frame
        print(json.dumps(seen))

asyncio.run(main())
"""


def _restored_session_db(tmp_path):
    """A database whose saved session has one article open in the reader."""
    from annotations.model import ArticleRecord
    from annotations.store import Store

    db = tmp_path / "p.db"
    with Store(db, annotator="alice") as store:
        (aid, _), = store.loading.add_articles([ArticleRecord(text="Alice Martin met Bob Stone.", title="t")])
        store.presence.save_session({"library": {"cursor": aid}, "reader": {"articles": [aid], "active": 0}})
    return db


def _probe(code: str, db, cwd) -> dict:
    probe = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True,
                           cwd=cwd, timeout=120)
    assert probe.returncode == 0, probe.stderr
    return json.loads(probe.stdout.splitlines()[-1])


def test_a_launch_to_the_restored_reader_does_not_import_sqlite_utils(tmp_path):
    """Issue 20: the store opens and reads with sqlite3 alone; sqlite-utils (~20 ms to import) is
    loaded by the first write (the session, saved once the first frame is on screen), so the
    restored reader's first frame never waits for it, and writes still go through it."""
    db = _restored_session_db(tmp_path)
    assert _probe(RESTORED_LAUNCH, db, tmp_path) == {"screen": "ReaderScreen", "loaded": [], "then": True}


COLLECTOR_AT_LAUNCH = """
import gc, json, sys
from tui.app import make_app
from tui.cli import run_app
from tui.screens.reader import ReaderScreen

seen = {}
compose = ReaderScreen.compose

def composing(self):
    seen["composing"] = gc.isenabled()
    return compose(self)

ReaderScreen.compose = composing

async def look(pilot):
    await pilot.pause(0.5)
    seen["shown"] = gc.isenabled()
    seen["screen"] = type(pilot.app.screen).__name__
    pilot.app.exit()

app = make_app(sys.argv[1], annotator="alice", preannotate=False)
run_app(app, headless=True, size=(80, 24), auto_pilot=look)
seen["after"] = gc.isenabled()
print(json.dumps(seen))
"""


def test_the_collector_is_off_from_the_launch_to_the_first_frame(tmp_path):
    """Issue 20: tui.cli's run_app turns the cyclic garbage collector off until the app's first frame (the
    restored reader is built without it) and the app turns it on again once that frame is drawn."""
    db = _restored_session_db(tmp_path)
    assert _probe(COLLECTOR_AT_LAUNCH, db, tmp_path) == {
        "composing": False, "shown": True, "screen": "ReaderScreen", "after": True}
