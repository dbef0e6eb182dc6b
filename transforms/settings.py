"""Defaults of the similarity stages, in one place (the CLI options override them)."""

from typing import NamedTuple


class SimilaritySettings(NamedTuple):
    num_perm: int = 128  # MinHash permutations per signature
    seed: int = 1  # fixes the permutations: signatures stay comparable across runs
    shingle_words: int = 5  # word n-grams of the near-duplicate fingerprint
    duplicate_threshold: float = 0.5  # estimated Jaccard of shingles: syndicated copies
    story_lead_words: int = 30  # the story fingerprint reads the title and this many words
    story_threshold: float = 0.2  # estimated Jaccard of story terms: one event
