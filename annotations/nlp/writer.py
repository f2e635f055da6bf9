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
    was new, by origin."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.slices = WriteSlices(FIRST_SLICE_ROWS, least=LEAST_SLICE_ROWS)
        self.added: dict[str, int] = {"model": 0, "rules": 0, "memory": 0}

    def write(self, work: Iterable[tuple[int, list[SpanRecord], str | None]], owner: str = EVERYONE) -> None:
        """Store suggestions for ``owner`` (everyone, or the annotator whose memory made them).

        A long article's suggestions may take several transactions; it is marked done for its
        pipeline key (when it has one) with its last ones.
        """
        queue = deque(work)
        loading = self.store.loading
        while queue:
            with self.slices.write(self.store) as piece:
                while queue and not piece.full:
                    article_id, records, key = queue[0]
                    room = max(piece.size - piece.units, 1)
                    part, rest = records[:room], records[room:]
                    for origin, group in _by_origin(part):
                        self.added[origin] += loading.add_suggestions(article_id, group, annotator=owner)
                    if rest:
                        queue[0] = (article_id, rest, key)
                    else:
                        queue.popleft()
                        if key is not None:
                            loading.add_suggestions(article_id, [], pipeline=key)
                    piece.add(max(len(part), 1))


def _by_origin(records: list[SpanRecord]) -> list[tuple[str, list[SpanRecord]]]:
    """The records grouped by origin (model, rules, memory), in first-seen order."""
    groups: dict[str, list[SpanRecord]] = defaultdict(list)
    for record in records:
        groups[record.origin].append(record)
    return list(groups.items())
