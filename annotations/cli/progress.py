"""A long run's progress on the terminal: done/total, articles/s, where it runs, time left.

On a terminal the line is redrawn in place a few times a second; otherwise (a log file, a
batch job) a plain line is written every ``LOG_EVERY_S`` seconds, so a short run writes none.
"""

from __future__ import annotations

import shutil
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

from .common import safe_line

REDRAW_S = 0.25
LOG_EVERY_S = 30.0
RATE_WINDOW_S = 30.0  # articles/s is measured over the last half minute


class ProgressLine:
    """Feed it ``update(done, total, message)``; ``close()`` ends the line."""

    def __init__(self, stream: TextIO, *, tty: bool, label: str = "pre-annotating",
                 clock: Callable[[], float] = time.monotonic, columns: int | None = None) -> None:
        self.stream = stream
        self.columns = columns  # the terminal's width; None: asked on each redraw (it may be resized)
        self.tty = tty
        self.label = label
        self.clock = clock
        self.samples: deque[tuple[float, int]] = deque()
        self.shown = float("-inf") if tty else clock()  # a log gets its first line after LOG_EVERY_S
        self.drawn = False

    def rate(self) -> float | None:
        """Articles per second over the last RATE_WINDOW_S seconds (None before two samples)."""
        if len(self.samples) < 2:
            return None
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else None

    def text(self, done: int, total: int, message: str) -> str:
        rate = self.rate()
        parts = [f"{self.label} {done:,}/{total:,}" + (f" ({100 * done / total:.1f}%)" if total else "")]
        if rate is not None:
            parts.append(f"{rate:,.1f} articles/s")
            if rate > 0 and total > done:
                parts.append(f"ETA {_duration((total - done) / rate)}")
        if message:
            parts.append(message)
        return safe_line("  ".join(parts))

    def update(self, done: int, total: int, message: str = "") -> None:
        now = self.clock()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW_S:
            self.samples.popleft()
        if now - self.shown < (REDRAW_S if self.tty else LOG_EVERY_S) and not (self.tty and done >= total):
            return
        self.shown = now
        line = self.text(done, total, message)
        if self.tty:
            width = (self.columns or shutil.get_terminal_size((100, 24)).columns) - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self.drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def _duration(seconds: float) -> str:
    """``42s``, ``7m05s``, ``3h07m``, ``2d04h``."""
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
