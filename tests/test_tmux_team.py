"""The real program in tmux: --readonly on a read-only folder leaves the database byte-identical
after a session of key presses, and the review screen settles a disagreement as a user would."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from team_helpers import make_team_db
from tmux_helpers import PARALLAX

from annotations.store import Store


def digest(folder) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in sorted(os.listdir(folder))}


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder holding the team database that nobody may write: a read-only bind mount as root
    (root writes through chmod), chmod otherwise."""
    source = tmp_path / "src"
    source.mkdir()
    db = source / "team.db"
    make_team_db(db)
    with Store(db) as store:  # fold the WAL into the file: a read-only folder has no -wal
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(source), str(folder)], check=True)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        os.chmod(source, 0o555)
        try:
            yield source
        finally:
            os.chmod(source, 0o755)


def test_readonly_session_leaves_the_database_byte_identical(read_only_folder, tmux):
    folder = read_only_folder
    with pytest.raises(OSError):
        (folder / "probe").write_text("x")  # really read-only
    before = digest(folder)
    app = tmux("ro")
    app.start(f"{PARALLAX} --db {folder / 'team.db'} --annotator bob",
              {"PARALLAX_READONLY": "1", "TERM": "xterm"})
    app.wait_for("read-only: looking only")
    app.keys("Enter")
    app.wait_for("origin:")
    for key in ("a", "x", "d", "l", "u", "1", "t", "L", "j", "A"):
        app.keys(key)
    screen = app.wait_for("read-only")
    app.keys("Escape", "R")
    app.wait_for("DISAGREE")
    app.keys("2", "A", "d", "u", "g")
    app.wait_for("Cohen's kappa")
    app.keys("Escape", "Escape", "q")
    assert app.exit_status() == 0, screen
    assert digest(folder) == before


def test_review_in_tmux_takes_bobs_sahel(tmp_path, tmux):
    db = tmp_path / "team.db"
    article_id = make_team_db(db)
    app = tmux("review")
    app.start(f"{PARALLAX} --db {db} --annotator lead", {"TERM": "xterm", "NO_COLOR": "1"})
    app.wait_for("HomePoliticsSecurity")
    app.keys("R")
    screen = app.wait_for("1 alice: PERSON 'Sahel' · 2 bob: LOC 'Sahel'")
    assert "≠ Abdellatif Hammouchi" in screen  # visible without colour
    app.keys("2")
    app.wait_for("saved: take bob's version of 'Sahel'")
    app.keys("q")
    assert app.exit_status() == 0
    with Store(db, annotator="lead", readonly=True) as store:
        text = store.articles.get(article_id).text
        assert [(text[s.start:s.end], s.label) for s in store.review.layer_entities(article_id,
                                                                                    "review:lead")] == [
            ("Sahel", "LOC")]


def test_a_merge_while_the_app_writes_the_source_loses_nothing(tmp_path, tmux):
    """The app in tmux accepts entity after entity in alice's database while merges read it."""
    import threading

    from app_helpers import make_seeded_db

    from annotations.store.merge import merge_source

    source, out = tmp_path / "alice.db", tmp_path / "team.db"
    make_seeded_db(source)
    app = tmux("merge")
    app.start(f"{PARALLAX} --db {source} --annotator alice", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("origin:")
    stop, merges, errors = threading.Event(), [], []

    def merging() -> None:
        while not stop.is_set():
            try:
                with Store(out, annotator="merge") as store:
                    merges.append(merge_source(store, str(source)))
            except Exception as exc:  # reported below, never swallowed
                errors.append(exc)
                return

    worker = threading.Thread(target=merging)
    worker.start()
    try:
        for _ in range(8):
            app.keys("a")
        app.wait_for("saved: accept")
    finally:
        stop.set()
        worker.join()
    app.keys("q")
    assert app.exit_status() == 0
    assert not errors and len(merges) >= 2 and not any(m.conflicts for m in merges)
    with Store(source, annotator="alice", readonly=True) as alice:
        accepted = [s for s in alice.view.spans(1) if s.status == "accepted"]
        article_hash = alice.articles.get(1).hash
    assert len(accepted) == 8  # every accept the app showed as saved is in alice's database
    with Store(out, annotator="merge") as store:
        merge_source(store, str(source))  # what came after the last snapshot
    with Store(out, readonly=True) as merged:
        (row,) = merged.query("SELECT id FROM articles WHERE hash=?", (article_hash,))
        got = sorted((s.start, s.end, s.label) for s in merged.view.spans(row["id"], "alice")
                     if s.status == "accepted")
    assert got == sorted((s.start, s.end, s.label) for s in accepted)
