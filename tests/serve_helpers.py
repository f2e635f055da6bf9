"""``parallax serve`` as its users meet it: the real server in a subprocess, and headless
Chromium (Debian's chromium and chromium-driver, driven by selenium) reading what xterm.js
shows and typing into it.

Without Chromium the browser tests skip with the reason and the install line; where
PARALLAX_REQUIRE_BROWSER=1 (CI sets it in .ci/run) they fail instead, so they can never be
skipped unnoticed there.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from tmux_helpers import PARALLAX, WAIT_S

REQUIRE_BROWSER = "PARALLAX_REQUIRE_BROWSER"
HOOK = (Path(__file__).resolve().parent / "serve_terminal.js").read_text(encoding="utf-8")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
USER_LINE = re.compile(r"^  (\S+)\s+(annotator|read-only)\s+(https?://\S+)$")
_profiles = itertools.count()


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    missing = [name for name in ("chromium", "chromedriver") if not shutil.which(name)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    return f"not installed: {', '.join(missing)}" if missing else None


def need_browser() -> None:
    """Skip with the reason, or fail where PARALLAX_REQUIRE_BROWSER=1 (CI)."""
    reason = browser_missing()
    if reason is None:
        return
    message = f"the browser tests need Chromium: {reason} (apt-get install chromium chromium-driver)"
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{message}; {REQUIRE_BROWSER}=1 says they must run here", pytrace=False)
    pytest.skip(f"{message}; with {REQUIRE_BROWSER}=1 (as in CI) this fails instead")


# -- the server -------------------------------------------------------------------------


class Served:
    """``parallax serve --port 0`` on a database; its users' addresses, its log, its app processes."""

    def __init__(self, folder: Path, db: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.db = db
        self.out = folder / f"serve-{next(_profiles)}.log"
        with open(self.out, "w") as log:
            self.proc = subprocess.Popen([str(PARALLAX), "serve", "--db", str(db), "--port", "0", *args],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**os.environ, **(env or {})})
        self.urls: dict[str, str] = {}
        deadline = time.monotonic() + WAIT_S
        while "Ctrl+C stops the server" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"parallax serve did not start:\n{self.log()}")
            time.sleep(0.05)
        for line in self.log().splitlines():
            if m := USER_LINE.match(line):
                self.urls[m[1]] = m[3]
        self.base = re.search(r" on (https?://\S+/)$", self.log(), re.M)[1]

    def log(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def url(self, user: str) -> str:
        return self.urls[user]

    def apps(self) -> list[int]:
        """The app processes running now (the server's children)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    def wait_apps(self, count: int) -> list[int]:
        deadline = time.monotonic() + WAIT_S
        while len(apps := self.apps()) != count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(apps)} app processes, not {count}; the log:\n{self.log()}")
            time.sleep(0.1)
        return apps

    def wait_log(self, text: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while text not in (log := self.log()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never logged:\n{log}")
            time.sleep(0.1)
        return log

    def stop(self) -> int:
        """Ctrl+C; the server's exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=WAIT_S)

    def kill9(self) -> None:
        """kill -9 the server and every app process it started, at once."""
        apps = self.apps()
        for pid in [self.proc.pid, *apps]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=WAIT_S)
        for pid in apps:
            wait_gone(pid)


def wait_gone(pid: int) -> None:
    """Wait until process ``pid`` is gone (or a zombie: it holds nothing any more)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                if stat.read().rsplit(") ", 1)[1].startswith("Z"):
                    return
        except OSError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} is still running")


@pytest.fixture
def served(tmp_path):
    servers: list[Served] = []

    def make(db: Path, *args: str, env: dict[str, str] | None = None) -> Served:
        server = Served(tmp_path, db, *args, env=env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        if server.proc.poll() is None:
            server.kill9()


# -- the browser ------------------------------------------------------------------------


class Browser:
    """One headless Chromium with a profile of its own (its own cookies: one signed-in user)."""

    def __init__(self, folder: Path, width: int = 1000, height: int = 700) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for flag in (*CHROMIUM_FLAGS, f"--window-size={width},{height}",
                     f"--user-data-dir={folder / f'chromium-{next(_profiles)}'}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})

    def open(self, url: str) -> None:
        self.driver.get(url)

    def status(self) -> int:
        """The HTTP status of the page shown."""
        return self.driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus")

    def screen(self) -> str:
        """What the terminal in the page shows, as lines of text ('' before it has started)."""
        return self.driver.execute_script("return window.__parallaxScreen && window.__parallaxScreen()") or ""

    def size(self) -> tuple[int, int]:
        """The terminal's columns and rows, as xterm.js fitted them to the window."""
        return tuple(self.driver.execute_script("return window.__parallaxSize()"))

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while text not in (screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the browser shows:\n{screen}")
            time.sleep(0.1)
        return screen

    def keys(self, *keys: str) -> None:
        """Type into the terminal (its focused input), one key at a time as typed."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        field = self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for key in keys:
            field.send_keys({"Enter": Keys.ENTER, "Escape": Keys.ESCAPE}.get(key, key))
            time.sleep(0.2)

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser(tmp_path):
    need_browser()
    browsers: list[Browser] = []

    def make() -> Browser:
        b = Browser(tmp_path)
        browsers.append(b)
        return b

    yield make
    for b in browsers:
        b.quit()
