"""Who may use ``parallax serve``: the users, their roles and their secret tokens.

A token is 32 random bytes, URL-safe. It is printed once, when it is issued, and
only its SHA-256 is kept, in a JSON file readable by its owner only (beside the
database by default), so a restart keeps every annotator's URL working and a
copy of the file gives no way in. A token that strong needs no slow hash. Tokens
are checked in constant time against every user's digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_NAME = 64
TOKEN_BYTES = 32


class AccessError(Exception):
    """A bad user name or token file: the message names it and says what to do."""


@dataclass(frozen=True)
class User:
    """An annotator allowed in: ``readonly`` users look and never write."""

    name: str
    readonly: bool = False

    @property
    def role(self) -> str:
        return "read-only" if self.readonly else "annotator"


def check_name(name: str) -> str:
    """A user name as given, or AccessError: 1-64 characters, no control or format characters."""
    if not name.strip():
        raise AccessError("a user name cannot be empty")
    if len(name) > MAX_NAME:
        raise AccessError(f"the user name {name[:20]!r}… is longer than {MAX_NAME} characters")
    if name != name.strip() or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise AccessError(f"the user name {name!r} has spaces around it or control characters; "
                          "give it as the annotator name the decisions should carry")
    return name


def make_users(writers: tuple[str, ...], readers: tuple[str, ...]) -> list[User]:
    """The users from ``--user`` and ``--readonly-user``, each name once."""
    users = [User(check_name(n)) for n in writers] + [User(check_name(n), readonly=True) for n in readers]
    seen: set[str] = set()
    for user in users:
        if user.name in seen:
            raise AccessError(f"{user.name!r} is given twice: name each user once, with --user "
                              "(annotates) or --readonly-user (looks only)")
        seen.add(user.name)
    return users


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Tokens:
    """The active users' token digests: which user, if any, a token belongs to."""

    def __init__(self, digests: dict[User, bytes]) -> None:
        self._digests = list(digests.items())

    def user_for(self, token: str) -> User | None:
        """The user whose token this is, else None; every digest is compared, in constant time."""
        theirs = digest(token)
        found = None
        for user, mine in self._digests:
            if hmac.compare_digest(mine, theirs):
                found = user
        return found


class TokenFile:
    """The digests on disk: ``{"users": {name: {"sha256": hex, "issued": iso-time}}}``, mode 0600."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, dict]:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise AccessError(f"{self.path}: cannot read the token file ({exc.strerror})") from exc
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise AccessError(f"{self.path}: the token file can be read by others "
                              f"(mode {stat.S_IMODE(info.st_mode):o}); run `chmod 600 {self.path}` "
                              "and start again")
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            users = data["users"]
            if not isinstance(users, dict) or not all(
                    isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in users.values()):
                raise ValueError("not a map of users to digests")
            for entry in users.values():
                bytes.fromhex(entry["sha256"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccessError(f"{self.path}: not a Parallax token file ({exc}); move it away to issue "
                              "every user a new token") from exc
        return users

    def save(self, users: dict[str, dict]) -> None:
        """Write the file whole (a temporary file renamed over it), readable by its owner only."""
        text = json.dumps({"users": users}, indent=2, sort_keys=True) + "\n"
        try:
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
        except OSError as exc:
            raise AccessError(f"{self.path}: cannot write the token file ({exc.strerror}); "
                              "give another with --token-file") from exc
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass
class Issued:
    """The outcome of :func:`issue_tokens`: ``fresh`` holds new tokens in clear (print them once,
    never store them); ``dates`` says when each user's current token was issued."""

    tokens: Tokens
    fresh: dict[str, str]
    dates: dict[str, str]


def issue_tokens(users: list[User], token_file: TokenFile, renew: tuple[str, ...] = ()) -> Issued:
    """Every user's digest, issuing a token to each user who has none (or is named in ``renew``)."""
    names = {u.name for u in users}
    unknown = [n for n in renew if n not in names]
    if unknown:
        raise AccessError(f"--new-token {unknown[0]!r}: no such user; name one given with --user "
                          "or --readonly-user")
    stored = token_file.load()
    fresh: dict[str, str] = {}
    for user in users:
        if user.name not in stored or user.name in renew:
            fresh[user.name] = secrets.token_urlsafe(TOKEN_BYTES)
            stored[user.name] = {"sha256": digest(fresh[user.name]).hex(),
                                 "issued": datetime.now(UTC).isoformat(timespec="seconds")}
    if fresh:
        token_file.save(stored)
    return Issued(Tokens({u: bytes.fromhex(stored[u.name]["sha256"]) for u in users}), fresh,
                  {u.name: str(stored[u.name].get("issued", "?"))[:10] for u in users})
