"""The real ``parallax`` program in tmux, driven by keys as a user would, checked in the database."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from app_helpers import make_seeded_db
from store_helpers import LockHolder
from tmux_helpers import FAKE_XCLIP, PARALLAX

from annotations.store import Store


def test_tmux_and_parallax_are_installed():
    assert shutil.which("tmux"), "these tests drive the app in tmux: install tmux"
    assert PARALLAX.exists(), f"{PARALLAX}: install the package (pip install -e .) first"


@pytest.mark.parametrize("env", [{"TERM": "xterm"}, {"TERM": "xterm", "NO_COLOR": "1"}],
                         ids=["xterm-16-colours", "no-color"])
def test_open_accept_quit_restart_and_hangup(tmp_path, tmux, env):
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    command = f"{PARALLAX} --db {db} --annotator tester"

    first = tmux("first")
    first.start(command, env)
    first.wait_for("HomePoliticsSecurity")
    first.keys("Enter")
    first.wait_for("origin: model (test-model 1.0)")
    first.keys("a")
    screen = first.wait_for("saved: accept PERSON 'Abdellatif Hammouchi'")
    first.keys("q")
    assert first.exit_status() == 0
    with Store(db, annotator="tester") as store:
        spans = [s for s in store.view.spans(1) if not s.is_suggestion]
        text = store.articles.get(1).text
    assert [(text[s.start:s.end], s.label, s.status) for s in spans] == \
        [("Abdellatif Hammouchi", "PERSON", "accepted")]
    assert "in progress ✓1" in screen

    # Starting again brings back the open article with the cursor where it was (the next entity).
    second = tmux("second")
    second.start(command, env)
    screen = second.wait_for("origin: model (test-model 1.0)")
    assert "in progress ✓1" in screen
    second.keys("x")
    second.wait_for("saved: reject")
    # A dropped SSH connection: the terminal hangs up. The app's handler exits cleanly (status 0,
    # not 128 + SIGHUP) and nothing is lost.
    os.kill(second.app_pid(), signal.SIGHUP)
    assert second.exit_status() == 0
    with Store(db, annotator="tester") as store:
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
        statuses = sorted(s.status for s in store.view.spans(1) if not s.is_suggestion)
        assert statuses == ["accepted", "rejected"]
        assert store.presence.load_session()["reader"]["articles"] == [1]


def test_quit_ends_the_process_at_once_while_background_work_waits_for_the_database(tmp_path, tmux):
    """q must not wait for background work: here an import that waits for a write lock another
    process holds (a worker would sit in that wait for 30 s). The app still ends at once,
    nothing is half written, and the import is done at the next start."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    new = tmp_path / "new.txt"
    new.write_text("A new article about Rabat and the FBI.\n", encoding="utf-8")
    app = tmux("quit")
    with LockHolder(db):
        app.start(f"{PARALLAX} {new} --db {db} --annotator tester", {"TERM": "xterm"})
        app.wait_for("HomePoliticsSecurity")
        app.wait_for("importing")  # the import worker is waiting for the lock
        asked = time.monotonic()
        app.keys("q")
        assert app.exit_status() == 0
        # A behaviour, not a benchmark: the import would hold the process for 30 s.
        assert time.monotonic() - asked < 10
    with Store(db, annotator="tester") as store:
        assert store.articles.count() == 5
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    again = tmux("again")
    again.start(f"{PARALLAX} {new} --db {db} --annotator tester", {"TERM": "xterm"})
    again.wait_for("imported 1 article")
    again.keys("q")
    assert again.exit_status() == 0


def test_copy_reaches_the_system_clipboard_and_the_terminal(tmp_path, tmux):
    """Both copy routes end to end: pyperclip's xclip (local desktop) and OSC 52 in the bytes the
    app writes to its terminal (what travels over SSH)."""
    import base64

    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    xclip = bin_dir / "xclip"
    xclip.write_text(FAKE_XCLIP)
    xclip.chmod(0o755)
    clipboard = tmp_path / "clipboard.txt"
    env = {"TERM": "xterm", "DISPLAY": ":0", "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "CLIPBOARD_FILE": str(clipboard), "SSH_CONNECTION": "", "SSH_TTY": ""}
    app = tmux("copy")
    app.start(f"{PARALLAX} --db {db} --annotator tester", env)
    raw = tmp_path / "raw.out"
    app.run("pipe-pane", "-o", "-t", app.name, f"cat >> {raw}")
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("origin: model (test-model 1.0)")  # the first entity: Abdellatif Hammouchi
    app.keys("c")
    app.wait_for("copied 20 characters (to the system clipboard and via terminal OSC 52)")
    assert clipboard.read_text(encoding="utf-8") == "Abdellatif Hammouchi"
    encoded = base64.b64encode(b"Abdellatif Hammouchi").decode()
    assert f"\x1b]52;c;{encoded}" in raw.read_bytes().decode("utf-8", errors="replace")
    app.keys("q")
    assert app.exit_status() == 0


def test_the_app_process_never_loads_spacy(tmp_path, tmux):
    """spaCy (and its ~60 MB) lives in short NLP processes; the app asks them for tokens and
    suggestions. Checked in the real program's memory map after it used the token cursor."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db, tokens=False)
    app = tmux("nospacy")
    app.start(f"{PARALLAX} --db {db} --annotator tester", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("origin: model (test-model 1.0)")
    pid = app.app_pid()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the NLP process has stored the tokens
        app.keys("w")
        if "v Select" in app.screen() or "m Make" in app.screen():
            break
        time.sleep(0.5)
    assert "m Make span" in app.screen()  # the token cursor is out: its keys are in the footer
    with Store(db, annotator="tester") as store:
        assert store.query("SELECT count(*) AS n FROM tokens WHERE article_id = 1")[0]["n"] == 1
    maps = Path(f"/proc/{pid}/maps").read_text()
    assert "spacy" not in maps and "thinc" not in maps
    app.keys("q")
    assert app.exit_status() == 0
