"""What a review compares: the entities of two or three layers in one article, in clusters.

A *cluster* is a stretch of text where the compared layers have entities: overlapping
entities of any layer fall into one cluster (so "Abdellatif Hammouchi" in one layer and
"Hammouchi" in another are one cluster). A cluster *agrees* when every layer has exactly
the same entities in it (start, end and label; links are not compared), and is a
*disagreement* otherwise. The reviewer settles each cluster once, for all its entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .store import LayerSpan


@dataclass(frozen=True)
class Cluster:
    """A stretch ``[start, end)`` and each layer's entities in it (in the layers' order)."""

    start: int
    end: int
    versions: tuple[tuple[LayerSpan, ...], ...]

    @property
    def agrees(self) -> bool:
        first = {s.ident for s in self.versions[0]}
        return all({s.ident for s in v} == first for v in self.versions[1:])

    def version(self, index: int) -> tuple[LayerSpan, ...]:
        return self.versions[index]


def clusters(layers: Sequence[Sequence[LayerSpan]]) -> list[Cluster]:
    """The clusters of the layers' entities, in text order."""
    tagged = sorted(((s.start, s.end, i, s) for i, layer in enumerate(layers) for s in layer),
                    key=lambda t: (t[0], -t[1], t[2]))
    out: list[Cluster] = []
    group: list[tuple[int, LayerSpan]] = []
    start = end = -1
    for s_start, s_end, index, span in tagged:
        if group and s_start >= end:
            out.append(_cluster(start, end, group, len(layers)))
            group = []
        if not group:
            start, end = s_start, s_end
        end = max(end, s_end)
        group.append((index, span))
    if group:
        out.append(_cluster(start, end, group, len(layers)))
    return out


def _cluster(start: int, end: int, group: list[tuple[int, LayerSpan]], n: int) -> Cluster:
    return Cluster(start, end, tuple(tuple(s for i, s in group if i == k) for k in range(n)))


def disagreements(found: Sequence[Cluster]) -> list[int]:
    """Indices of the clusters that disagree."""
    return [i for i, c in enumerate(found) if not c.agrees]
