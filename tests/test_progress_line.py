"""The progress line of a long run: articles/s over the last half minute, time left, where it runs;
redrawn in place on a terminal, a plain line every LOG_EVERY_S seconds in a log."""

from __future__ import annotations

import io

from annotations.cli.progress import LOG_EVERY_S, ProgressLine


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_line_shows_the_rate_the_time_left_and_the_workers():
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, tty=True, clock=clock, columns=120)
    line.update(0, 10_000, "starting")
    assert out.getvalue().strip() == "pre-annotating 0/10,000 (0.0%)  starting"
    for done in range(100, 1100, 100):  # 100 articles every 2 s: 50 articles/s
        clock.now += 2
        line.update(done, 10_000, "en_core_web_sm 3.8.0 · 8 workers")
    shown = out.getvalue().split("\r")[-1].strip()
    assert shown == ("pre-annotating 1,000/10,000 (10.0%)  50.0 articles/s  ETA 3m00s  "
                     "en_core_web_sm 3.8.0 · 8 workers")
    line.close()
    assert out.getvalue().endswith("\n")


def test_a_terminal_line_is_cut_to_the_terminal_and_keeps_the_count_first():
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, tty=True, clock=clock, columns=40)
    line.update(0, 10_000, "en_core_web_sm 3.8.0 · 8 workers")
    drawn = out.getvalue().split("\r")[-1]
    assert len(drawn) == 39  # never wraps onto a second line, which \r could not redraw
    assert drawn.startswith("pre-annotating 0/10,000 (0.0%)")


def test_the_rate_follows_the_last_half_minute():
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, tty=True, clock=clock)
    done = 0
    for _ in range(30):  # a minute at 10 articles/s ...
        clock.now += 2
        done += 20
        line.update(done, 100_000)
    for _ in range(30):  # ... then a minute at 50 articles/s (more workers joined)
        clock.now += 2
        done += 100
        line.update(done, 100_000)
    assert line.rate() == 50.0


def test_a_log_gets_a_line_every_half_minute_and_a_short_run_none():
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, tty=False, clock=clock)
    for done in range(1, 11):
        clock.now += 1
        line.update(done, 10)
    line.close()
    assert out.getvalue() == ""
    line = ProgressLine(out, tty=False, clock=clock)
    for done in range(1, 200):
        clock.now += 1
        line.update(done, 1000, "2 workers")
    lines = out.getvalue().splitlines()
    assert len(lines) == 199 // LOG_EVERY_S and "\r" not in out.getvalue()
    assert lines[0].startswith("pre-annotating 30/1,000 (3.0%)  1.0 articles/s  ETA 16m10s  2 workers")


def test_hostile_text_in_the_message_is_shown_not_obeyed():
    out = io.StringIO()
    line = ProgressLine(out, tty=True, clock=Clock())
    line.update(1, 2, "evil\x1b[2J\n")
    assert "\x1b" not in out.getvalue() and "\n" not in out.getvalue()
