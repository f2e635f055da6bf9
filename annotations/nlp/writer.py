"""The one writer of a pre-annotation: suggestions into the database in short slices.

Whatever computed them (this process, a local pool, a Dask cluster), suggestions reach the
database here, in the process that opened the store. Each transaction holds the write lock
about ``SLICE_S`` (:mod:`annotations.store.slices`), so an annotator's decision in the app
never waits long. Writes are idempotent: a suggestion already stored is kept as it is
(``INSERT OR IGNORE``), and an article is marked done for its pipeline with its last
suggestions, so a batch written twice (a cluster ran it again after a worker died) changes
nothing, and a run stopped half-way through an article adds the rest next time.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from ..model import SpanRecord
from ..store import EVERYONE, Store, WriteSlices

FIRST_SLICE_ROWS = 2_000  # suggestions written in the first transaction, before any measure
LEAST_SLICE_ROWS = 50


class SuggestionWriter:
    """Writes (article id, suggestions, pipeline key or None) in slices; ``added`` counts what
    was new, by origin.

    With ``flush=False`` only full slices are written and the rest waits for the next call (or
    :meth:`flush`): a slice cut short by the end of a batch would commit a few rows for the
    price of a whole commit, and would make the next slices smaller (their size follows the
    speed measured on the one before), so a pre-annotation fed batch by batch wrote about half
    the rows per second it could.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.slices = WriteSlices(FIRST_SLICE_ROWS, least=LEAST_SLICE_ROWS)
        self.added: dict[str, int] = {"model": 0, "rules": 0, "memory": 0}
        self.queue: deque[tuple[str, int, list[SpanRecord], str | None]] = deque()
        self.queued = 0  # rows waiting (an article without suggestions counts one: its mark)

    def write(self, work: Iterable[tuple[int, list[SpanRecord], str | None]], owner: str = EVERYONE, *,
              flush: bool = True) -> None:
        """Store suggestions for ``owner`` (everyone, or the annotator whose memory made them).

        A long article's suggestions may take several transactions; it is marked done for its
        pipeline key (when it has one) with its last ones.
        """
        for article_id, records, key in work:
            self.queue.append((owner, article_id, records, key))
            self.queued += max(len(records), 1)
        while self.queue and (flush or self.queued >= self.slices.size):
            self._slice()

    def flush(self) -> None:
        """Write whatever waits."""
        while self.queue:
            self._slice()

    def _slice(self) -> None:
        queue, loading = self.queue, self.store.loading
        with self.slices.write(self.store) as piece:
            while queue and not piece.full:
                owner, article_id, records, key = queue[0]
                room = max(piece.size - piece.units, 1)
                part, rest = records[:room], records[room:]
                for origin, group in by_origin(part):
                    self.added[origin] += loading.add_suggestions(article_id, group, annotator=owner)
                if rest:
                    queue[0] = (owner, article_id, rest, key)
                else:
                    queue.popleft()
                    if key is not None:
                        loading.add_suggestions(article_id, [], pipeline=key)
                piece.add(max(len(part), 1))
                self.queued -= len(part) if rest else max(len(part), 1)


def by_origin(records: list[SpanRecord]) -> list[tuple[str, list[SpanRecord]]]:
    """The records grouped by origin (model, rules, memory), in first-seen order."""
    groups: dict[str, list[SpanRecord]] = defaultdict(list)
    for record in records:
        groups[record.origin].append(record)
    return list(groups.items())
