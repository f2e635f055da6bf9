"""A refused damaged file is left exactly as it was, its -wal included.

The last connection to close on a WAL database copies the -wal into the file and deletes it;
into a damaged file that would lose what a recovery tool needs (the -wal of a writer killed
with kill -9, here beside a file cut to half). And a file in rollback-journal mode is checked
before it is switched to WAL, which rewrites its header.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from damage_helpers import cut_short_with_wal, damaged_db, file_and_wal, one_line_error
from store_helpers import make_db
from tmux_helpers import PARALLAX

from annotations.model import ArticleRecord
from annotations.store import Store, StoreError


def run(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(PARALLAX), *map(str, args)], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


@pytest.mark.parametrize("command", [["import", "new.txt"], ["preannotate"]], ids=["import", "preannotate"])
def test_a_refused_file_and_the_wal_of_a_killed_writer_stay_byte_identical(tmp_path, command):
    path = cut_short_with_wal(tmp_path)
    (tmp_path / "new.txt").write_text("A new article about Rabat.\n", encoding="utf-8")
    before = file_and_wal(path)
    one_line_error(run(*command, "--db", path.name, cwd=tmp_path), path.name)
    assert file_and_wal(path) == before  # not copied into the file, not deleted


def test_a_store_that_finds_the_damage_closes_without_copying_the_wal_in(tmp_path):
    path = cut_short_with_wal(tmp_path)
    before = file_and_wal(path)
    with pytest.raises(StoreError, match="the database is damaged") as info:  # at open or first write
        with Store(path, annotator="alice") as store:
            store.tags.tag_article(1, "x")
    assert str(info.value).startswith(f"{path}: the database is damaged")
    assert file_and_wal(path) == before


def test_a_sound_file_still_gets_its_wal_copied_in_when_the_last_writer_closes(tmp_path):
    """The guard is for files not found sound: a writer's close still folds the -wal in."""
    path = tmp_path / "p.db"
    make_db(path)
    with Store(path, annotator="alice") as store:
        store.db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        store.loading.add_article(ArticleRecord(text="Bob Stone flew to Rabat. " * 100))
        assert Path(f"{path}-wal").stat().st_size > 0
    assert not Path(f"{path}-wal").exists()
    with Store(path, readonly=True) as store:
        assert store.articles.count() == 2


def test_the_app_leaves_a_damaged_file_and_its_wal_as_they_were(tmp_path, tmux):
    """The app opens at once and checks in the background; when the check finds damage, the app
    ends with one line, and its own read-write connection is not the one that folds the -wal in."""
    path = cut_short_with_wal(tmp_path)
    before = file_and_wal(path)
    app = tmux("damaged-wal")
    app.start(f"{PARALLAX} --db {path} --annotator alice 2> {tmp_path}/err", {"TERM": "xterm"})
    assert app.exit_status() == 1
    err = (tmp_path / "err").read_text()
    assert f"parallax: error: {path}: the database is damaged" in err and "Traceback" not in err
    assert file_and_wal(path) == before


def test_a_damaged_file_in_rollback_journal_mode_is_refused_before_it_is_switched_to_wal(tmp_path):
    path = damaged_db(tmp_path, journal="delete")
    before = path.read_bytes()
    assert before[18:20] == b"\x01\x01"  # the header says rollback journal
    (tmp_path / "new.txt").write_text("A new article about Rabat.\n", encoding="utf-8")
    one_line_error(run("import", "new.txt", "--db", path.name, cwd=tmp_path), path.name)
    assert path.read_bytes() == before  # the header too: not switched to WAL
    with pytest.raises(StoreError, match="the database is damaged"):
        Store(path, annotator="alice")
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_sound_file_in_rollback_journal_mode_is_switched_to_wal(tmp_path):
    path = damaged_db(tmp_path, journal="delete").with_name("whole-damaged.db")  # the sound original
    assert path.read_bytes()[18:20] == b"\x01\x01"
    with Store(path, annotator="alice") as store:
        store.tags.tag_article(1, "checked")
    assert path.read_bytes()[18:20] == b"\x02\x02"
