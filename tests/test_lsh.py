"""Tests for transforms.lsh: band layout, band keys, bucket verification, SimilarPairs."""

import random
from itertools import combinations

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import BeamAssertException, assert_that
from datasketch import MinHashLSH

from transforms.fingerprint import MinHasher, estimated_jaccard, text_shingles
from transforms.lsh import SimilarPairs, band_keys, band_layout, verified_edges


def sig(values) -> bytes:
    return np.asarray(values, dtype=np.uint32).tobytes()


# --- band_layout and band_keys -------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("num_perm", [64, 128])
def test_band_layout_matches_datasketch(threshold, num_perm):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    bands, rows = band_layout(threshold, num_perm)
    assert (bands, rows) == (lsh.b, lsh.r)
    assert bands * rows <= num_perm


def test_band_layout_known_values():
    assert band_layout(0.5, 128) == (25, 5)
    assert band_layout(0.2, 128) == (28, 2)


def test_band_keys_count_length_and_distinctness():
    signature = MinHasher(128, 1).signature({"a b c", "d e f", "g h i"})
    bands, rows = band_layout(0.5, 128)
    keys = list(band_keys(signature, bands, rows))
    assert len(keys) == bands
    assert len(set(keys)) == bands
    for band, key in enumerate(keys):
        assert len(key) == 2 + rows * 4
        assert int.from_bytes(key[:2], "big") == band
        assert key[2:] == signature[band * rows * 4 : (band + 1) * rows * 4]


def test_band_keys_distinct_even_for_a_constant_signature():
    # Equal band values in different bands must still land in different buckets.
    keys = list(band_keys(sig([7] * 12), 4, 3))
    assert len(set(keys)) == 4


def test_band_keys_shared_only_where_bands_agree():
    a = sig(list(range(12)))
    b = sig(list(range(6)) + [100] * 6)  # same first two bands of three values
    shared = set(band_keys(a, 4, 3)) & set(band_keys(b, 4, 3))
    assert shared == set(list(band_keys(a, 4, 3))[:2])


# --- verified_edges ------------------------------------------------------------------------


def test_verified_edges_transitive_bucket_connects_all_to_smallest():
    c = [0] * 10
    a = [100] * 4 + [0] * 6  # agrees with c on 6 of 10
    b = [0] * 6 + [200] * 4  # agrees with c on 6 of 10, with a on only 2 of 10
    members = [("c", sig(c)), ("b", sig(b)), ("a", sig(a))]
    assert estimated_jaccard(sig(a), sig(b)) == pytest.approx(0.2)
    assert sorted(verified_edges(members, 0.5)) == [("a", "b"), ("a", "c")]


def test_verified_edges_smallest_only_linked_through_others():
    # "a" is only similar to "c"; "b", "c", "d" are similar to each other.
    a = [1] * 5 + [0] * 5
    c = [0] * 10
    b = [0] * 9 + [2]
    d = [0] * 8 + [3, 3]
    members = [("d", sig(d)), ("b", sig(b)), ("a", sig(a)), ("c", sig(c))]
    assert sorted(verified_edges(members, 0.5)) == [("a", "b"), ("a", "c"), ("a", "d")]


def test_verified_edges_two_groups_in_one_bucket():
    x, y = [0] * 10, [9] * 10
    members = [("p", sig(x)), ("q", sig(y)), ("r", sig(x)), ("s", sig(y))]
    assert sorted(verified_edges(members, 0.5)) == [("p", "r"), ("q", "s")]


def test_verified_edges_dissimilar_members_yield_nothing():
    members = [("a", sig([1] * 10)), ("b", sig([2] * 10)), ("c", sig([1] * 4 + [3] * 6))]
    assert list(verified_edges(members, 0.5)) == []


def test_verified_edges_threshold_is_inclusive():
    members = [("a", sig([0] * 10)), ("b", sig([0] * 5 + [1] * 5))]
    assert list(verified_edges(members, 0.5)) == [("a", "b")]
    assert list(verified_edges(members, 0.51)) == []


def test_verified_edges_duplicate_members():
    signature = sig([4] * 10)
    assert list(verified_edges([("a", signature), ("a", signature)], 0.5)) == []
    members = [("b", signature), ("a", signature), ("b", signature), ("a", signature)]
    assert list(verified_edges(members, 0.5)) == [("a", "b")]


def test_verified_edges_empty_and_single():
    assert list(verified_edges([], 0.5)) == []
    assert list(verified_edges([("a", sig([1] * 10))], 0.5)) == []


# --- SimilarPairs against brute force ------------------------------------------------------


def components_of(edges) -> set[frozenset[str]]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return {frozenset(group) for group in groups.values()}


def brute_force_components(signed, threshold) -> set[frozenset[str]]:
    edges = [
        (a, b)
        for (a, sa), (b, sb) in combinations(signed, 2)
        if sa and sb and estimated_jaccard(sa, sb) >= threshold
    ]
    return components_of(edges)


def edit(words: list[str], rng: random.Random, vocabulary: list[str], share: float, span=None):
    """A near-copy: replace `share` of the words (within span, if given) at random."""
    copy = list(words)
    start, end = span or (0, len(words))
    for i in rng.sample(range(start, end), int((end - start) * share)):
        copy[i] = rng.choice(vocabulary)
    return copy


def generated_documents() -> list[tuple[str, str]]:
    rng = random.Random(20250112)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = sorted({"".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(3000)})
    documents: dict[str, list[str]] = {}
    for group in range(10):
        base = rng.choices(vocabulary, k=120)
        documents[f"g{group:02d}-0"] = base
        for copy in range(1, 2 + group % 3):  # groups of 2, 3 or 4 near-copies
            documents[f"g{group:02d}-{copy}"] = edit(base, rng, vocabulary, 0.03 * copy)
    # A chain: x1 differs from x0 in its first half, x2 from x1 in its second half.
    x0 = rng.choices(vocabulary, k=120)
    x1 = edit(x0, rng, vocabulary, 0.12, (0, 60))
    x2 = edit(x1, rng, vocabulary, 0.12, (60, 120))
    documents.update({"x0": x0, "x1": x1, "x2": x2})
    while len(documents) < 60:
        documents[f"s{len(documents):02d}"] = rng.choices(vocabulary, k=rng.randint(20, 150))
    documents["z-empty"] = []  # empty features: an empty signature, never an edge
    return [(doc_id, " ".join(words)) for doc_id, words in documents.items()]


def test_similar_pairs_match_brute_force():
    hasher = MinHasher(128, 1)
    signed = [(i, hasher.signature(text_shingles(text, 5))) for i, text in generated_documents()]
    strict = brute_force_components(signed, 0.5)
    loose = brute_force_components(signed, 0.2)
    # The data is meant to exercise something: groups, singletons and the chain.
    assert len(strict) >= 10 and any(len(group) >= 4 for group in strict)
    assert frozenset({"x0", "x1", "x2"}) in strict
    assert estimated_jaccard(dict(signed)["x0"], dict(signed)["x2"]) < 0.5
    assert all(not group & {"z-empty"} for group in strict | loose)

    def same_components_as(expected, threshold):
        def check(edges):
            if any(a >= b for a, b in edges):
                raise BeamAssertException(f"edge not ordered (smaller, larger): {edges}")
            signatures = dict(signed)
            weak = [e for e in edges if estimated_jaccard(*map(signatures.get, e)) < threshold]
            if weak:
                raise BeamAssertException(f"unverified edges: {weak}")
            actual = components_of(edges)
            if actual != expected:
                raise BeamAssertException(f"components {actual} != {expected}")

        return check

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        # Duplicates are verified on their signatures: the features are the signature.
        signatures = pipeline | beam.Create([(i, s, s) for i, s in signed])
        strict_edges = signatures | "Strict" >> SimilarPairs(0.5, 128)
        loose_edges = signatures | "Loose" >> SimilarPairs(0.2, 128)
        assert_that(strict_edges, same_components_as(strict, 0.5), label="StrictComponents")
        assert_that(loose_edges, same_components_as(loose, 0.2), label="LooseComponents")
