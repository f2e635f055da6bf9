"""Paths and other user strings in the CLI's messages reach the terminal display-safe, on one line.

A path holding ESC sequences, BEL, the one-byte CSI (U+009B), a bidi override or a
line break used to be printed raw in error messages (article text already was safe).
Run through the real CLI; the raw bytes of stdout and stderr are checked.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from annotations.importer import import_paths
from annotations.store import Store
from seeds import seed_paths

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eexe.\nnext"
RAW = ["\x1b", "\x07", "\x9b", "\u202e"]


def cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, cwd=cwd,
                          timeout=300)


def assert_safe(data: bytes) -> str:
    text = data.decode("utf-8")
    assert not any(c in text for c in RAW), ascii(text)
    return text


@pytest.fixture
def seeded(tmp_path):
    with Store(tmp_path / "p.db", annotator="alice") as store:
        report = import_paths(store, seed_paths())
        store.decisions.set_article_status(report.article_ids[0], "done")
    return tmp_path / "p.db"


@pytest.mark.parametrize("command", [["stats"], ["export", "--format", "jsonl", "--output", "x.jsonl"],
                                     ["import", "a.txt"], ["preannotate"]])
def test_a_hostile_database_path_is_shown_safely(tmp_path, command):
    (tmp_path / "a.txt").write_text("Wray visited Rabat.\n")  # something to import: the database is needed
    result = cli(*command, "--db", os.path.join(HOSTILE, "p.db"), cwd=tmp_path)  # no such folder
    assert result.returncode == 1
    err = assert_safe(result.stderr)
    assert err.count("\n") == 1 and err.startswith("parallax: error: evil\u241b[2J"), ascii(err)
    assert "exe.\u240anext/p.db" in err  # the line break is shown, not obeyed


def test_a_hostile_export_path_is_shown_safely_when_it_fails_and_when_it_works(seeded, tmp_path):
    (tmp_path / HOSTILE).write_text("a file, not a folder", encoding="utf-8")
    failed = cli("export", "--format", "spacy", "--output", os.path.join(HOSTILE, "corpus"),
                 "--db", str(seeded), cwd=tmp_path)
    assert failed.returncode == 1
    err = assert_safe(failed.stderr)
    assert err.count("\n") == 1 and "cannot write the export" in err, ascii(err)
    worked = cli("export", "--format", "conll", "--output", HOSTILE + ".conll", "--db", str(seeded),
                 cwd=tmp_path)
    assert worked.returncode == 0, worked.stderr
    out = assert_safe(worked.stdout + worked.stderr)
    assert "exported" in out and (tmp_path / (HOSTILE + ".conll")).is_file()


def test_hostile_import_paths_are_shown_safely(seeded, tmp_path):
    os.mkfifo(tmp_path / (HOSTILE + ".txt"))
    result = cli("import", HOSTILE + ".txt", HOSTILE + "-missing.txt", "--db", str(seeded), cwd=tmp_path)
    assert result.returncode == 1
    err = assert_safe(result.stderr)
    assert len(err.splitlines()) == 2 and "named pipe" in err and "no such file" in err


def test_a_bad_config_file_is_one_safe_line_not_a_traceback(seeded, tmp_path):
    folder = tmp_path / HOSTILE
    folder.mkdir()
    (folder / "parallax.toml").write_text("labels = 3\n", encoding="utf-8")
    os.link(seeded, folder / "p.db")
    result = cli("stats", "--db", str(folder / "p.db"), cwd=tmp_path)
    assert result.returncode == 1
    err = assert_safe(result.stderr)
    assert "Traceback" not in err and err.count("\n") == 1, ascii(err)
    assert "labels: must be a non-empty list" in err, ascii(err)
