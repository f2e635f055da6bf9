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

import aiohttp

WAIT_S = 60.0


class ClientError(RuntimeError):
    pass


class Annotator:
    """One signed-in user with one tab (websocket) open; a task reads the socket all along, as a
    page does (an unread socket would back the app up and leave the server's pings unanswered)."""

    KEEP = 1 << 16  # bytes of output kept for looking into

    def __init__(self, name: str, session: aiohttp.ClientSession,
                 websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.name = name
        self.session = session
        self.websocket = websocket
        self.decided = 0
        self.latencies_ms: list[float] = []
        self._output = bytearray()
        self._arrived = asyncio.Event()
        self._ended: str | None = None
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self._output += message.data
                if len(self._output) > 4 * self.KEEP:
                    del self._output[:-self.KEEP]
                self._arrived.set()
        self._ended = f"the socket closed ({self.websocket.close_code})"
        self._arrived.set()

    async def until(self, text: bytes, timeout: float = WAIT_S) -> None:
        """Wait until ``text`` has come since the last key (or the last call)."""
        deadline = time.monotonic() + timeout
        while text not in self._output:
            if self._ended:
                raise ClientError(f"{self.name}: {self._ended} before {text!r} came")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                raise ClientError(f"{self.name}: {text!r} never came") from None
        self._output.clear()

    async def key(self, data: str) -> None:
        self._output.clear()
        await self.websocket.send_json(["stdin", data])

    async def decide(self) -> float:
        """``j`` then ``a``: the next entity accepted; milliseconds from ``a`` to its repaint."""
        await self.key("j")
        await asyncio.sleep(0.15)
        self.decided += 1
        t0 = time.perf_counter()
        await self.key("a")
        await self.until(f"✓{self.decided} ".encode())
        return (time.perf_counter() - t0) * 1000

    async def close(self) -> None:
        await self.websocket.close()
        await self._reader
        await self.session.close()


async def connect(name: str, url: str, base: str, opened: bytes,
                  size: tuple[int, int] = (100, 30)) -> Annotator:
    """Sign in with ``url`` (the user's address), open a tab, and open the library's first article
    (``opened``: text on screen once the reader shows it)."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        # As a browser opens an address pasted into it (a link from elsewhere would ask first).
        async with session.get(url, headers={"Sec-Fetch-Site": "none"}) as response:
            await response.read()
            if response.status != 200 or "Set-Cookie" not in response.headers:
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
    await asyncio.sleep(0.5)
    return user


async def work(users: list[Annotator], seconds: float, think: tuple[float, float], seed: int) -> None:
    """Every user decides, pausing ``think`` seconds (uniform) between decisions, for ``seconds``;
    each decision's time is added to its user's ``latencies_ms``."""
    rng = random.Random(seed)
    pauses = {u.name: [rng.uniform(*think) for _ in range(1000)] for u in users}

    async def one(user: Annotator) -> None:
        end = time.monotonic() + seconds
        await asyncio.sleep(rng.uniform(0, think[1]))  # users do not start in step
        for pause in pauses[user.name]:
            if time.monotonic() >= end:
                return
            user.latencies_ms.append(await user.decide())
            await asyncio.sleep(pause)

    await asyncio.gather(*(one(u) for u in users))
