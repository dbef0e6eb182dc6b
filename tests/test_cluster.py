"""Tests for transforms.cluster: UnionFind, the ComponentsFn CombineFn, ConnectedComponents."""

import random

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from transforms.cluster import ComponentsFn, ConnectedComponents, UnionFind

EDGES = [("d", "e"), ("b", "c"), ("e", "a"), ("x", "y"), ("c", "e"), ("m", "n"), ("n", "m")]
EXPECTED = {
    "a": "a",
    "b": "a",
    "c": "a",
    "d": "a",
    "e": "a",
    "m": "m",
    "n": "m",
    "x": "x",
    "y": "x",
}


# --- UnionFind -----------------------------------------------------------------------------


def test_union_find_smallest_id_is_root_whatever_the_order():
    forward, backward = UnionFind(), UnionFind()
    for a, b in EDGES:
        forward.union(a, b)
    for a, b in reversed(EDGES):
        backward.union(b, a)
    assert forward.components() == backward.components() == EXPECTED


def test_union_find_find_of_unknown_item_adds_it_as_its_own_root():
    union_find = UnionFind()
    assert union_find.find("q") == "q"
    assert union_find.parent == {"q": "q"}
    assert union_find.components() == {"q": "q"}


def test_union_find_union_of_an_item_with_itself():
    union_find = UnionFind()
    union_find.union("a", "a")
    assert union_find.components() == {"a": "a"}


def test_union_find_string_order_not_numeric():
    union_find = UnionFind()
    union_find.union("9", "10")
    assert union_find.find("9") == "10"


def test_union_find_path_compression():
    union_find = UnionFind()
    union_find.union("c", "d")
    union_find.union("b", "c")
    union_find.union("a", "b")
    assert union_find.parent == {"a": "a", "b": "a", "c": "b", "d": "c"}  # a chain
    assert union_find.find("d") == "a"
    assert union_find.parent == {"a": "a", "b": "a", "c": "a", "d": "a"}  # flattened


def test_union_find_components_of_two_sets_joined():
    union_find = UnionFind()
    for a, b in [("k", "z"), ("p", "q"), ("q", "z")]:
        union_find.union(a, b)
    assert union_find.components() == {"k": "k", "z": "k", "p": "k", "q": "k"}


# --- ComponentsFn --------------------------------------------------------------------------


def fold(combine: ComponentsFn, edges) -> UnionFind:
    accumulator = combine.create_accumulator()
    for edge in edges:
        accumulator = combine.add_input(accumulator, edge)
    return accumulator


def test_components_fn_single_accumulator():
    combine = ComponentsFn()
    assert combine.extract_output(fold(combine, EDGES)) == EXPECTED


def test_components_fn_merge_equals_single_accumulator():
    rng = random.Random(7)
    edges = [(f"n{rng.randrange(40):02d}", f"n{rng.randrange(40):02d}") for _ in range(35)]
    combine = ComponentsFn()
    whole = combine.extract_output(fold(combine, edges))
    for _ in range(5):
        shuffled = rng.sample(edges, len(edges))
        parts = [fold(combine, shuffled[i::3]) for i in range(3)]
        merged = combine.merge_accumulators(parts)
        assert combine.extract_output(merged) == whole


def test_components_fn_merge_joins_components_across_accumulators():
    combine = ComponentsFn()
    parts = [
        fold(combine, [("b", "c")]),
        fold(combine, [("d", "e")]),
        fold(combine, [("c", "d"), ("a", "x")]),
    ]
    merged = combine.merge_accumulators(parts)
    assert combine.extract_output(merged) == {
        "a": "a",
        "x": "a",
        "b": "b",
        "c": "b",
        "d": "b",
        "e": "b",
    }


def test_components_fn_merge_with_empty_accumulators():
    combine = ComponentsFn()
    parts = [combine.create_accumulator(), fold(combine, EDGES), combine.create_accumulator()]
    assert combine.extract_output(combine.merge_accumulators(parts)) == EXPECTED


def test_components_fn_empty():
    combine = ComponentsFn()
    assert combine.extract_output(combine.create_accumulator()) == {}


# --- ConnectedComponents in a pipeline -----------------------------------------------------


def test_connected_components_pipeline():
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        edges = pipeline | "Edges" >> beam.Create(EDGES)
        members = edges | "Components" >> ConnectedComponents()
        assert_that(members, equal_to(sorted(EXPECTED.items())), label="Members")

        nothing = pipeline | "NoEdges" >> beam.Create([], reshuffle=False)
        no_members = nothing | "NoComponents" >> ConnectedComponents()
        assert_that(no_members, equal_to([]), label="NoMembers")
