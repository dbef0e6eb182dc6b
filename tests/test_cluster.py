"""Tests for transforms.cluster: UnionFind, the ComponentsFn CombineFn, ConnectedComponents,
and the stable ids of components across runs (stable_ids, with_root, StableIds)."""

import random

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from transforms.cluster import (
    ComponentsFn,
    ConnectedComponents,
    StableIds,
    UnionFind,
    stable_ids,
    with_root,
)

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


# --- stable_ids ----------------------------------------------------------------------------


def split(outputs) -> tuple[list, list]:
    """(main outputs, values tagged "merges") of stable_ids; no other tag is allowed."""
    main, merges = [], []
    for output in outputs:
        if isinstance(output, beam.pvalue.TaggedOutput):
            assert output.tag == "merges"
            merges.append(output.value)
        else:
            main.append(output)
    return main, merges


def test_stable_ids_no_known_id_gives_the_root():
    members = [("n1", None), ("n3", None), ("n2", None)]
    assert split(stable_ids(("n1", iter(members)))) == (
        [("n1", "n1"), ("n3", "n1"), ("n2", "n1")],
        [],
    )


def test_stable_ids_one_known_id_is_kept_for_every_member():
    # The known id is larger than the root (a new article "a0" joined "s5"'s group).
    members = [("a0", None), ("s5", "s5"), ("s7", "s5"), ("b1", None)]
    main, merges = split(stable_ids(("a0", members)))
    assert main == [("a0", "s5"), ("s5", "s5"), ("s7", "s5"), ("b1", "s5")]
    assert merges == []


def test_stable_ids_known_id_of_a_member_that_is_not_its_own_id():
    main, merges = split(stable_ids(("a1", [("a1", None), ("s2", "g0")])))
    assert (main, merges) == ([("a1", "g0"), ("s2", "g0")], [])


def test_stable_ids_two_known_ids_keep_the_smallest_and_merge_the_other():
    members = [("s9", "s9"), ("n1", None), ("s3", "s3"), ("s4", "s3")]
    main, merges = split(stable_ids(("n1", members)))
    assert main == [("s9", "s3"), ("n1", "s3"), ("s3", "s3"), ("s4", "s3")]
    assert merges == [("s9", "s3")]


def test_stable_ids_three_known_ids_two_merges_in_order():
    members = [("x", "k3"), ("y", "k1"), ("z", "k2"), ("w", "k3")]
    main, merges = split(stable_ids(("w", members)))
    assert main == [("x", "k1"), ("y", "k1"), ("z", "k1"), ("w", "k1")]
    assert merges == [("k2", "k1"), ("k3", "k1")]


def test_stable_ids_known_ids_compare_as_strings():
    main, merges = split(stable_ids(("a", [("a", None), ("p", "10"), ("q", "9")])))
    assert main == [("a", "10"), ("p", "10"), ("q", "10")]
    assert merges == [("9", "10")]


# --- with_root -----------------------------------------------------------------------------


def test_with_root_keys_a_member_by_its_root_with_its_previous_id():
    assert list(with_root(("s2", {"root": ["s1"], "previous": ["g7"]}))) == [("s1", ("s2", "g7"))]
    assert list(with_root(("n1", {"root": ["n0"], "previous": []}))) == [("n0", ("n1", None))]


def test_with_root_drops_stored_articles_outside_this_runs_components():
    assert list(with_root(("s2", {"root": [], "previous": ["g7"]}))) == []


# --- StableIds in a pipeline ---------------------------------------------------------------


def test_stable_ids_pipeline():
    components = [
        # n1 bridges the stored groups s3 and s8: one component, rooted at n1.
        ("n1", "n1"),
        ("s3", "n1"),
        ("s4", "n1"),
        ("s8", "n1"),
        # a new copy of s5
        ("a0", "a0"),
        ("s5", "a0"),
        # new articles only
        ("n5", "n5"),
        ("n6", "n5"),
    ]
    previous = [
        ("s3", "s3"),
        ("s4", "s3"),
        ("s8", "s8"),
        ("s5", "s5"),
        ("s6", "s6"),  # stored, in no component of this run: no id out
        ("s7", "s3"),  # a member of s3 outside the window: not reassigned here
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        ids = {
            "components": pipeline | "Components" >> beam.Create(components),
            "previous": pipeline | "Previous" >> beam.Create(previous),
        } | StableIds()
        assert set(ids) == {"ids", "merges"}
        assert_that(
            ids["ids"],
            equal_to(
                [
                    ("n1", "s3"),
                    ("s3", "s3"),
                    ("s4", "s3"),
                    ("s8", "s3"),
                    ("a0", "s5"),
                    ("s5", "s5"),
                    ("n5", "n5"),
                    ("n6", "n5"),
                ]
            ),
            label="Ids",
        )
        assert_that(ids["merges"], equal_to([("s8", "s3")]), label="Merges")


def test_stable_ids_pipeline_first_run_has_no_previous_ids():
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        ids = {
            "components": pipeline | "Components" >> beam.Create([("b", "a"), ("a", "a")]),
            "previous": pipeline | "Previous" >> beam.Create([], reshuffle=False),
        } | StableIds()
        assert_that(ids["ids"], equal_to([("a", "a"), ("b", "a")]), label="Ids")
        assert_that(ids["merges"], equal_to([]), label="Merges")
