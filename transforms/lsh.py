"""LSH stage: MinHash signatures -> verified similar pairs, by banding as a shuffle.

Each signature emits one key per band; GroupByKey brings the candidates of a bucket
together; each bucket verifies its candidates (by estimated Jaccard, or by whatever
similarity the features are compared by) and emits edges from each member to the
smallest member of its verified component. No worker ever holds an index of all documents.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
import numpy as np
from datasketch import MinHashLSH

from transforms.fingerprint import TermArrays, stacked_terms

Signed = tuple[str, bytes, Any]  # (article id, uint32 MinHash values as bytes, features)
Edge = tuple[str, str]  # (smaller id, larger id)
# A bucket's features, prepared once -> the similarities of member i to members i+1...
Scores = Callable[[Sequence[Any]], Callable[[int], np.ndarray]]


def band_layout(
    threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)
) -> tuple[int, int]:
    """(bands, rows) from datasketch's own optimiser of false positives and negatives."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    return lsh.b, lsh.r


def band_keys(signature: bytes, bands: int, rows: int) -> Iterator[bytes]:
    """One bucket key per band: the band number and the band's hash values."""
    width = rows * 4  # uint32
    for band in range(bands):
        yield band.to_bytes(2, "big") + signature[band * width : (band + 1) * width]


def jaccard_scores(signatures: Sequence[bytes]) -> Callable[[int], np.ndarray]:
    """Estimated Jaccard of each MinHash signature with the later ones."""
    matrix = np.stack([np.frombuffer(signature, np.uint32) for signature in signatures])
    return lambda i: np.mean(matrix[i + 1 :] == matrix[i], axis=1)


SCORE_BLOCK_CELLS = 1 << 22  # cosines computed at once: 32 MB of a bucket's rows


def cosine_scores(vectors: Sequence[TermArrays]) -> Callable[[int], np.ndarray]:
    """Cosine of each unit-norm term vector (as term_arrays) with the later ones.

    One sparse product per block of rows (a product per row costs more in scipy's
    overhead than in arithmetic); a block is as many rows as fit SCORE_BLOCK_CELLS.
    """
    matrix = stacked_terms(vectors)
    transposed = matrix.T.tocsr()
    rows = max(1, SCORE_BLOCK_CELLS // max(1, matrix.shape[0]))
    block: dict[int, np.ndarray] = {}

    def later(i: int) -> np.ndarray:
        start = i - i % rows
        if start not in block:
            block.clear()
            block[start] = (matrix[start : start + rows] @ transposed).toarray()
        return block[start][i - start, i + 1 :]

    return later


def verified_edges(
    members: Iterable[tuple[str, Any]], threshold: float, scores: Scores = jaccard_scores
) -> Iterator[Edge]:
    """Edges that connect the members of a bucket whose similarity passes.

    A local union-find keeps the output small: one edge per member to the smallest id
    of its verified component within the bucket.
    """
    unique = dict(members)
    if len(unique) < 2:
        return
    ids = sorted(unique)
    later_scores = scores([unique[i] for i in ids])
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(ids) - 1):
        similar = later_scores(i) >= threshold
        for j in np.nonzero(similar)[0] + i + 1:
            a, b = root(i), root(int(j))
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller index (= smaller id) is the root
    for i in range(len(ids)):
        r = root(i)
        if r != i:
            yield ids[r], ids[i]


class SimilarPairs(beam.PTransform):
    """(id, signature, features) -> verified (id, id) edges.

    Candidates share a band of their signatures, laid out for `band_threshold` (estimated
    Jaccard; by default `threshold` itself); an edge is a candidate pair whose `scores` of
    the features reach `threshold`. Duplicates pass their signature as the features.
    """

    def __init__(
        self,
        threshold: float,
        num_perm: int,
        scores: Scores = jaccard_scores,
        band_threshold: float | None = None,
        weights: tuple[float, float] = (0.5, 0.5),
    ):
        super().__init__()
        self._threshold = threshold
        self._scores = scores
        self._bands, self._rows = band_layout(band_threshold or threshold, num_perm, weights)

    def expand(self, signatures):
        bands, rows, threshold, scores = self._bands, self._rows, self._threshold, self._scores
        return (
            signatures
            | "DropEmpty" >> beam.Filter(lambda signed: bool(signed[1]))
            | "BandKeys"
            >> beam.FlatMap(
                lambda signed: (
                    (key, (signed[0], signed[2])) for key in band_keys(signed[1], bands, rows)
                )
            )
            | "Buckets" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(lambda bucket: verified_edges(bucket[1], threshold, scores))
        )
