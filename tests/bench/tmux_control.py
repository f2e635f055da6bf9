"""Drive programs in a private tmux server and time what their screen shows, for the benchmarks.

One tmux client in control mode (``tmux -C``) stays attached to a session of its own
and sends every command (start a program, send keys, capture a pane) over a pipe: a
capture costs ~0.1 ms there, against ~3 ms for a ``tmux capture-pane`` process, so the
screen can be polled every couple of milliseconds without a fork per look. The pane is
captured with its colours (``-e``), so a change of colour alone counts as a change.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

POLL_S = 0.002  # pause between two captures (the method's resolution is this plus a capture)
CSI = re.compile(r"\x1b\[[0-9;:?]*[ -/]*[@-~]")
_names = itertools.count()


class TmuxError(RuntimeError):
    pass


def plain(screen: str) -> str:
    """A captured screen without its colour escapes."""
    return CSI.sub("", screen)


@dataclass
class KeyTiming:
    """After a key: when the screen first changed and when it last changed (seconds)."""

    first: float
    settled: float


@dataclass
class Polls:
    """Every interval between two captures, to report the resolution of the method."""

    intervals: list[float] = field(default_factory=list)

    def add(self, last: float, now: float) -> None:
        self.intervals.append(now - last)


class TmuxControl:
    """A private tmux server (its own -L socket, no config file) and a control client on it."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.socket = f"parallax-bench-{os.getpid()}-{next(_names)}"
        self.polls = Polls()
        self._client = subprocess.Popen(
            ["tmux", "-L", self.socket, "-f", "/dev/null", "-C", "new-session", "-s", "control",
             "exec sleep 86400"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, bufsize=0)
        self._reply()  # the new-session that started the client

    # -- commands ----------------------------------------------------------------------

    def _reply(self) -> str:
        """The output of the next command block; notifications between blocks are skipped."""
        out: list[bytes] = []
        number = None
        while True:
            line = self._client.stdout.readline()
            if not line:
                raise TmuxError("the tmux control client ended")
            if number is None:
                if line.startswith(b"%begin "):
                    number = line.split()[2]
                continue
            if line.startswith((b"%end ", b"%error ")) and line.split()[2:3] == [number]:
                text = b"".join(out).decode("utf-8", "replace")
                if line.startswith(b"%error "):
                    raise TmuxError(text.strip() or "tmux error")
                return text
            out.append(line)

    def command(self, *words: str) -> str:
        """Run one tmux command; its output. Words are quoted for tmux's parser."""
        line = " ".join(_quote(w) for w in words)
        self._client.stdin.write(line.encode("utf-8") + b"\n")
        return self._reply()

    def start(self, name: str, width: int, height: int, argv: list[str], cwd: str) -> None:
        """Run ``argv`` (exec'd: the pane's pid is the program's) in a new WIDTHxHEIGHT session."""
        self.command("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), "-c", cwd,
                     "exec " + " ".join(_shell_quote(a) for a in argv))

    def screen(self, name: str) -> str:
        return self.command("capture-pane", "-p", "-e", "-t", name)

    def pid(self, name: str) -> int:
        return int(self.command("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def keys(self, name: str, *keys: str) -> None:
        self.command("send-keys", "-t", name, *keys)

    def kill(self, name: str) -> None:
        try:
            self.command("kill-session", "-t", name)
        except TmuxError:
            pass  # gone already

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        try:
            self._client.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._client.kill()

    # -- timing ------------------------------------------------------------------------

    def wait_until(self, name: str, done: Callable[[str], bool], t0: float, timeout: float) -> float:
        """Seconds from ``t0`` to the first capture for which ``done(screen)`` holds."""
        last = time.perf_counter()
        while True:
            screen = self.screen(name)
            now = time.perf_counter()
            self.polls.add(last, now)
            last = now
            if done(screen):
                return now - t0
            if now - t0 > timeout:
                raise TmuxError(f"not there after {timeout:g} s; the screen shows:\n{plain(screen)}")
            time.sleep(POLL_S)

    def quiet(self, name: str, quiet_s: float, timeout: float = 60.0) -> str:
        """Wait until the screen has not changed for ``quiet_s``; the screen then."""
        t0 = time.perf_counter()
        screen, changed = self.screen(name), t0
        while time.perf_counter() - changed < quiet_s:
            time.sleep(POLL_S)
            now_screen = self.screen(name)
            if now_screen != screen:
                screen, changed = now_screen, time.perf_counter()
            if time.perf_counter() - t0 > timeout:
                raise TmuxError(f"the screen never settled in {timeout:g} s:\n{plain(screen)}")
        return screen

    def time_key(self, name: str, key: str, quiet_s: float, timeout: float = 60.0) -> KeyTiming:
        """Send ``key`` to a settled screen: when it first changed, and when it last changed
        before ``quiet_s`` without a change (seconds from just before the key was sent)."""
        before = self.screen(name)
        t0 = time.perf_counter()
        self.keys(name, key)
        first = self.wait_until(name, lambda s: s != before, t0, timeout)
        screen, last_change = self.screen(name), t0 + first
        poll = time.perf_counter()
        while poll - last_change < quiet_s:
            time.sleep(POLL_S)
            now_screen = self.screen(name)
            now = time.perf_counter()
            self.polls.add(poll, now)
            poll = now
            if now_screen != screen:
                screen, last_change = now_screen, now
        return KeyTiming(first, last_change - t0)


def _quote(word: str) -> str:
    """A word for tmux's command parser (single quotes; a single quote itself escaped)."""
    return "'" + word.replace("'", "'\\''") + "'"


def _shell_quote(word: str) -> str:
    return "'" + word.replace("'", "'\"'\"'") + "'"


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise TmuxError(f"no VmHWM for process {pid}")


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    """Wait for a process to end (its files closed) before its database is replaced."""
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                if stat.read().split(") ", 1)[1].startswith("Z"):
                    return  # a zombie holds no files
        except OSError:
            return
        time.sleep(0.02)
    if os.path.exists(f"/proc/{pid}"):
        raise TmuxError(f"process {pid} did not end in {timeout:g} s")
