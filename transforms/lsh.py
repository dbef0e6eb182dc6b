"""LSH stage: MinHash signatures -> verified similar pairs, by banding as a shuffle.

Each signature emits one key per band; GroupByKey brings the candidates of a bucket
together; each bucket verifies its candidates by estimated Jaccard and emits edges from
each member to the smallest member of its verified component. No worker ever holds an
index of all documents.
"""

from collections.abc import Iterable, Iterator

import apache_beam as beam
import numpy as np
from datasketch import MinHashLSH

Signed = tuple[str, bytes]  # (article id, uint32 MinHash values as bytes)
Edge = tuple[str, str]  # (smaller id, larger id)


def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) from datasketch's own optimiser of false positives and negatives."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signature: bytes, bands: int, rows: int) -> Iterator[bytes]:
    """One bucket key per band: the band number and the band's hash values."""
    width = rows * 4  # uint32
    for band in range(bands):
        yield band.to_bytes(2, "big") + signature[band * width : (band + 1) * width]


def verified_edges(members: Iterable[Signed], threshold: float) -> Iterator[Edge]:
    """Edges that connect the members of a bucket whose estimated Jaccard passes.

    A local union-find keeps the output small: one edge per member to the smallest id
    of its verified component within the bucket.
    """
    unique = dict(members)
    if len(unique) < 2:
        return
    ids = sorted(unique)
    matrix = np.stack([np.frombuffer(unique[i], np.uint32) for i in ids])
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ids) - 1):
        similar = np.mean(matrix[i + 1 :] == matrix[i], axis=1) >= threshold
        for j in np.nonzero(similar)[0] + i + 1:
            a, b = root(i), root(int(j))
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller index (= smaller id) is the root
    for i in range(len(ids)):
        r = root(i)
        if r != i:
            yield ids[r], ids[i]


class SimilarPairs(beam.PTransform):
    """(id, signature) -> verified (id, id) edges at estimated Jaccard >= threshold."""

    def __init__(self, threshold: float, num_perm: int):
        super().__init__()
        self._threshold = threshold
        self._bands, self._rows = band_layout(threshold, num_perm)

    def expand(self, signatures):
        bands, rows, threshold = self._bands, self._rows, self._threshold
        return (
            signatures
            | "DropEmpty" >> beam.Filter(lambda signed: bool(signed[1]))
            | "BandKeys"
            >> beam.FlatMap(
                lambda signed: ((key, signed) for key in band_keys(signed[1], bands, rows))
            )
            | "Buckets" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(lambda bucket: verified_edges(bucket[1], threshold))
        )
