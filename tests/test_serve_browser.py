"""``parallax serve`` in a real browser (headless Chromium): a user signs in with the printed
address and annotates; nobody else gets in; two browser users and a terminal user share one
database, and kill -9 of the server loses nothing shown as saved."""

from __future__ import annotations

import http.server
import os
import re
import signal
import threading
import time
from functools import partial

from app_helpers import make_seeded_db
from serve_helpers import wait_gone
from tmux_helpers import FAKE_XCLIP, PARALLAX, WAIT_S

from annotations.store import Store


def accepted(db, annotator: str) -> int:
    with Store(db, annotator=annotator, readonly=True) as store:
        return sum(1 for aid in store.articles.ids() for s in store.view.spans(aid, annotator)
                   if s.status == "accepted")


def footer_fits(screen: str, cols: int) -> bool:
    """The footer's last key ends at the terminal's right edge (the app knows its width)."""
    footer = next((line for line in screen.splitlines() if "^p palette" in line), "")
    return cols - 2 <= len(footer.rstrip()) <= cols


def test_a_user_signs_in_and_annotates_in_the_browser(tmp_path, served, browser):
    db = tmp_path / "team.db"
    make_seeded_db(db)
    # A desktop clipboard on the server (a stand-in xclip), which the browser's user must not get.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "xclip").write_text(FAKE_XCLIP)
    (bin_dir / "xclip").chmod(0o755)
    server_clipboard = tmp_path / "clipboard.txt"
    server = served(db, "--user", "alice", "--readonly-user", "bob",
                    env={"DISPLAY": ":0", "PATH": f"{bin_dir}:{os.environ['PATH']}",
                         "CLIPBOARD_FILE": str(server_clipboard)})
    token = server.url("alice").rsplit("=", 1)[1]
    alice = browser()
    alice.open(server.url("alice"))
    alice.wait_for("HomePoliticsSecurity")  # the library
    assert alice.driver.current_url == server.base  # the token has left the address bar
    assert token not in alice.driver.page_source
    assert alice.driver.execute_script("return document.cookie") == ""  # HttpOnly: no script reads it
    (cookie,) = alice.driver.get_cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    cols, rows = alice.size()
    alice.driver.set_window_size(700, 500)  # a resize reaches the app: it lays the screen out again
    deadline = time.monotonic() + WAIT_S
    while not (alice.size()[0] < cols - 10 and footer_fits(alice.screen(), alice.size()[0])):
        assert time.monotonic() < deadline, alice.screen()
        time.sleep(0.1)
    alice.keys("Enter")
    alice.wait_for("origin: model (test-model 1.0)")  # the first entity: Abdellatif Hammouchi
    alice.keys("c")
    alice.wait_for("copied 20 characters (to the browser's clipboard, where it allows)")
    assert alice.driver.execute_script("return window.__parallaxCopied") == ["Abdellatif Hammouchi"]
    assert not server_clipboard.exists()
    alice.keys("a")
    alice.wait_for("saved: accept")
    assert accepted(db, "alice") == 1  # the annotator is the one the token names
    (app,) = server.apps()

    bob = browser()  # read-only: the same keys write nothing
    bob.open(server.url("bob"))
    bob.wait_for("read-only: looking only")
    bob.keys("Enter")
    bob.wait_for("origin: model")
    bob.keys("a")
    bob.wait_for("read-only")
    assert accepted(db, "bob") == 0

    bobs_app = next(pid for pid in server.apps() if pid != app)
    alice.open("about:blank")  # closing the tab ends its app
    wait_gone(app)
    server.wait_log("alice: app ended")
    assert server.stop() == 0  # Ctrl+C: bob's tab is still open, and its app ends with the server
    wait_gone(bobs_app)
    assert "bob: app ended" in server.log()
    assert server.log().count(token) == 1  # printed once at start, never logged after


class _OtherSite(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_nobody_gets_in_without_a_token_or_from_another_origin(tmp_path, served, browser):
    from selenium.webdriver.common.by import By

    db = tmp_path / "team.db"
    make_seeded_db(db)
    server = served(db, "--user", "alice")
    stranger = browser()
    stranger.open(server.base)
    assert stranger.status() == 403
    assert "Not signed in" in stranger.driver.page_source
    stranger.open(server.base + "?token=not-a-token")
    assert stranger.status() == 403

    # A page of another origin (another port of this host: the same site, so the browser sends
    # alice's SameSite=Strict cookie along) opens the websocket: the Origin check alone refuses it.
    page = tmp_path / "site"
    page.mkdir()
    ws = server.base.replace("http://", "ws://") + "ws"
    (page / "index.html").write_text(
        f"<script>const s = new WebSocket({ws!r}); s.onopen = () => document.title = 'opened'; "
        "s.onclose = () => { if (document.title !== 'opened') document.title = 'refused'; };</script>")
    (page / "link.html").write_text(f'<a id="go" href="{server.url("alice")}">a link with a token</a>')
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_OtherSite, directory=str(page)))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        # A link to the server with a token, followed from that page: asked before signing in.
        visitor = browser()
        visitor.open(f"http://127.0.0.1:{site.server_address[1]}/link.html")
        visitor.driver.find_element(By.ID, "go").click()
        deadline = time.monotonic() + WAIT_S
        while "Sign in to Parallax as alice?" not in visitor.driver.page_source:
            assert time.monotonic() < deadline, visitor.driver.page_source
            time.sleep(0.1)
        assert visitor.driver.get_cookies() == []
        visitor.driver.find_element(By.TAG_NAME, "button").click()  # the user says yes
        visitor.wait_for("HomePoliticsSecurity")
        visitor.open("about:blank")

        alice = browser()
        alice.open(server.url("alice"))
        alice.wait_for("HomePoliticsSecurity")
        (own_app,) = server.apps()
        alice.open(f"http://127.0.0.1:{site.server_address[1]}/index.html")
        deadline = time.monotonic() + WAIT_S
        while alice.driver.title not in ("opened", "refused") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alice.driver.title == "refused"
    finally:
        site.shutdown()
    log = server.wait_log("refused a websocket for alice from origin")  # alice's cookie came along
    assert f"origin 'http://127.0.0.1:{site.server_address[1]}'" in log
    wait_gone(own_app)  # alice's own tab was navigated away: its app ended
    assert server.apps() == []  # and the refused socket started none
    assert accepted(db, "alice") == 0


def test_two_browser_users_and_a_terminal_user_lose_nothing_to_kill_9(tmp_path, served, browser, tmux):
    db = tmp_path / "team.db"
    make_seeded_db(db)
    server = served(db, "--user", "alice", "--user", "bob")
    users = {name: browser() for name in ("alice", "bob")}
    for name, b in users.items():
        b.open(server.url(name))
    carol = tmux("carol")
    carol.start(f"{PARALLAX} --db {db} --annotator carol", {"TERM": "xterm"})
    for screen in (*users.values(), carol):
        screen.wait_for("HomePoliticsSecurity")
        screen.keys("Enter")
        screen.wait_for("origin: model (test-model 1.0)")
    shown = {}
    for n in range(1, 5):  # in turns: j a in each, each waiting for its own "saved"
        for name, screen in (*users.items(), ("carol", carol)):
            screen.keys("j", "a")
            screen.wait_for(f"✓{n} ")  # the pane's title counts a decision once it is committed
            shown[name] = n
    # One more each, all three in flight together, then kill -9 at once.
    for screen in (*users.values(), carol):
        screen.keys("j", "a")
    for name, screen in (*users.items(), ("carol", carol)):
        if re.search(r"✓5 ", screen.screen()):
            shown[name] = 5
    carol_pid = carol.app_pid()
    server.kill9()
    os.kill(carol_pid, signal.SIGKILL)
    carol.exit_status()
    for name, count in shown.items():
        assert accepted(db, name) >= count, f"{name}: a decision shown as saved is not in the file"
        assert accepted(db, name) <= 5
    with Store(db, readonly=True) as store:
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
