"""The real ``parallax`` program in a private tmux server, driven by keys as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PARALLAX = Path(sys.executable).parent / "parallax"
WAIT_S = 60  # generous: a deadline for polling the screen, not a timing assertion
FAKE_XCLIP = """#!/bin/sh
# Stands in for xclip: there is no X display on this machine. pyperclip runs it as it would
# run the real one; what it is given lands in $CLIPBOARD_FILE.
case "$*" in
  *-o*) cat "$CLIPBOARD_FILE" ;;
  *) cat > "$CLIPBOARD_FILE" ;;
esac
"""


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
