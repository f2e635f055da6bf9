"""``parallax serve``: the app in a browser, for annotators who have no terminal."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import shlex
import socket
import ssl
import sys

import click

from annotations.cli.common import db_option, fail, safe_line
from annotations.config import ConfigError
from annotations.store import Store, StoreError, default_annotator, default_db_path

from .access import AccessError, TokenFile, User, issue_tokens, make_users

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """How a browser reaches ``host``: the machine's name for a wildcard, brackets for IPv6."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any other than this machine's own (127.0.0.1, localhost) "
                   "needs --user or --readonly-user, and should have --certfile.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--user", "writers", multiple=True, metavar="NAME",
              help="An annotator who may sign in and annotate; repeat for each. Default on "
                   "127.0.0.1: one, $PARALLAX_ANNOTATOR or the OS user name.")
@click.option("--readonly-user", "readers", multiple=True, metavar="NAME",
              help="A user who may sign in and look, never write; repeat for each.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False),
              help="TLS certificate (PEM) to serve https; with --keyfile unless it holds the key.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
@click.option("--new-token", "renew", multiple=True, metavar="NAME",
              help="Issue NAME a new token (the old one stops working); repeat for each.")
@click.option("--token-file", type=click.Path(dir_okay=False),
              help="Where the tokens' SHA-256 digests are kept, readable by its owner only "
                   "(default: the database's path + .serve-tokens).")
@click.option("--max-sessions", type=click.IntRange(1), default=16, show_default=True,
              help="Most app processes (browser tabs) at once, for all users together.")
@click.option("--max-sessions-per-user", type=click.IntRange(1), default=3, show_default=True,
              help="Most browser tabs one user may have open at once.")
def serve_cmd(db_path: str | None, host: str, port: int, writers: tuple[str, ...], readers: tuple[str, ...],
              certfile: str | None, keyfile: str | None, renew: tuple[str, ...], token_file: str | None,
              max_sessions: int, max_sessions_per_user: int) -> None:
    """Serve the annotation app to web browsers, one app process per browser tab.

    Each user signs in with the address printed for them at start (it carries a
    secret token, shown once when it is issued; only its digest is kept). Their
    decisions carry their user name as annotator; read-only users can look but
    never write. Closing a tab ends its app: every decision is saved as it is
    made. Stop the server with Ctrl+C.

    Example: parallax serve --db team.db --user alice --user bob
    """
    from .server import ParallaxServer, Settings  # aiohttp and textual-serve: only when serving

    db = os.path.abspath(db_path or default_db_path())
    if keyfile and not certfile:
        fail("--keyfile needs --certfile (the certificate it belongs to)")
    local = is_loopback(host)
    if not local and not (writers or readers):
        fail(f"--host {host} lets other machines connect: name who may sign in with --user NAME "
             "(or --readonly-user NAME)")
    try:
        users = make_users(writers, readers) or [User(default_annotator())]
    except AccessError as exc:
        fail(str(exc))
    _check_database(db, writable=any(not u.readonly for u in users))
    settings = Settings(db, host=host, port=port, tls=_tls(certfile, keyfile),
                        max_sessions=max_sessions, max_sessions_per_user=max_sessions_per_user)
    tokens = TokenFile(token_file or db + ".serve-tokens")
    scheme = "https" if certfile else "http"

    def on_ready(bound_port: int):
        issued = issue_tokens(users, tokens, renew)
        base = f"{scheme}://{url_host(host)}:{bound_port}/"
        click.echo(f"Parallax serves {safe_line(db)} on {base}")
        if not local and not certfile:
            click.echo(f"parallax: warning: {host} without TLS: tokens and articles cross the network "
                       "unencrypted; give --certfile and --keyfile (or put a TLS proxy in front)", err=True)
        width = max(len(u.name) for u in users)
        for user in users:
            name = safe_line(user.name).ljust(width)
            if user.name in issued.fresh:
                click.echo(f"  {name}  {user.role:9}  {base}?token={issued.fresh[user.name]}")
            else:
                click.echo(f"  {name}  {user.role:9}  token issued {issued.dates[user.name]}: keep using "
                           f"that address (a new one: --new-token {shlex.quote(safe_line(user.name))})")
        if issued.fresh:
            click.echo("Each address is shown this once; send it to its user only "
                       f"(the digests are in {safe_line(str(tokens.path))}).")
        click.echo("Ctrl+C stops the server; every decision is saved as it is made.")
        sys.stdout.flush()
        return issued.tokens

    logging.basicConfig(level=logging.INFO, format="parallax serve: %(message)s", stream=sys.stderr)
    server = ParallaxServer(settings)
    try:
        asyncio.run(server.run(on_ready))
    except AccessError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host")


def _tls(certfile: str | None, keyfile: str | None) -> ssl.SSLContext | None:
    """The server's TLS context, or None without --certfile; a bad file ends here, named."""
    if not certfile:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        fail(f"{certfile}{' or ' + keyfile if keyfile else ''}: cannot load the TLS certificate and key "
             f"({exc.strerror or exc}); give a PEM certificate with --certfile, its key with --keyfile")
    return context


def _check_database(db: str, writable: bool) -> None:
    """Open the database once before serving: a bad path or a damaged file is said now, not
    in each browser (and a new database is created before two apps race to create it)."""
    try:
        Store(db, annotator="parallax-serve", readonly=not writable, create=writable).close()
    except (StoreError, ConfigError) as exc:
        fail(str(exc))
