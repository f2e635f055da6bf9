"""A database damaged inside a page is refused before anything is written to it.

The cheap checks at open (header, schema, length) cannot see 8 KB of noise in the middle
of the file; every writer reads every page once (quick_check) before its first write, and
the app does it in a worker, holding decisions until it is done.
"""

from __future__ import annotations

import subprocess

import pytest
from damage_helpers import damaged_db, one_line_error
from store_helpers import fingerprint, make_db
from tmux_helpers import PARALLAX

from annotations.store import Store, StoreError


def test_a_store_opens_a_damaged_file_but_refuses_to_write_into_it(tmp_path):
    path = damaged_db(tmp_path)
    before = fingerprint(path)
    with Store(path, annotator="alice") as store:
        assert store.labels.names()  # the cheap checks at open pass: reading undamaged pages works
        with pytest.raises(StoreError) as info:
            store.tags.tag_article(1, "x")
        message = str(info.value)
        assert message.startswith(f"{path}: the database is damaged") and "backup" in message
        with pytest.raises(StoreError):  # asked again, it is refused again (not remembered as sound)
            store.tags.tag_article(1, "x")
    assert fingerprint(path)[0] == before[0]


def test_a_sound_file_is_read_once_per_process(tmp_path, monkeypatch):
    from annotations.store import damage as db

    path = tmp_path / "sound.db"
    make_db(path)
    calls = []
    real = db._quick_check
    monkeypatch.setattr(db, "_quick_check", lambda d: calls.append(1) or real(d))
    with Store(path, annotator="alice") as a, Store(path, annotator="bob") as b:
        a.tags.tag_article(1, "one")
        b.tags.tag_article(1, "two")
        a.tags.tag_article(1, "three")
    assert len(calls) <= 1  # once for the file (or none: this test process may have checked it)


@pytest.mark.parametrize("command", [["import", "{txt}"], ["preannotate"]], ids=["import", "preannotate"])
def test_writing_commands_refuse_a_damaged_file_with_one_line(tmp_path, command):
    path = damaged_db(tmp_path)
    txt = tmp_path / "new.txt"
    txt.write_text("A new article about Rabat.\n", encoding="utf-8")
    before = fingerprint(path)
    args = [a.format(txt=txt) for a in command]
    result = subprocess.run([str(PARALLAX), *args, "--db", str(path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"parallax: error: {path}: the database is damaged")
    assert fingerprint(path)[0] == before[0]


def test_the_app_refuses_a_damaged_file_and_exits_non_zero(tmp_path, tmux):
    path = damaged_db(tmp_path)
    before = fingerprint(path)
    app = tmux("damaged")
    app.start(f"{PARALLAX} --db {path} --annotator alice 2> {tmp_path}/err", {"TERM": "xterm"})
    assert app.exit_status() == 1
    err = (tmp_path / "err").read_text()
    assert f"parallax: error: {path}: the database is damaged" in err
    assert "Traceback" not in err
    assert fingerprint(path)[0] == before[0]


@pytest.mark.parametrize("command", [
    ["stats"], ["stats", "--json"],
    ["export", "--format", "jsonl", "-o", "{out}"],
    ["export", "--all", "--format", "jsonl", "-o", "{out}"],
    ["export", "--all", "--format", "spacy", "-o", "{out}"],
], ids=["stats", "stats-json", "export-gold", "export-all", "export-spacy"])
def test_reading_commands_refuse_a_damaged_file_with_one_line_and_write_nothing(tmp_path, command):
    """Damage anywhere (here it is in pages stats and the gold export do not read): refused, not
    a traceback, not numbers or training data read around the damage."""
    path = damaged_db(tmp_path)
    out = tmp_path / "out"
    before = fingerprint(path)[0]
    args = [a.format(out=out) for a in command]
    result = subprocess.run([str(PARALLAX), *args, "--db", str(path)], capture_output=True, text=True,
                            timeout=300)
    one_line_error(result, path)
    assert result.stdout == ""
    assert not out.exists()
    assert fingerprint(path)[0] == before


def test_the_read_only_app_ends_on_a_damaged_file_with_one_line(tmp_path, tmux):
    """Not an empty library and "library search failed": the damage check runs read-only too,
    and a damaged page met by any worker ends the app."""
    path = damaged_db(tmp_path)
    before = fingerprint(path)[0]
    app = tmux("damaged-ro")
    app.start(f"{PARALLAX} --readonly --db {path} --annotator alice 2> {tmp_path}/err", {"TERM": "xterm"})
    assert app.exit_status() == 1
    err = (tmp_path / "err").read_text()
    assert f"parallax: error: {path}: the database is damaged" in err
    assert "Traceback" not in err and "search failed" not in err
    assert fingerprint(path)[0] == before


def test_what_is_read_beside_the_page_check_is_given_only_from_a_sound_file(tmp_path):
    """``sound_while`` (``parallax stats``): the numbers are counted while another connection reads
    every page; from a damaged file the damage is raised, never the numbers, and it wins over the
    reading's own failure; from a sound file the numbers come back."""
    from annotations.store import StoreDamaged

    path = damaged_db(tmp_path)
    with Store(path, annotator="alice", readonly=True) as store:
        with pytest.raises(StoreDamaged):
            store.sound_while(store.labels.names)

        def fails() -> None:
            raise ValueError("read around the damage")

        with pytest.raises(StoreDamaged):
            store.sound_while(fails)
    sound = tmp_path / "sound.db"
    make_db(sound)
    with Store(sound, annotator="alice", readonly=True) as store:
        assert store.sound_while(store.labels.names) == store.labels.names()
