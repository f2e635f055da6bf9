"""Every runtime dependency in pyproject.toml is imported by the code (nothing installed for nothing)."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules() -> set[str]:
    """Top-level names of every absolute import in annotations/ and tui/, inside functions too."""
    names: set[str] = set()
    for path in [*ROOT.joinpath("annotations").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_dependency_is_imported_somewhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normalized(re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0]) for dep in project["dependencies"]}
    by_module = packages_distributions()
    used = {_normalized(dist) for module in _imported_modules() for dist in by_module.get(module, [])}
    assert declared - used == set(), "declared in pyproject.toml but imported nowhere"
