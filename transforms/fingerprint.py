"""Fingerprint stage: Article -> MinHash signatures of its text and of its story.

Two fingerprints: word shingles of the normalised body find near-identical text
(syndicated copies); the salient terms of the article find different outlets' reports
of one event, which share names, places and facts but few phrases. A term's salience is
how rare the word is in general use (wordfreq's frequencies from large corpora of each
language), so "the" and "said" weigh nothing and "pilgrim" or "Krefeld" weigh a lot;
the same weight in every run, however small the batch, so that stored fingerprints stay
comparable with new ones.
"""

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache

import apache_beam as beam
import numpy as np
from datasketch import MinHash
from scipy.sparse import csr_matrix
from wordfreq import available_languages, zipf_frequency

from schemas.records import Article, Fingerprint
from transforms.settings import SimilaritySettings

WORD = re.compile(r"\w+")
# Links, handles and addresses of embedded posts: their fragments look like rare words.
LINK = re.compile(
    r"(?:https?://|www\.|pic\.twitter\.com/)\S+|@\w+|\S+\.(?:com|org|net|co\.uk)\b\S*",
    re.IGNORECASE,
)
# Function words and the verbs of attribution that every report shares (wordfreq weighs
# most of them to nothing already; these also hold where it has no list for a language).
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
# Salience of a word: log10 of how many times rarer than one in a billion words it is,
# less this floor, so that words as common as "said" (Zipf 6) count for nothing.
ZIPF_FLOOR = 6.0
UNKNOWN_ZIPF = 3.0  # a language wordfreq has no list for: every word weighs the same
TITLE_WEIGHT = 2.0  # a title word counts as much as this many body words
CAPITALISED_WEIGHT = 1.5  # names of people, places and organisations count more
POSITION_SPAN = 50  # words; each further span of the body counts less (the lead most)
POSITION_DECAY = 0.2
# Weights are flattened (raised to this power) so that many shared terms tie two reports
# more than one shared rare name does.
WEIGHT_EXPONENT = 0.75
# wordfreq needs tokenisers of their own (MeCab, jieba) for these; \w+ runs are no words there.
LANGUAGES = frozenset(available_languages()) - {"ja", "ko", "zh"}


def normalise(text: str) -> list[str]:
    """Lowercased word tokens of NFKC-normalised text (punctuation and quote styles vanish)."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def text_shingles(text: str, size: int) -> set[str]:
    """Word n-grams of the body; a text shorter than n is one shingle."""
    tokens = normalise(text)
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def term_key(term: str) -> str:
    """What two articles' terms are compared by: the stem of the word."""
    return term[:STEM_CHARS]


@lru_cache(maxsize=200_000)
def salience(word: str, language: str | None) -> float:
    """How much a word says about what an article is about: its rarity in the language."""
    zipf = zipf_frequency(word, language) if language in LANGUAGES else UNKNOWN_ZIPF
    return max(0.0, ZIPF_FLOOR - zipf)


def content_words(text: str) -> Iterator[tuple[str, bool]]:
    """(lowercased word, capitalised?) of the words that can name what a text is about."""
    for match in WORD.finditer(unicodedata.normalize("NFKC", LINK.sub(" ", text))):
        word = match.group()
        lower = word.lower()
        if (
            len(lower) > 2
            and lower not in STOPWORDS
            and "_" not in lower
            and not any(char.isdigit() for char in lower)  # dates, times, ids of links
        ):
            yield lower, word[0].isupper()


def story_terms(title: str, text: str, language: str | None, size: int) -> dict[str, float]:
    """The `size` most salient terms of an article, {term: weight}, with unit L2 norm.

    A term's weight is its salience times a sublinear count in which title words count
    double and each further span of the body counts less than the one before, flattened
    by WEIGHT_EXPONENT. Terms are grouped by stem and named by their first spelling
    (title first).
    """
    counts: dict[str, float] = {}
    weights: dict[str, float] = {}
    names: dict[str, str] = {}

    def read(part: str, weight: float) -> None:
        for word, capitalised in content_words(part):
            key = term_key(word)
            names.setdefault(key, word)
            counts[key] = counts.get(key, 0.0) + weight
            score = salience(word, language) * (CAPITALISED_WEIGHT if capitalised else 1.0)
            weights[key] = max(weights.get(key, 0.0), score)

    read(title, TITLE_WEIGHT)
    words = text.split()
    for start in range(0, len(words), POSITION_SPAN):
        span = " ".join(words[start : start + POSITION_SPAN])
        read(span, 1.0 / (1.0 + POSITION_DECAY * start / POSITION_SPAN))
    scored = {
        key: ((1.0 + math.log(count) if count >= 1 else count) * weights[key]) ** WEIGHT_EXPONENT
        for key, count in counts.items()
        if weights[key] > 0
    }
    top = sorted(scored, key=lambda key: (-scored[key], key))[:size]
    norm = math.sqrt(sum(scored[key] ** 2 for key in top)) or 1.0
    return {names[key]: scored[key] / norm for key in top}


def term_vector(terms: list[str], weights: list[float]) -> dict[str, float]:
    """{stem: weight} of stored story terms, ready for cosine()."""
    return {term_key(term): weight for term, weight in zip(terms, weights, strict=True)}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit-norm term vectors."""
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b.get(key, 0.0) for key, weight in a.items())


@lru_cache(maxsize=200_000)
def stem_id(stem: str) -> int:
    """A 64-bit id of a stem, the same on every worker (unlike hash())."""
    digest = hashlib.blake2b(stem.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


TermArrays = tuple[np.ndarray, np.ndarray]  # (stem ids, weights) of one term vector


def term_arrays(vector: dict[str, float]) -> TermArrays:
    """A term vector as arrays: an LSH bucket stacks thousands of them at once."""
    ids = np.fromiter(map(stem_id, vector), np.int64, len(vector))
    return ids, np.fromiter(vector.values(), float, len(vector))


def stacked_terms(arrays: Sequence[TermArrays]) -> csr_matrix:
    """Term arrays as the rows of one sparse matrix: M @ M.T are their cosines."""
    ids = np.concatenate([np.empty(0, np.int64), *(a[0] for a in arrays)])
    columns, indices = np.unique(ids, return_inverse=True)
    values = np.concatenate([np.empty(0), *(a[1] for a in arrays)])
    pointers = np.cumsum([0] + [len(a[0]) for a in arrays])
    return csr_matrix((values, indices, pointers), shape=(len(arrays), len(columns)))


def term_matrix(vectors: list[dict[str, float]]) -> csr_matrix:
    """Unit-norm term vectors as the rows of one sparse matrix: M @ M.T are their cosines."""
    return stacked_terms([term_arrays(vector) for vector in vectors])


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
        terms = story_terms(article.title, article.text, article.language, s.story_terms)
        yield Fingerprint(
            article_id=article.article_id,
            text_signature=self._hasher.signature(text_shingles(article.text, s.shingle_words)),
            # LSH candidates of the story: articles that share some of the same terms.
            story_signature=self._hasher.signature({term_key(term) for term in terms}),
            story_terms=list(terms),
            story_weights=list(terms.values()),
            published=article.published,
        )


class FingerprintArticles(beam.PTransform):
    """Articles -> Fingerprints."""

    def __init__(self, settings: SimilaritySettings):
        super().__init__()
        self._settings = settings

    def expand(self, articles):
        return articles | "MinHash" >> beam.ParDo(FingerprintArticle(self._settings))
