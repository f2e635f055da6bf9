"""Import reads regular files only, each up to a size limit; the rest of the import goes on.

A FIFO used to hang ``parallax import`` forever and a link to /dev/zero read until
memory ran out. Through the real CLI, with a timeout so a hang fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from damage_helpers import bound_by_permissions

from annotations.config import ConfigError, load_config, parse_size

GOOD = "Christopher Wray visited Rabat on Tuesday.\n"


def cli(*args, cwd, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def test_a_fifo_and_a_link_to_dev_zero_are_refused_and_the_rest_is_imported(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "inner.jsonl")
    (folder / "other.txt").write_text("Another article about Sahel.\n", encoding="utf-8")
    result = cli("import", "pipe.txt", "zero.txt", "good.txt", "folder", "--db", "p.db", cwd=tmp_path,
                 timeout=60)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert ("pipe.txt: is a named pipe (FIFO), not a regular file; import regular files only (skipped)"
            in lines)
    assert "zero.txt: links to /dev/zero, which is a character device, not a regular file; " \
           "import regular files only (skipped)" in lines
    assert any(line.startswith(os.path.join("folder", "inner.jsonl") + ": is a named pipe") for line in lines)
    assert result.stdout.startswith("2 articles imported")


def test_an_unreadable_file_named_or_in_a_folder_is_one_line_and_the_rest_is_imported(tmp_path):
    """Named on the command line, it was a usage error and nothing was imported; in a folder, one
    line. Now both are one line. An unreadable folder is one line too (its files were skipped in
    silence). The CLI runs bound by file permissions, even as root."""
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "noperm.txt").write_text("A secret article about Sahel.\n", encoding="utf-8")
    folder = tmp_path / "folder"
    (folder / "locked").mkdir(parents=True)
    (folder / "other.txt").write_text("Another article about Sahel.\n", encoding="utf-8")
    (folder / "noperm.txt").write_text("A second secret article.\n", encoding="utf-8")
    (folder / "locked" / "inside.txt").write_text("An article nobody can reach.\n", encoding="utf-8")
    for path in (tmp_path / "noperm.txt", folder / "noperm.txt", folder / "locked"):
        path.chmod(0)
    try:
        result = subprocess.run([sys.executable, "-m", "annotations", "import", "good.txt", "noperm.txt",
                                 "folder", "--db", "p.db"], capture_output=True, text=True, timeout=120,
                                cwd=tmp_path, preexec_fn=bound_by_permissions)
    finally:
        for path in (tmp_path / "noperm.txt", folder / "noperm.txt", folder / "locked"):
            path.chmod(0o755)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines == [
        "noperm.txt: cannot read the file (Permission denied); check that it exists and is readable",
        f"{os.path.join('folder', 'locked')}: cannot read the folder (Permission denied); its files were "
        "skipped",
        f"{os.path.join('folder', 'noperm.txt')}: cannot read the file (Permission denied); check that it "
        "exists and is readable"], result.stderr
    assert result.stdout.startswith("2 articles imported")  # good.txt and folder/other.txt


def test_a_file_over_the_size_limit_is_refused_with_how_to_raise_it(tmp_path):
    (tmp_path / "big.txt").write_text("Rabat " * 400, encoding="utf-8")  # 2,400 bytes
    (tmp_path / "small.txt").write_text(GOOD, encoding="utf-8")
    result = cli("import", "big.txt", "small.txt", "--db", "p.db", "--max-file-size", "2K", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "big.txt: is 2.3 KiB, more than the 2 KiB an imported file may hold (skipped); raise the limit "
        "with --max-file-size or max_file_size under [import] in parallax.toml"]
    assert result.stdout.startswith("1 article imported")
    again = cli("import", "big.txt", "--db", "p.db", "--max-file-size", "0", cwd=tmp_path)  # 0: no limit
    assert again.returncode == 0 and again.stdout.startswith("1 article imported"), again.stderr


def test_the_limit_comes_from_parallax_toml_and_the_option_beats_it(tmp_path):
    (tmp_path / "parallax.toml").write_text('[import]\nmax_file_size = "1K"\n', encoding="utf-8")
    (tmp_path / "big.txt").write_text("Rabat " * 400, encoding="utf-8")
    refused = cli("import", "big.txt", "--db", "p.db", cwd=tmp_path)
    assert refused.returncode == 1 and "more than the 1 KiB" in refused.stderr
    taken = cli("import", "big.txt", "--db", "p.db", "--max-file-size", "1M", cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr


def test_max_file_size_0_lifts_a_limit_set_in_parallax_toml(tmp_path):
    """0 means "no limit" on the command line too: it must beat the config's limit, not fall
    back to it as if no option were given (0 is falsy; None is what "not given" is)."""
    (tmp_path / "parallax.toml").write_text('[import]\nmax_file_size = "1K"\n', encoding="utf-8")
    (tmp_path / "big.txt").write_text("Rabat " * 400, encoding="utf-8")  # 2,400 bytes
    taken = cli("import", "big.txt", "--db", "p.db", "--max-file-size", "0", cwd=tmp_path)
    assert taken.returncode == 0 and taken.stdout.startswith("1 article imported"), taken.stderr


@pytest.mark.parametrize("value,size", [(0, 0), (1048576, 1 << 20), ("500M", 500 << 20), ("2G", 2 << 30),
                                        ("1GiB", 1 << 30), ("64k", 64 << 10), ("12", 12)])
def test_sizes(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["", "big", "-1", "1.5G", True, -5, "1T"])
def test_bad_sizes_are_refused(value, tmp_path):
    with pytest.raises(ValueError):
        parse_size(value)
    path = tmp_path / "parallax.toml"
    path.write_text(f"[import]\nmax_file_size = {value!r}\n".replace("True", "true"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[import\] max_file_size"):
        load_config(path)


def test_the_default_limit_is_one_gib():
    assert load_config(None).max_file_size == 1 << 30


def test_nothing_to_import_creates_no_database(tmp_path):
    """A missing file, an empty one, a folder of binary files: the import says why each was not
    read and creates no database (``parallax import missing.txt`` used to leave an empty one)."""
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = cli("import", "missing.txt", "empty.txt", "folder", "--db", "new.db", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "missing.txt: no such file or folder"
    assert lines[1].startswith("empty.txt: ") and lines[2].startswith(os.path.join("folder", "photo.txt"))
    assert lines[-1] == "parallax: nothing to import, so new.db was not created"
    assert result.stdout.startswith("0 articles imported")
    assert sorted(os.listdir(tmp_path)) == ["empty.txt", "folder"]
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    made = cli("import", "missing.txt", "good.txt", "--db", "new.db", cwd=tmp_path)
    assert made.returncode == 1 and made.stdout.startswith("1 article imported")
    assert made.stderr.splitlines() == ["missing.txt: no such file or folder"]
    assert (tmp_path / "new.db").exists()
