"""Signed-in browsers and the app processes they run, with the limits per user and in total.

Signing in with a token gives the browser a random session id in a cookie; the
server keeps only the id's SHA-256 (looked up, never compared byte by byte), and
forgets every id when it stops. Each open tab runs one app process; a new one is
refused with a sentence saying which limit was reached and what to do.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from .access import User

SESSION_BYTES = 32


def _key(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).digest()


class LimitReached(Exception):
    """A new app process would pass a limit; the message says which and what to do."""


class Sessions:
    """Session ids to users, and the count of app processes running for each user."""

    def __init__(self, max_total: int, max_per_user: int) -> None:
        if max_total < 1 or max_per_user < 1:
            raise ValueError("session limits must be at least 1")
        self.max_total = max_total
        self.max_per_user = max_per_user
        self._signed_in: dict[bytes, User] = {}
        self._running: Counter[str] = Counter()

    def sign_in(self, user: User) -> str:
        """A new session id for ``user`` (for the browser's cookie)."""
        session_id = secrets.token_urlsafe(SESSION_BYTES)
        self._signed_in[_key(session_id)] = user
        return session_id

    def user_for(self, session_id: str | None) -> User | None:
        return self._signed_in.get(_key(session_id)) if session_id else None

    @property
    def running(self) -> int:
        """App processes running now, for every user together."""
        return sum(self._running.values())

    def running_for(self, user: User) -> int:
        return self._running[user.name]

    def refusal(self, user: User) -> str | None:
        """Why ``user`` cannot open one more app now, or None."""
        if self._running[user.name] >= self.max_per_user:
            return (f"{user.name} already has {self._running[user.name]} Parallax tabs open, the most "
                    f"one user may have (--max-sessions-per-user {self.max_per_user}): close one of "
                    "them, then reload this page")
        if self.running >= self.max_total:
            return (f"{self.running} Parallax tabs are open, the most this server runs at once "
                    f"(--max-sessions {self.max_total}): wait for someone to close theirs, then reload")
        return None

    @contextmanager
    def app_process(self, user: User) -> Iterator[None]:
        """Count one app process for ``user`` while the block runs; LimitReached if none is left."""
        reason = self.refusal(user)
        if reason:
            raise LimitReached(reason)
        self._running[user.name] += 1
        try:
            yield
        finally:
            self._running[user.name] -= 1
