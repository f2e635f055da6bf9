"""Pre-annotation on a Dask cluster: text pieces go out to workers in batches, span tuples come back.

The workers run the same runners as a local run (:class:`~.workers.BatchRunner`,
:class:`~.memory.MemoryRunner`), each built once per worker process by a worker plugin, so
a cluster gives the same suggestions as one machine. Only the client (the process that
called :func:`~.preannotate.preannotate`) touches the database; it keeps a bounded number of
batches in flight, so its memory stays flat however big the corpus is.

A worker that dies mid-batch loses nothing: the scheduler runs the batch again elsewhere,
and the client writes suggestions with ``INSERT OR IGNORE`` and marks each article done with
its last ones, so nothing is doubled either. Before any work, every worker is checked for
Parallax, spaCy and the pipelines the languages need, in the client's versions.

Needs the ``cluster`` extra (``pip install 'parallax-ner[cluster]'``); nothing imports this
module unless a run is given ``cluster=``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
import warnings
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import cast

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker

from .. import __version__
from ..tokenizers import import_spacy
from .engines import ClusterError, Job, PipelineInfo
from .pipelines import PipelineError, load_pipeline, pipeline_source
from .workers import PipelineJob

CONNECT_TIMEOUT_S = 30.0
# Dask's connections keep their last messages for debugging (1,000 by default); the client's are
# batches of article text, ~20 KB each: 20 MB held for nothing, and more than the rest of the client.
MESSAGE_LOG = 10
IN_FLIGHT_PER_WORKER = 2  # batches queued per worker: one running, one ready to start
WORKERS_REFRESH_S = 1.0


def parse_spec(spec: str) -> tuple[str, int | str]:
    """``local`` -> ("local", cores), ``local:N`` -> ("local", N), ``tcp://HOST:PORT`` -> ("address", it)."""
    text = spec.strip()
    if text == "local" or text.startswith("local:"):
        count = text.partition(":")[2]
        if not count:
            return "local", os.cpu_count() or 1
        if count.isdigit() and int(count) >= 1:
            return "local", int(count)
    elif "://" in text and text.split("://", 1)[1]:
        return "address", text
    raise ClusterError(f"--cluster {spec!r}: expected local, local:N (N worker processes on this machine) "
                       "or a Dask scheduler's address such as tcp://HOST:8786")


@contextmanager
def connect(spec: str, *, timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Client]:
    """A client of the cluster ``spec`` names; a local one is started here and closed at the end,
    Ctrl-C included (its workers leave Ctrl-C to this process)."""
    kind, value = parse_spec(spec)
    with dask.config.set({"distributed.admin.low-level-log-length": MESSAGE_LOG}):
        with _client(kind, value, timeout) as client:
            yield client


@contextmanager
def _client(kind: str, value: int | str, timeout: float) -> Iterator[Client]:
    cluster = None
    try:
        if kind == "local":
            assert isinstance(value, int)
            with warnings.catch_warnings():  # its status page takes another port when 8787 is in use
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                cluster = LocalCluster(n_workers=value, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
            client.register_plugin(_LeaveInterruptToClient(), name="parallax-leave-interrupt")
        else:
            client = Client(value, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = "a local cluster" if kind == "local" else f"the Dask scheduler at {value}"
        raise ClusterError(f"cannot start or reach {where} ({exc}); check the address, and that "
                           "`dask scheduler` runs there") from None
    try:
        if kind == "address":
            try:
                client.wait_for_workers(1, timeout=timeout)
            except (OSError, TimeoutError):
                raise ClusterError(f"no worker has joined the scheduler at {value} within {timeout:g} s; "
                                   f"start some there: dask worker {value} --nthreads 1") from None
        yield client
    finally:
        with suppress(Exception):
            client.close()
        if cluster is not None:
            with suppress(Exception):
                cluster.close()


class _LeaveInterruptToClient(WorkerPlugin):
    """In a cluster started here, the workers share the terminal: Ctrl-C is for the client, which
    stops sending batches and closes them (otherwise each would print a traceback)."""

    def setup(self, worker) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Jobs(WorkerPlugin):
    """The jobs of one run, on a worker: each job's runner is built there once (a pipeline loads
    once per worker process) and runs one batch at a time (a spaCy pipeline is not run from two
    threads at once)."""

    def __init__(self, jobs: dict[str, Job]) -> None:
        self.jobs = jobs

    def setup(self, worker) -> None:
        self.address = worker.address
        self._runners: dict[str, object] = {}
        self._lock = threading.Lock()

    def run(self, key: str, batch: list) -> list:
        with self._lock:
            runner = self._runners.get(key)
            if runner is None:
                with self._naming_the_worker():
                    import_spacy()
                    runner = self._runners[key] = self.jobs[key].runner()
            return runner(batch)  # type: ignore[operator]

    def pipeline_info(self, key: str) -> PipelineInfo:
        """What the run needs to know of a job's pipeline (loading it here, once)."""
        job = self.jobs[key]
        assert isinstance(job, PipelineJob)
        with self._lock, self._naming_the_worker():
            import_spacy()
            return PipelineInfo.of(load_pipeline(job.lang, job.name))

    @contextmanager
    def _naming_the_worker(self) -> Iterator[None]:
        """A pipeline that is there but does not load (a broken install) is named with the worker."""
        try:
            yield
        except PipelineError as exc:
            raise PipelineError(f"worker {self.address}: {exc}") from None


def _jobs(plugin: str) -> _Jobs:
    return cast(_Jobs, get_worker().plugins[plugin])


def _run_batch(plugin: str, key: str, batch: list) -> list:
    return _jobs(plugin).run(key, batch)


def _pipeline_info(plugin: str, key: str) -> PipelineInfo:
    return _jobs(plugin).pipeline_info(key)


def _worker_versions(needs: list[tuple[str, str | None]]) -> dict:
    """On each worker: Parallax's and spaCy's versions, and each pipeline's "NAME VERSION" (None
    when it is missing); reads meta.json files only, so it is quick."""
    spacy = import_spacy()
    pipelines: dict[str, str | None] = {}
    for lang, name in needs:
        try:
            pipelines[lang] = pipeline_source(lang, name)
        except PipelineError:
            pipelines[lang] = None
    return {"parallax": __version__, "spacy": spacy.__version__, "pipelines": pipelines}


class ClusterEngine:
    """Runs a pre-annotation's batches on the workers of ``client``'s cluster."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.plugin = f"parallax-jobs-{uuid.uuid4().hex[:12]}"
        self.keys: dict[Job, str] = {}
        self.infos: dict[PipelineJob, PipelineInfo] = {}
        self.warnings: list[str] = []
        self._threads: dict[str, int] = {}
        self._seen = 0.0
        self._registered = False

    def _workers(self) -> dict[str, int]:
        """worker address -> threads, asked of the scheduler at most once a second."""
        now = time.monotonic()
        if not self._threads or now - self._seen > WORKERS_REFRESH_S:
            self._threads = dict(self.client.nthreads())
            self._seen = now
        return self._threads

    def describe(self) -> str:
        n = len(self._workers())
        return f"{n} worker{'' if n == 1 else 's'}"

    def prepare(self, jobs: list[Job]) -> None:
        """Check every worker, then send them the jobs (each worker builds a runner on first use)."""
        pipelines = [job for job in jobs if isinstance(job, PipelineJob)]
        self._check(pipelines)
        self.keys = {job: f"job-{i}" for i, job in enumerate(jobs)}
        self.client.register_plugin(_Jobs({key: job for job, key in self.keys.items()}), name=self.plugin)
        self._registered = True
        for job in pipelines:
            self.infos[job] = self.client.submit(_pipeline_info, self.plugin, self.keys[job],
                                                 pure=False).result()
        busy = sorted(address for address, n in self._workers().items() if n > 1)
        if busy:
            self.warnings.append(
                f"{len(busy)} worker(s) ({busy[0]}, ...) have several threads; Parallax runs one batch "
                "at a time per worker process, so start workers with --nthreads 1 (and more of them)")

    def _check(self, pipelines: list[PipelineJob]) -> None:
        """Refuse, naming each worker and what to install there, a cluster that lacks Parallax,
        spaCy or a pipeline in this process's versions."""
        spacy = import_spacy()
        needs = [(job.lang, job.name) for job in pipelines]
        wanted = {job.lang: pipeline_source(job.lang, job.name) for job in pipelines}
        found = self.client.run(_worker_versions, needs, on_error="return")
        if not found:
            raise ClusterError("the cluster has no workers; start some: dask worker SCHEDULER --nthreads 1")
        names = {address: info.get("name", address)
                 for address, info in self.client.scheduler_info(n_workers=-1)["workers"].items()}
        problems = []
        for address, result in sorted(found.items()):
            who = f"worker {names.get(address, address)}" + (
                f" ({address})" if str(names.get(address, address)) != address else "")
            if isinstance(result, BaseException):
                problems.append(f"{who}: cannot run Parallax there ({type(result).__name__}: {result}); "
                                f"pip install 'parallax-ner[cluster]=={__version__}' there")
                continue
            if result["parallax"] != __version__:
                problems.append(f"{who}: has Parallax {result['parallax']}, this machine {__version__}; "
                                f"pip install 'parallax-ner[cluster]=={__version__}' there")
            if result["spacy"] != spacy.__version__:
                problems.append(f"{who}: has spaCy {result['spacy']}, this machine {spacy.__version__}; "
                                f"pip install 'spacy=={spacy.__version__}' there")
            for job in pipelines:
                have, want = result["pipelines"].get(job.lang), wanted[job.lang]
                if job.name is not None and have != want:
                    state = "lacks it" if have is None else f"has {have}"
                    problems.append(f"{who}: language '{job.lang}' needs the spaCy pipeline {want}; "
                                    f"the worker {state}: {_install_hint(job.name, want)}")
        if problems:
            raise ClusterError("the cluster cannot run this pre-annotation; nothing was written:", problems)

    def pipeline(self, job: PipelineJob) -> PipelineInfo:
        return self.infos[job]

    def _window(self) -> int:
        return IN_FLIGHT_PER_WORKER * max(len(self._workers()), 1)

    def results(self, job: Job, batches: Iterable[list]) -> Generator[list, None, None]:
        """Each batch's result as it comes back; at most two batches per worker are out at once
        (the client holds nothing more). Closing the generator cancels the batches still out."""
        key = self.keys[job]
        done = as_completed(loop=self.client.loop)  # not the default client's: the caller may have one
        out: set = set()
        try:
            for batch in batches:
                future = self.client.submit(_run_batch, self.plugin, key, batch, pure=False)
                out.add(future)
                done.add(future)
                while done.count() >= self._window():
                    yield self._result(next(done), out)
            while done.count():
                yield self._result(next(done), out)
        finally:
            if out:
                with suppress(Exception):
                    self.client.cancel(list(out))

    @staticmethod
    def _result(future, out: set) -> list:
        out.discard(future)
        try:
            return future.result()
        except KilledWorker as exc:
            raise ClusterError(f"a batch was lost with every worker that ran it ({exc}); the batches "
                               "before it are saved: run again to carry on") from None
        except FutureCancelledError:
            raise ClusterError("the scheduler dropped a batch (was it restarted?); the batches before it "
                               "are saved: run again to carry on") from None

    def close(self) -> None:
        """Take the run's jobs off the workers (a shared cluster goes on serving others)."""
        if self._registered:
            with suppress(Exception):
                self.client.unregister_worker_plugin(self.plugin)


def _install_hint(name: str, source: str) -> str:
    """What to do on a worker that lacks a pipeline: pip install its distribution, or copy a folder."""
    version = source.rsplit(" ", 1)[-1]
    if Path(name).expanduser().is_dir():
        return f"copy the pipeline folder {name} ({source}) to the same path there"
    dists = metadata.packages_distributions().get(name, [])
    return f"pip install '{dists[0] if dists else name}=={version}' there"
