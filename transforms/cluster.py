"""Cluster stage: verified edges -> connected components with stable ids.

A union-find is a mergeable accumulator, so components come out of one CombineFn:
workers fold their share of the edges, the merges join them. The id of a component is
the smallest id one of its members already had in an earlier run, else its smallest
member id: neither depends on the order edges arrive in.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam

Edge = tuple[str, str]


class UnionFind:
    """Parent pointers over string ids; every root is the smallest id of its set."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent
        parent.setdefault(item, item)
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def components(self) -> dict[str, str]:
        return {item: self.find(item) for item in list(self.parent)}


class ComponentsFn(beam.CombineFn):
    """Edges -> {member: component id}."""

    def create_accumulator(self) -> UnionFind:
        return UnionFind()

    def add_input(self, accumulator: UnionFind, edge: Edge) -> UnionFind:
        accumulator.union(*edge)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[UnionFind]) -> UnionFind:
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for other in accumulators:
            for item, parent in other.parent.items():
                merged.union(item, parent)
        return merged

    def extract_output(self, accumulator: UnionFind) -> dict[str, str]:
        return accumulator.components()


class ConnectedComponents(beam.PTransform):
    """Edges -> (member id, component id) for every id that has an edge."""

    def expand(self, edges):
        return (
            edges
            | "UnionFind" >> beam.CombineGlobally(ComponentsFn())
            | "Members" >> beam.FlatMap(lambda components: components.items())
        )


def stable_ids(component: tuple[str, Iterable[tuple[str, str | None]]]) -> Iterator[Any]:
    """A component's id: the smallest id it already had, else its smallest member.

    When a component holds members of several known groups (a new article bridged
    them), the other known ids are merged into that one: emitted as (old, new).
    """
    root, members = component
    members = list(members)
    known = sorted({previous for _, previous in members if previous})
    final = known[0] if known else root
    for member, _ in members:
        yield member, final
    for old in known[1:]:
        yield beam.pvalue.TaggedOutput("merges", (old, final))


def with_root(keyed: tuple[str, dict[str, list]]) -> Iterator[tuple[str, tuple[str, Any]]]:
    member, joined = keyed
    for root in joined["root"]:  # members of this run's components only
        yield root, (member, next(iter(joined["previous"]), None))


class StableIds(beam.PTransform):
    """{components: (member, root), previous: (member, id it had)} -> ids and merges.

    Output: {"ids": (member, id), "merges": (old id, new id)}.
    """

    def expand(self, inputs):
        results = (
            {"root": inputs["components"], "previous": inputs["previous"]}
            | "JoinPrevious" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(with_root)
            | "Components" >> beam.GroupByKey()
            | "StableIds" >> beam.FlatMap(stable_ids).with_outputs("merges", main="ids")
        )
        return {"ids": results.ids, "merges": results.merges}
