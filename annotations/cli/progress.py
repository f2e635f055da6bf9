"""Progress of a long command on stderr: how far, how fast, and how long is left.

On a terminal, one line redrawn in place (at most ten times a second); elsewhere (a log, a
pipe), a plain line every ``every_s`` seconds once a run has lasted that long, so a long run is
never silent and a short one prints nothing but its result.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR = 10  # cells of the bar: the line fits 80 columns, its note last
REDRAW_S = 0.1  # on a terminal, at most this often


def duration(seconds: float) -> str:
    """``1:05:09``, ``5:09`` or ``0:09``: what a clock shows."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """``update(done, total, note)`` as work goes on, ``close()`` at the end (the last line stays)."""

    def __init__(self, what: str, unit: str, *, stream: TextIO | None = None, tty: bool | None = None,
                 every_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.unit = what, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every_s, self.clock = every_s, clock
        self.start: tuple[float, int] | None = None  # (when, done) at the first update
        self.done, self.total, self.note = 0, 0, ""
        self.shown_at: float | None = None
        self.drawn = False

    def update(self, done: int, total: int, note: str = "") -> None:
        now = self.clock()
        if self.start is None:
            self.start = (now, done)
        self.done, self.total, self.note = done, total, note
        if self.tty:
            if self.shown_at is None or now - self.shown_at >= REDRAW_S or done >= total:
                self._show(now)
        elif now - (self.start[0] if self.shown_at is None else self.shown_at) >= self.every_s:
            self._show(now)

    def line(self, now: float | None = None) -> str:
        """What the progress says now: done of total, the share, the rate per second and the
        time left (the most useful first, so a narrow terminal cuts only the note)."""
        now = self.clock() if now is None else now
        share = self.done / self.total if self.total else 0.0
        text = f"{self.done:,}/{self.total:,} {self.unit} ({share:.0%})"
        rate = self.rate(now)
        if rate:
            text += f" {rate:,.1f}/s, {duration((self.total - self.done) / rate)} left"
        elif self.done < self.total:
            text += " (rate: after the first ones)"
        if self.note:
            text += f" · {self.note}"
        head = self.what
        if self.tty:
            filled = round(BAR * share)
            head += " [" + "#" * filled + " " * (BAR - filled) + "]"
        return f"{head} {text}"

    def rate(self, now: float) -> float | None:
        """Units per second since the first update (None until some are done)."""
        if self.start is None:
            return None
        seconds, done = now - self.start[0], self.done - self.start[1]
        return done / seconds if seconds > 0 and done > 0 else None

    def _show(self, now: float) -> None:
        self.shown_at = now
        text = self.line(now)
        if self.tty:
            width = shutil.get_terminal_size((80, 24)).columns - 1
            self.stream.write("\r" + text[:width].ljust(width))
            self.drawn = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Show where it ended: on a terminal, the bar's line stays (ended by a line break);
        elsewhere, a last line if any was shown."""
        if self.start is None:
            return
        if self.tty:
            self._show(self.clock())
            self.stream.write("\n")
            self.stream.flush()
        elif self.shown_at is not None:
            self._show(self.clock())
