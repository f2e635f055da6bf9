"""Annotators in browsers, as the server sees them: websocket clients speaking textual-serve's
protocol (the messages its page sends: stdin, resize, ping) from one asyncio process.

The server's work per user (an app process, the relay) does not depend on what draws the
screen at the other end, and Chromium per user would eat the same two cores the server
needs; the browser's own share of a key is measured apart (fig_serve's key rows). A
decision is timed from the key sent to the arrival of the repaint whose pane title counts it
(``✓N``): the count only moves once the store has committed the decision.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import aiohttp

WAIT_S = 60.0


class ClientError(RuntimeError):
    pass


@dataclass
class Annotator:
    """One signed-in user with one tab (websocket) open on the reader."""

    name: str
    session: aiohttp.ClientSession
    websocket: aiohttp.ClientWebSocketResponse
    decided: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    _seen: bytes = b""

    async def until(self, text: bytes, timeout: float = WAIT_S) -> None:
        """Read what the app sends until ``text`` went by (since the last call)."""
        deadline = time.monotonic() + timeout
        while text not in self._seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ClientError(f"{self.name}: {text!r} never came")
            message = await self.websocket.receive(timeout=left)
            if message.type != aiohttp.WSMsgType.BINARY:
                raise ClientError(f"{self.name}: the socket said {message.type.name} {message.data!r}")
            self._seen = self._seen[-len(text):] + message.data
        self._seen = b""

    async def key(self, data: str) -> None:
        self._seen = b""
        await self.websocket.send_json(["stdin", data])

    async def drain(self, seconds: float) -> None:
        """Read (and drop) what comes for ``seconds``: the socket must never back up."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await self.websocket.receive(timeout=left)
            except TimeoutError:
                return
            if message.type != aiohttp.WSMsgType.BINARY:
                raise ClientError(f"{self.name}: the socket said {message.type.name} {message.data!r}")

    async def decide(self) -> float:
        """``j`` then ``a``: the next entity accepted; milliseconds from ``a`` to its repaint."""
        await self.key("j")
        await self.drain(0.15)
        self.decided += 1
        t0 = time.perf_counter()
        await self.key("a")
        await self.until(f"✓{self.decided} ".encode())
        return (time.perf_counter() - t0) * 1000

    async def close(self) -> None:
        await self.websocket.close()
        await self.session.close()


async def connect(name: str, url: str, base: str, opened: bytes,
                  size: tuple[int, int] = (100, 30)) -> Annotator:
    """Sign in with ``url`` (the user's address), open a tab, and open the library's first article
    (``opened``: text on screen once the reader shows it)."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        async with session.get(url) as response:
            await response.read()
            if response.status != 200:
                raise ClientError(f"{name}: sign-in answered {response.status}")
        width, height = size
        websocket = await session.ws_connect(f"{base}ws?width={width}&height={height}",
                                             origin=base.rstrip("/"), max_msg_size=0)
    except BaseException:
        await session.close()
        raise
    user = Annotator(name, session, websocket)
    await websocket.send_json(["resize", {"width": width, "height": height}])
    await user.until(b"to do")  # the library's first row
    await user.key("\r")
    await user.until(opened)
    await user.drain(0.5)
    return user


async def work(users: list[Annotator], seconds: float, think: tuple[float, float], seed: int) -> None:
    """Every user decides, pausing ``think`` seconds (uniform) between decisions, for ``seconds``;
    each decision's time is added to its user's ``latencies_ms``."""
    rng = random.Random(seed)
    pauses = {u.name: [rng.uniform(*think) for _ in range(1000)] for u in users}

    async def one(user: Annotator) -> None:
        end = time.monotonic() + seconds
        await user.drain(rng.uniform(0, think[1]))  # users do not start in step
        for pause in pauses[user.name]:
            if time.monotonic() >= end:
                return
            user.latencies_ms.append(await user.decide())
            await user.drain(pause)

    await asyncio.gather(*(one(u) for u in users))
