"""Fingerprint stage: Article -> MinHash signatures of its text and of its story.

Two fingerprints: word shingles of the normalised body find near-identical text
(syndicated copies); salient terms of the title and lead find different outlets'
reports of one event, which share facts and names but few phrases.
"""

import re
import unicodedata
from collections.abc import Iterator

import apache_beam as beam
import numpy as np
from datasketch import MinHash

from schemas.records import Article, Fingerprint
from transforms.settings import SimilaritySettings

WORD = re.compile(r"\w+")
# Function words and the verbs of attribution that every report shares.
STOPWORDS = frozenset(
    """a about above after again against all also an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just may me might more most must my no nor not now of off on once only or other our ours
    out over own same says said say she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours year years time times
    told according new first last one two three mr mrs ms""".split()
)
STEM_CHARS = 6  # prefix stemming: captured/captures/capture, ukraine/ukrainian


def normalise(text: str) -> list[str]:
    """Lowercased word tokens of NFKC-normalised text (punctuation and quote styles vanish)."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def text_shingles(text: str, size: int) -> set[str]:
    """Word n-grams of the body; a text shorter than n is one shingle."""
    tokens = normalise(text)
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def story_terms(title: str, text: str, lead_words: int) -> set[str]:
    """Stemmed content words of the title and the lead: what the article is about."""
    lead = " ".join(text.split()[:lead_words])
    return {
        token[:STEM_CHARS]
        for token in normalise(f"{title}\n{lead}")
        if len(token) > 2 and not token.isdigit() and token not in STOPWORDS
    }


class MinHasher:
    """MinHash signatures (uint32 bytes) with fixed permutations, built once per worker."""

    def __init__(self, num_perm: int, seed: int):
        self._num_perm = num_perm
        self._permutations = MinHash(num_perm=num_perm, seed=seed).permutations

    def signature(self, features: set[str]) -> bytes:
        if not features:
            return b""  # nothing to compare: such an article joins no one
        minhash = MinHash(
            num_perm=self._num_perm, permutations=self._permutations, scheme="affine32"
        )
        minhash.update_batch([feature.encode("utf-8") for feature in features])
        return minhash.hashvalues.astype(np.uint32).tobytes()


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(np.frombuffer(a, np.uint32) == np.frombuffer(b, np.uint32)))


class FingerprintArticle(beam.DoFn):
    def __init__(self, settings: SimilaritySettings):
        self._settings = settings
        self._hasher: MinHasher | None = None

    def setup(self) -> None:
        self._hasher = MinHasher(self._settings.num_perm, self._settings.seed)

    def process(self, article: Article) -> Iterator[Fingerprint]:
        s = self._settings
        yield Fingerprint(
            article_id=article.article_id,
            text_signature=self._hasher.signature(text_shingles(article.text, s.shingle_words)),
            story_signature=self._hasher.signature(
                story_terms(article.title, article.text, s.story_lead_words)
            ),
        )


class FingerprintArticles(beam.PTransform):
    """Articles -> Fingerprints."""

    def __init__(self, settings: SimilaritySettings):
        super().__init__()
        self._settings = settings

    def expand(self, articles):
        return articles | "MinHash" >> beam.ParDo(FingerprintArticle(self._settings))
