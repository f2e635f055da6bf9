"""Bad input and faults in training (issue 17): each gets a clear message and leaves the model in
use as it was; a training killed or stopped at any moment leaves no model registered or adopted.

Run through the CLI in a subprocess as a user would, on small hand-made gold
(tests/train_fixtures.py) with the real English pipeline.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_train import build, parallax

from annotations.store import AlreadyRunning, Store

pytestmark = pytest.mark.slow


def models_of(db: Path) -> list[str]:
    with Store(db, readonly=True) as store:
        return [m.name for m in store.models.all()]


def in_use(db: Path) -> str | None:
    with Store(db, readonly=True) as store:
        record = store.models.in_use("en")
        return record.name if record else None


def test_no_gold_says_so_and_keeps_nothing(tmp_path):
    db = build(tmp_path, done=range(0), todo=range(0, 3))
    result = parallax("train", "--db", str(db), "--lang", "en")
    assert result.returncode == 1
    assert "no done articles in language 'en'" in result.stderr and "mark articles done" in result.stderr
    assert models_of(db) == []


def test_one_article_is_not_enough_and_says_why(tmp_path):
    db = build(tmp_path, done=range(0, 1), todo=range(0))
    result = parallax("train", "--db", str(db))
    assert result.returncode == 1
    assert "1 done article(s)" in result.stderr and "at least two" in result.stderr
    assert models_of(db) == []


def test_a_base_pipeline_that_is_not_installed_is_named_before_anything_is_written(tmp_path):
    db = build(tmp_path, done=range(0, 4), todo=range(0))
    result = parallax("train", "--db", str(db), "--base", "xx_no_such_pipeline")
    assert result.returncode == 1
    assert "xx_no_such_pipeline" in result.stderr and "pip install" in result.stderr
    assert models_of(db) == [] and not (tmp_path / "models").exists()


def _full_disk():
    """In the child: files may not grow past 2 MB (writes then fail as on a full disk; SIGXFSZ
    ignored, so the write gets an error instead of killing the process)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))


def test_a_full_disk_keeps_the_model_in_use(tmp_path):
    db = build(tmp_path, done=range(0, 10), todo=range(0))
    first = parallax("train", "--db", str(db), "--max-steps", "20")
    assert first.returncode == 0 and in_use(db) == "en-1", first.stderr
    result = parallax("train", "--db", str(db), "--max-steps", "20", preexec_fn=_full_disk)
    assert result.returncode == 1
    assert "cannot write the model" in result.stderr and "free some disk space" in result.stderr
    assert "the model in use stays" in result.stderr
    assert models_of(db) == ["en-1"] and in_use(db) == "en-1"
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["en-1"]  # nothing half-written left


def _start(db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tui", "train", "--db", str(db), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PARALLAX_ANNOTATOR": "alice"})


def _wait_for_steps(db: Path, limit: float = 120) -> None:
    """Until the training has written its first checkpoint (spaCy's model-last)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if list((db.parent / "models").glob(".partial-*/output/model-last/meta.json")):
            return
        time.sleep(0.2)
    raise AssertionError("the training never got going")


def _training_child(session: int) -> int:
    """The pid of the NLP child doing the training (in the CLI's session)."""
    out = subprocess.run(["pgrep", "-s", str(session), "-f", "annotations.nlp.child train"],
                         capture_output=True, text=True).stdout.split()
    assert out, "no training child"
    return int(out[0])


def test_kill_9_during_training_registers_nothing_and_the_next_training_cleans_up(tmp_path):
    db = build(tmp_path, done=range(0, 10), todo=range(0))
    cli = _start(db, "--max-steps", "5000")
    try:
        _wait_for_steps(db)
        os.kill(_training_child(cli.pid), signal.SIGKILL)
        cli.wait(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
    assert models_of(db) == [] and in_use(db) is None
    assert list((tmp_path / "models").glob(".partial-*"))  # what the killed one left
    (tmp_path / "models" / "en-1").mkdir()  # as if killed after its rename, before registering
    again = parallax("train", "--db", str(db), "--max-steps", "10")
    assert again.returncode == 0, again.stderr
    assert models_of(db) == ["en-2"]  # the unregistered folder's name is not reused
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["en-1", "en-2"]


def test_ctrl_c_stops_cleanly_and_keeps_nothing(tmp_path):
    db = build(tmp_path, done=range(0, 10), todo=range(0))
    cli = _start(db, "--max-steps", "5000")
    try:
        _wait_for_steps(db)
        os.killpg(cli.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C: the whole group
        _, stderr = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
    assert cli.returncode == 130
    assert "stopped; nothing was kept, the model in use stays" in stderr and "Traceback" not in stderr
    assert models_of(db) == [] and not list((tmp_path / "models").iterdir())


def test_two_trainings_of_one_language_never_run_at_once(tmp_path):
    db = build(tmp_path, done=range(0, 4), todo=range(0))
    with Store(db, annotator="bob") as other:
        with other.presence.announce("training en", alone=True):
            result = parallax("train", "--db", str(db))
            with pytest.raises(AlreadyRunning):
                with Store(db) as third, third.presence.announce("training en", alone=True):
                    pass
    assert result.returncode == 1 and "training en already runs" in result.stderr
    assert models_of(db) == []
