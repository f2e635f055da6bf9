"""The web server behind ``parallax serve``: textual-serve's, with access control in front.

Each browser tab runs the real app as its own process, ``parallax open --db FILE
--annotator NAME [--readonly]``, the name taken from the user's session (signed in
with the user's token), never from anything the browser sends. Every request needs
that session (or a valid token, which starts one): without it the answer is 403
and no process starts. The websocket that runs an app must also come from this
server's own page (its Origin header). Tokens are never logged.

textual-serve has no public way to add authentication or to choose the command per
request, so a few of its internals are used (``tests/test_serve.py`` checks that
they are still there, and pyproject.toml pins the versions they were read from):

- ``Server._make_app()`` builds the aiohttp application and its routes ("index",
  "websocket", "download", "static"); the guard middleware is added to it.
- ``Server._process_messages(websocket, app_service)`` relays the browser's keys,
  resizes, focus and pings to an app process.
- ``AppService._process`` is the app's process, killed if it does not quit when
  its tab closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import signal
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .access import Tokens, User
from .sessions import LimitReached, Sessions

log = logging.getLogger("parallax.serve")

COOKIE = "parallax_session"
USER = web.RequestKey("user", User)
TEMPLATES = Path(__file__).resolve().parent / "templates"
STOP_S = 10.0  # a closed tab's app has this long to quit before it is killed
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


@dataclass
class Settings:
    """What ``parallax serve`` was asked for."""

    db_path: str
    host: str = "127.0.0.1"
    port: int = 8000
    tls: ssl.SSLContext | None = None
    max_sessions: int = 16
    max_sessions_per_user: int = 3


def app_command(db_path: str, user: User) -> str:
    """The shell command that runs one user's app (textual-serve starts it with a shell):
    ``parallax open``, ended by :mod:`tui.serve.child` if the server dies first. ``-P``: the
    installed Parallax runs, never a ``tui`` folder that the current folder happens to hold."""
    argv = [sys.executable, "-P", "-m", "tui.serve.child", "--db", db_path, "--annotator", user.name]
    if user.readonly:
        argv.append("--readonly")
    return "exec " + shlex.join(argv)


class ParallaxServer(Server):
    """Serve the Parallax app to signed-in users, one app process per browser tab."""

    def __init__(self, settings: Settings, tokens: Tokens | None = None) -> None:
        super().__init__("parallax", host=settings.host, port=settings.port, title="Parallax",
                         templates_path=TEMPLATES)
        self.settings = settings
        self.tokens = tokens or Tokens({})
        self.sessions = Sessions(settings.max_sessions, settings.max_sessions_per_user)
        self._open_sockets: set[web.WebSocketResponse] = set()

    # -- textual-serve's application, guarded --------------------------------------------

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        """Sign in with ``/?token=``; everything else needs the session cookie (else 403)."""
        if "token" in request.query:
            return self._sign_in(request)
        user = self.sessions.user_for(request.cookies.get(COOKIE))
        if user is None:
            raise self._page(request, web.HTTPForbidden, "Not signed in",
                             "Open the address that parallax serve printed for you (it ends with your "
                             "token); ask whoever runs the server for it.")
        request[USER] = user
        response = await handler(request)
        if not isinstance(response, web.WebSocketResponse):
            response.headers.update(SECURITY_HEADERS)
        return response

    def _sign_in(self, request: web.Request) -> web.Response:
        """Sign in with the token in the address, if the browser says the user asked for it.

        A link on another site to ``/?token=THEIRS`` would sign a visitor in as its sender (login
        CSRF: their decisions recorded under that name). So a sign-in happens at once only when the
        browser says the address was typed, pasted or bookmarked (``Sec-Fetch-Site: none``) or came
        from this server's own page, and the visitor is not signed in as someone else; otherwise a
        page of ours asks, naming the user, and its button posts back here (a POST from another
        origin is refused).
        """
        user = self.tokens.user_for(request.query["token"])
        if user is None or request.path != "/":
            log.info("refused a sign-in with an unknown token from %s", request.remote)
            raise self._page(request, web.HTTPForbidden, "Unknown token",
                             "This address is not valid here (a token is renewed with --new-token); "
                             "ask whoever runs the server for yours.")
        current = self.sessions.user_for(request.cookies.get(COOKIE))
        if request.method == "POST":
            if request.headers.get("Origin", "").lower() != self._origin(request):
                log.warning("refused a sign-in for %s posted from origin %r", user.name,
                            request.headers.get("Origin", ""))
                raise self._page(request, web.HTTPForbidden, "Sign-in refused",
                                 "A sign-in must come from this server's own page.")
        elif (request.headers.get("Sec-Fetch-Site") not in ("none", "same-origin")
              or current not in (None, user)):
            response = aiohttp_jinja2.render_template(
                "sign_in.html", request, {"user": user.name, "current": current.name if current else None})
            # Its button's POST must carry this page's Origin: with "no-referrer" a browser sends
            # "Origin: null". "same-origin" sends nothing to any other site.
            response.headers.update(SECURITY_HEADERS | {"Referrer-Policy": "same-origin"})
            return response
        log.info("%s signed in from %s", user.name, request.remote)
        # A page of our own moves on to "/": the token leaves the address bar and the history,
        # and the cookie is sent (a redirect chain started on another site would not send a
        # SameSite=Strict cookie).
        response = aiohttp_jinja2.render_template("signed_in.html", request, {"user": user.name})
        response.set_cookie(COOKIE, self.sessions.sign_in(user), httponly=True, samesite="Strict",
                            secure=self.settings.tls is not None or None, path="/")
        response.headers.update(SECURITY_HEADERS)
        return response

    @staticmethod
    def _origin(request: web.Request) -> str:
        return f"{request.scheme}://{request.host}".lower()

    def _page(self, request: web.Request, error: type[web.HTTPException], title: str,
              message: str) -> web.HTTPException:
        text = aiohttp_jinja2.render_string("message.html", request, {"title": title, "message": message})
        return error(text=text, content_type="text/html", headers=SECURITY_HEADERS)

    # -- the routes ----------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.Response:
        reason = self.sessions.refusal(request[USER])
        if reason:
            raise self._page(request, web.HTTPTooManyRequests, "Too many tabs", reason)
        font_size = to_int(request.query.get("fontsize", "16"), 16)
        return aiohttp_jinja2.render_template("app_index.html", request,
                                              {"font_size": font_size, "user": request[USER].name})

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        user = request[USER]
        origin = request.headers.get("Origin", "")
        if origin.lower() != self._origin(request):
            log.warning("refused a websocket for %s from origin %r", user.name, origin)
            raise web.HTTPForbidden(text="websocket refused: it must come from this server's own page")
        try:
            with self.sessions.app_process(user):
                return await self._run_app(request, user)
        except LimitReached as exc:
            raise web.HTTPTooManyRequests(text=str(exc)) from None

    async def _run_app(self, request: web.Request, user: User) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        async def close() -> None:
            await websocket.close()

        service = AppService(app_command(self.settings.db_path, user), write_bytes=websocket.send_bytes,
                             write_str=websocket.send_str, close=close,
                             download_manager=self.download_manager)
        self._open_sockets.add(websocket)
        log.info("%s: app started (%d running)", user.name, self.sessions.running)
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        finally:
            self._open_sockets.discard(websocket)
            await self._stop(service)
            log.info("%s: app ended (%d running)", user.name, self.sessions.running - 1)
        return websocket

    async def _stop(self, service: AppService) -> None:
        """Ask the app to quit (every decision is committed already); kill it if it hangs."""
        try:
            await asyncio.wait_for(asyncio.shield(service.stop()), STOP_S)
        except (TimeoutError, ConnectionError, RuntimeError):
            process = service._process
            if process is not None and process.returncode is None:
                log.warning("an app did not quit in %g s after its tab closed: killed", STOP_S)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints its banner and public URL here; ours prints the users' URLs

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._open_sockets):  # each tab's app quits as its socket closes
            await websocket.close(code=1001, message=b"server stopping")

    # -- running -------------------------------------------------------------------------

    async def run(self, on_ready: Callable[[int], Tokens]) -> None:
        """Listen, call ``on_ready(port)`` for the tokens (it prints the URLs), serve until a
        SIGINT or SIGTERM, then end every app process."""
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False,
                               shutdown_timeout=STOP_S)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.host, self.settings.port,
                               ssl_context=self.settings.tls)
            await site.start()
            port = runner.addresses[0][1]
            self.tokens = on_ready(port)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            log.info("stopping: every app quits (each decision is saved already)")
        finally:
            await runner.cleanup()
