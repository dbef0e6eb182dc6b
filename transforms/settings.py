"""Defaults of the similarity stages, in one place (the CLI options override them)."""

from typing import NamedTuple


class SimilaritySettings(NamedTuple):
    num_perm: int = 128  # MinHash permutations per signature
    seed: int = 1  # fixes the permutations: signatures stay comparable across runs
    shingle_words: int = 5  # word n-grams of the near-duplicate fingerprint
    duplicate_threshold: float = 0.5  # estimated Jaccard of shingles: syndicated copies
    story_terms: int = 150  # the most salient terms of an article make its story fingerprint
    # LSH candidates of one story: estimated Jaccard of the term sets. Low on purpose (reports
    # in other words share few terms); every candidate is verified by story_threshold.
    story_candidate_threshold: float = 0.05
    story_threshold: float = 0.25  # cosine of weighted terms: one event (set by benchmarks.stories)
    story_window_days: float = 3.0  # the most days between the published dates of one story


class FetchSettings(NamedTuple):
    user_agent: str = "news-pipeline/0.1 (polite news ingestion)"
    timeout: float = 10.0  # seconds to connect, and between bytes of a response
    retries: int = 3  # on 429, 5xx and connection errors, with exponential backoff
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    host_concurrency: int = 2  # requests in flight per host
    host_delay: float = 0.25  # seconds between the starts of two requests to one host
    max_redirects: int = 5
    max_bytes: int = 5 * 1024 * 1024  # larger responses are refused
