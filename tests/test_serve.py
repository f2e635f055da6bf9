"""``parallax serve`` over HTTP, without a browser: tokens, sessions, limits, the Origin check, the
apps' lives, TLS and the textual-serve internals it leans on. The real server runs in a
subprocess; requests come from an aiohttp client on 127.0.0.1."""

from __future__ import annotations

import inspect
import os
import signal
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import aiohttp
import pytest
from serve_helpers import Served, wait_gone
from tmux_helpers import PARALLAX, WAIT_S

from tui.serve.access import AccessError, TokenFile, User, issue_tokens, make_users
from tui.serve.sessions import LimitReached, Sessions


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # cookies for 127.0.0.1


async def sign_in(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    """Open ``url`` as a browser does when the address is pasted into it."""
    async with session.get(url, headers={"Sec-Fetch-Site": "none"}) as response:
        await response.read()
        return response


async def screen_shows(websocket: aiohttp.ClientWebSocketResponse, text: bytes) -> None:
    """Read what the app sends until ``text`` went by."""
    seen = b""
    while text not in seen:
        message = await websocket.receive(timeout=WAIT_S)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        seen = seen[-len(text):] + message.data


def origin(server: Served) -> str:
    return server.base.rstrip("/")


# -- users, tokens and sessions --------------------------------------------------------------


def test_user_names_are_checked_and_given_once():
    assert make_users(("alice",), ("bob",)) == [User("alice"), User("bob", readonly=True)]
    for bad in ("", " alice", "al\x1bice", "x" * 65, "a\u202eb"):
        with pytest.raises(AccessError):
            make_users((bad,), ())
    with pytest.raises(AccessError, match="given twice"):
        make_users(("alice",), ("alice",))


def test_tokens_are_kept_hashed_in_an_owner_only_file_and_renewed_on_demand(tmp_path):
    users = [User("alice"), User("bob", readonly=True)]
    file = TokenFile(tmp_path / "t.json")
    first = issue_tokens(users, file)
    assert set(first.fresh) == {"alice", "bob"}
    assert stat.S_IMODE(os.stat(file.path).st_mode) == 0o600
    text = file.path.read_text()
    assert not any(token in text for token in first.fresh.values())
    assert first.tokens.user_for(first.fresh["alice"]) == User("alice")
    assert first.tokens.user_for(first.fresh["bob"]) == User("bob", readonly=True)
    assert first.tokens.user_for(first.fresh["alice"][:-1]) is None
    assert first.tokens.user_for("") is None

    again = issue_tokens(users, file)  # a restart: nothing new, the same tokens work
    assert again.fresh == {}
    assert again.tokens.user_for(first.fresh["alice"]) == User("alice")
    renewed = issue_tokens(users, file, renew=("alice",))
    assert set(renewed.fresh) == {"alice"}
    assert renewed.tokens.user_for(first.fresh["alice"]) is None
    assert renewed.tokens.user_for(renewed.fresh["alice"]) == User("alice")
    assert renewed.tokens.user_for(first.fresh["bob"]) == User("bob", readonly=True)
    only_bob = issue_tokens([User("bob")], file)  # a user left off the command line is not let in
    assert only_bob.tokens.user_for(renewed.fresh["alice"]) is None

    os.chmod(file.path, 0o640)
    with pytest.raises(AccessError, match="chmod 600"):
        issue_tokens(users, file)


def test_sessions_count_apps_against_both_limits():
    sessions = Sessions(max_total=2, max_per_user=1)
    alice, bob, carol = User("alice"), User("bob"), User("carol")
    sid = sessions.sign_in(alice)
    assert sessions.user_for(sid) == alice and sessions.user_for(sid + "x") is None
    assert sessions.user_for(None) is None
    with sessions.app_process(alice):
        with pytest.raises(LimitReached, match="--max-sessions-per-user 1"):
            with sessions.app_process(alice):
                pass
        with sessions.app_process(bob):
            assert "--max-sessions 2" in sessions.refusal(carol)
        assert sessions.refusal(carol) is None
    assert sessions.running == 0 and sessions.refusal(alice) is None


# -- the server --------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    from app_helpers import make_seeded_db

    path = tmp_path / "team.db"
    make_seeded_db(path)
    return path


async def test_nothing_without_a_session_then_a_cookie_only_this_server_reads(db, served):
    server = served(db, "--user", "alice")
    token = server.url("alice").rsplit("=", 1)[1]
    async with client() as session:
        for path in ("", "ws", "static/js/textual.js", "download/x", "?token=wrong",
                     f"static/js/textual.js?token={token}"):
            async with session.get(server.base + path) as response:
                assert response.status == 403, path
        assert session.cookie_jar.filter_cookies(server.base) == {}
        response = await sign_in(session, server.url("alice"))
        assert response.status == 200
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http here; see the TLS test
        assert token not in await response.text()
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        async with session.get(server.base) as page:
            assert page.status == 200 and token not in await page.text()
        async with session.get(server.base + "static/js/textual.js") as script:
            assert script.status == 200
    assert server.apps() == []  # nothing above started an app
    assert server.stop() == 0
    log = server.log()
    assert log.count(token) == 1  # printed once at start, never logged
    assert "refused a sign-in with an unknown token" in log


async def test_a_link_from_elsewhere_asks_before_signing_in(db, served):
    """Login CSRF: a link on another site to the server with its sender's token must not sign the
    visitor in as the sender without asking; the question's own button does."""
    server = served(db, "--user", "alice", "--user", "mallory")
    async with client() as session:
        for fetch_site in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {}):
            async with session.get(server.url("mallory"), headers=fetch_site) as page:
                assert page.status == 200, fetch_site
                assert "Sign in to Parallax as mallory?" in await page.text()
                assert "Set-Cookie" not in page.headers
        for other in ({}, {"Origin": "http://evil.example"}, {"Origin": origin(server) + "0"}):
            async with session.post(server.url("mallory"), headers=other) as refused:
                assert refused.status == 403, other
        assert session.cookie_jar.filter_cookies(server.base) == {}
        async with session.post(server.url("mallory"), headers={"Origin": origin(server)}) as page:
            assert page.status == 200 and "Set-Cookie" in page.headers  # the question's button

    async with client() as session:
        await sign_in(session, server.url("alice"))
        async with session.get(server.url("mallory"), headers={"Sec-Fetch-Site": "none"}) as page:
            text = await page.text()  # already someone: asked even for an address pasted in
            assert "Set-Cookie" not in page.headers
            assert "signed in as alice now" in text and "Sign in as mallory" in text
        async with session.get(server.url("alice"), headers={"Sec-Fetch-Site": "none"}) as page:
            assert "Set-Cookie" in page.headers  # the same user again: at once
    assert server.stop() == 0
    assert "refused a sign-in for mallory posted from origin 'http://evil.example'" in server.log()


async def test_websockets_need_this_origin_and_respect_the_limits(db, served):
    server = served(db, "--user", "alice", "--user", "bob", "--user", "carol",
                    "--max-sessions-per-user", "1", "--max-sessions", "2")
    sessions = {name: client() for name in ("alice", "bob", "carol")}
    try:
        for name, session in sessions.items():
            await sign_in(session, server.url(name))
        alice = sessions["alice"]
        ws_url = server.base + "ws"
        for other in ({}, {"origin": "http://evil.example"}, {"origin": origin(server) + "0"}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await alice.ws_connect(ws_url, **other)
            assert refused.value.status == 403
        assert server.apps() == []
        first = await alice.ws_connect(ws_url, origin=origin(server))
        (app,) = server.wait_apps(1)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await alice.ws_connect(ws_url, origin=origin(server))
        assert refused.value.status == 429
        async with alice.get(server.base) as page:
            assert page.status == 429
            assert "--max-sessions-per-user 1" in await page.text()
        second = await sessions["bob"].ws_connect(ws_url, origin=origin(server))
        server.wait_apps(2)
        async with sessions["carol"].get(server.base) as page:
            assert page.status == 429 and "--max-sessions 2" in await page.text()
        await first.close()  # alice closes her tab: her app ends, and she may open another
        wait_gone(app)
        server.wait_log("alice: app ended")
        third = await alice.ws_connect(ws_url, origin=origin(server))
        server.wait_apps(2)
        await third.close()
        await second.close()
        server.wait_apps(0)
    finally:
        for session in sessions.values():
            await session.close()
    assert server.stop() == 0


@pytest.mark.parametrize("when", ["idle", "starting"])
async def test_the_apps_end_when_the_server_is_killed(db, served, when):
    server = served(db, "--user", "alice")
    async with client() as session:
        await sign_in(session, server.url("alice"))
        websocket = await session.ws_connect(server.base + "ws", origin=origin(server))
        if when == "idle":
            await screen_shows(websocket, b"HomePoliticsSecurity")  # the app is up, in the library
        (app,) = server.wait_apps(1)
        os.kill(server.proc.pid, signal.SIGKILL)  # the server alone: nobody tells the app
        server.proc.wait()
        wait_gone(app)


def test_a_restart_keeps_each_address_until_a_new_token_is_asked_for(db, tmp_path):
    first = Served(tmp_path, db, "--user", "alice")
    old = first.url("alice")
    assert first.stop() == 0
    second = Served(tmp_path, db, "--user", "alice")
    try:
        assert second.urls == {}
        assert "token issued" in second.log() and "--new-token alice" in second.log()
    finally:
        assert second.stop() == 0
    third = Served(tmp_path, db, "--user", "alice", "--new-token", "alice")
    try:
        new = third.url("alice")
        assert new != old
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(third.base + "?" + old.split("?", 1)[1])
        assert refused.value.code == 403
        with urllib.request.urlopen(new) as ok:
            assert ok.status == 200
    finally:
        assert third.stop() == 0


def run_serve(*args: str, db=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PARALLAX), "serve", *args, *(["--db", str(db)] if db else [])],
                          capture_output=True, text=True, timeout=60)


def test_another_host_needs_users_and_says_when_there_is_no_tls(db, tmp_path):
    refused = run_serve("--host", "0.0.0.0", "--port", "0", db=db)
    assert refused.returncode == 1
    assert "lets other machines connect: name who may sign in with --user NAME" in refused.stderr
    assert not (tmp_path / "team.db.serve-tokens").exists()
    server = Served(tmp_path, db, "--host", "0.0.0.0", "--user", "alice")
    try:
        assert "0.0.0.0 without TLS" in server.log()
    finally:
        assert server.stop() == 0
    local = Served(tmp_path, db, "--user", "alice")
    try:
        assert "without TLS" not in local.log()
    finally:
        assert local.stop() == 0


def test_bad_options_are_refused_with_what_to_do(db, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not a key\n")
    result = run_serve("--keyfile", str(key), db=db)
    assert result.returncode == 1 and "--keyfile needs --certfile" in result.stderr
    result = run_serve("--certfile", str(key), "--port", "0", db=db)
    assert result.returncode == 1
    assert f"{key}: cannot load the TLS certificate and key" in result.stderr
    result = run_serve("--user", "al\tice", db=db)
    assert result.returncode == 1 and "control characters" in result.stderr
    missing = tmp_path / "none" / "x.db"
    result = run_serve("--readonly-user", "bob", db=missing)
    assert result.returncode == 1 and str(missing) in result.stderr
    tokens = tmp_path / "team.db.serve-tokens"
    tokens.write_text('{"users": {}}')
    tokens.chmod(0o644)
    result = run_serve("--port", "0", db=db)
    assert result.returncode == 1 and f"run `chmod 600 {tokens}`" in result.stderr
    tokens.unlink()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_serve("--port", str(taken.getsockname()[1]), db=db)
    assert result.returncode == 1 and "choose another --port" in result.stderr
    assert not tokens.exists()  # no token issued (and lost) by a server that never listened


async def test_tls_serves_https_with_a_secure_cookie(db, tmp_path, served):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = served(db, "--user", "alice", "--certfile", str(cert), "--keyfile", str(key))
    assert server.url("alice").startswith("https://127.0.0.1:")
    async with client() as session:
        async with session.get(server.url("alice"), ssl=False,  # self-signed
                               headers={"Sec-Fetch-Site": "none"}) as response:
            assert response.status == 200
            assert "Secure" in response.headers["Set-Cookie"]


def test_the_app_alone_never_loads_the_web_server():
    """aiohttp and textual-serve cost ~300 ms: the terminal app (every launch) must not pay it;
    nor the serve command's own modules (imported when it runs or --help lists it, issue 20)."""
    code = ("import sys, tui.cli; "
            "print(sorted(m for m in sys.modules "
            "if m.startswith(('aiohttp', 'textual_serve', 'tui.serve'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_textual_serve_internals_used_are_still_there():
    """tui/serve/server.py lists the private parts of textual-serve it uses; if one moves in a
    new release, this fails before any user does."""
    import asyncio

    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    from tui.serve.server import ParallaxServer, Settings

    assert inspect.iscoroutinefunction(Server._make_app)
    relay = inspect.signature(Server._process_messages)
    assert list(relay.parameters) == ["self", "websocket", "app_service"]
    assert {"write_bytes", "write_str", "close", "download_manager"} <= set(
        inspect.signature(AppService).parameters)
    service = AppService("true", write_bytes=None, write_str=None, close=None, download_manager=None)
    assert service._process is None  # set when it starts; killed if a closed tab's app hangs
    server = ParallaxServer(Settings("x.db"))
    app = asyncio.run(server._make_app())
    assert {r.name for r in app.router.routes()} >= {"index", "websocket", "download", "static"}
    assert server._guard in app.middlewares
