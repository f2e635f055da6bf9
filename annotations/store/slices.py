"""Short write slices: a long writer (import, pre-annotation) holds the write lock briefly at a time.

An annotator's decision waits for the write lock while another process holds it. A long writer
therefore commits in transactions sized to hold the lock for about SLICE_S: the first slice has a
guessed size, each later one follows the speed measured on the slice before (units per second:
characters of text for an import, suggestion rows for pre-annotation).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

# The write lock time a slice aims at. Measured at 100,000 articles (BENCHMARKS.md, "Deciding
# while another process imports"): aiming at 0.1 s, batches overshot and a decision waited up to
# 320 ms (p99 236 ms); at 0.05 s, 187 ms (p99 114 ms), for an import 17% slower while decisions
# compete with it.
SLICE_S = 0.05
# The least time between two slices. A waiting decision tries for the lock every LOCK_POLL_S
# (2 ms, transaction.py); a writer that began its next slice at once after a commit (a pre-annotation with
# batches queued up) left it no gap to take: decisions waited several slices (p95 97 ms, the
# longest 287 ms, measured while a pre-annotation wrote). The gap costs a long writer ~10%.
GAP_S = 0.005
CLOCK: Callable[[], float] = time.perf_counter  # read at each slice (tests give it a clock of their own)


class Slice:
    """One transaction of a long writer: count what goes in with :meth:`add`; ``full`` says when
    the slice holds what the lock time allows (at least one unit always goes in)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.units = 0

    def add(self, units: int) -> None:
        self.units += units

    @property
    def full(self) -> bool:
        return self.units >= self.size


class WriteSlices:
    """How much a long writer puts in each transaction so that it holds the lock about ``aim`` s.

    ``first`` is the size of the first slice, before anything is measured; sizes stay within
    ``least`` and ``most``.
    """

    def __init__(self, first: int, *, least: int = 1, most: int | None = None, aim: float | None = None):
        self.size = first
        self.least = least
        self.most = most
        self.aim = aim
        self.ended = float("-inf")  # when the last slice committed

    def measured(self, units: int, seconds: float) -> None:
        """Size the next slice from how fast this one was written."""
        if units and seconds > 0:
            size = int(units / seconds * (SLICE_S if self.aim is None else self.aim))
            self.size = max(size, self.least) if self.most is None else min(max(size, self.least), self.most)

    @contextmanager
    def write(self, store: Store) -> Iterator[Slice]:
        """One transaction on ``store``; what the block adds to the slice sizes the next one."""
        pause = self.ended + GAP_S - CLOCK()
        if pause > 0:
            time.sleep(min(pause, GAP_S))
        piece = Slice(self.size)
        started = CLOCK()
        with store.write():
            yield piece
        self.ended = CLOCK()
        self.measured(piece.units, self.ended - started)
