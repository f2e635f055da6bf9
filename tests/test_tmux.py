"""The real ``parallax`` program in tmux, driven by keys as a user would, checked in the database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_helpers import make_seeded_db

from annotations.store import Store

PARALLAX = Path(sys.executable).parent / "parallax"
WAIT_S = 60  # generous: a deadline for polling the screen, not a timing assertion


def test_tmux_and_parallax_are_installed():
    assert shutil.which("tmux"), "these tests drive the app in tmux: install tmux"
    assert PARALLAX.exists(), f"{PARALLAX}: install the package (pip install -e .) first"


class Tmux:
    """A private tmux server (its own socket) running one program in an 80x24 window."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.socket = f"parallax-test-{os.getpid()}-{name}"
        self.name = name
        self.tmp = tmp_path

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self.run("new-session", "-d", "-s", self.name, "-x", "80", "-y", "24",
                 f"env {exports} sh -c '{command}; echo $? > {self.tmp}/rc'")

    def app_pid(self) -> int:
        """The pid of the program (the child of the pane's shell)."""
        deadline = time.monotonic() + WAIT_S
        shell = int(self.run("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())
        while time.monotonic() < deadline:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(shell)], capture_output=True,
                                 text=True).stdout.split()
            if out:
                return int(out[0])
            time.sleep(0.1)
        raise AssertionError("the program did not start")

    def exit_status(self) -> int:
        """Wait for the program to end; its exit status as the shell saw it."""
        rc = self.tmp / "rc"
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if rc.exists() and rc.read_text().strip():
                status = int(rc.read_text())
                rc.unlink()
                return status
            time.sleep(0.1)
        raise AssertionError(f"the program did not exit; the screen shows:\n{self.screen()}")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.name, key)
            time.sleep(0.3)  # one key at a time, as typed

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux(tmp_path):
    sessions: list[Tmux] = []

    def make(name: str) -> Tmux:
        session = Tmux(tmp_path, name)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.kill()


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
        spans = [s for s in store.spans(1) if not s.is_suggestion]
        text = store.article(1).text
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
        statuses = sorted(s.status for s in store.spans(1) if not s.is_suggestion)
        assert statuses == ["accepted", "rejected"]
        assert store.load_session()["reader"]["articles"] == [1]
