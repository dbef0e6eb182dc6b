"""Tests for transforms.fingerprint: tokens, shingles, MinHash signatures (story terms:
tests/test_stories.py)."""

import numpy as np
import pytest

from transforms.fingerprint import (
    MinHasher,
    estimated_jaccard,
    normalise,
    text_shingles,
)

# --- normalise -----------------------------------------------------------------------------


def test_normalise_lowercases_and_drops_punctuation():
    assert normalise("The Bridge, REOPENED!  (Finally.)") == [
        "the",
        "bridge",
        "reopened",
        "finally",
    ]


def test_normalise_nfkc():
    # Full-width letters and digits, the "fi" ligature, a superscript two.
    assert normalise("ＡＢＣ １２３ ﬁnal x²") == ["abc", "123", "final", "x2"]


def test_normalise_quote_styles_vanish():
    curly = normalise("“Don’t stop,” she said — ‘now’.")
    straight = normalise("\"Don't stop,\" she said - 'now'.")
    assert curly == straight == ["don", "t", "stop", "she", "said", "now"]


def test_normalise_keeps_non_latin_words():
    assert normalise("Київ, МОСКВА и 東京") == ["київ", "москва", "и", "東京"]


def test_normalise_empty():
    assert normalise("") == []
    assert normalise(" — … ") == []


# --- text_shingles -------------------------------------------------------------------------


def test_text_shingles_word_ngrams():
    assert text_shingles("A b c d e F", 3) == {"a b c", "b c d", "c d e", "d e f"}


def test_text_shingles_count_and_size():
    words = [f"w{i}" for i in range(20)]
    shingles = text_shingles(" ".join(words), 5)
    assert len(shingles) == 16
    assert all(len(shingle.split()) == 5 for shingle in shingles)


def test_text_shingles_repeated_ngrams_count_once():
    assert text_shingles("la la la la", 2) == {"la la"}


def test_text_shingles_short_text_is_one_shingle():
    assert text_shingles("Only three words", 5) == {"only three words"}
    assert text_shingles("exactly five words right here", 5) == {"exactly five words right here"}


def test_text_shingles_empty():
    assert text_shingles("", 5) == set()
    assert text_shingles("  !!! ...  ", 5) == set()


def test_text_shingles_ignore_case_and_punctuation():
    assert text_shingles("The bridge, reopened.", 2) == text_shingles("the BRIDGE reopened", 2)


# --- MinHasher and estimated_jaccard -------------------------------------------------------


FEATURES = {"the bridge reopened", "on tuesday morning", "after eight months"}


def test_signature_length_and_dtype():
    signature = MinHasher(128, 1).signature(FEATURES)
    assert isinstance(signature, bytes)
    assert len(signature) == 128 * 4
    assert np.frombuffer(signature, np.uint32).shape == (128,)


def test_signature_deterministic_across_instances():
    first = MinHasher(128, 1).signature(FEATURES)
    second = MinHasher(128, 1).signature(set(sorted(FEATURES, reverse=True)))
    assert first == second


def test_signature_depends_on_seed_and_features():
    assert MinHasher(128, 1).signature(FEATURES) != MinHasher(128, 2).signature(FEATURES)
    hasher = MinHasher(128, 1)
    assert hasher.signature(FEATURES) != hasher.signature(FEATURES | {"extra"})


def test_signature_empty_set():
    assert MinHasher(128, 1).signature(set()) == b""


def test_estimated_jaccard_identical_and_disjoint():
    hasher = MinHasher(128, 1)
    a = hasher.signature({f"a{i}" for i in range(200)})
    b = hasher.signature({f"b{i}" for i in range(200)})
    assert estimated_jaccard(a, a) == 1.0
    assert estimated_jaccard(a, b) < 0.05


@pytest.mark.parametrize(
    ("overlap_start", "a_end", "jaccard"),
    [
        (400, 600, 0.2),  # a = 0..599, b = 400..999: 200 shared of 1000
        (250, 750, 0.5),  # 500 of 1000
        (100, 900, 0.8),  # 800 of 1000
    ],
)
def test_estimated_jaccard_close_to_true_jaccard(overlap_start, a_end, jaccard):
    a = {f"feature {i}" for i in range(0, a_end)}
    b = {f"feature {i}" for i in range(overlap_start, 1000)}
    assert len(a & b) / len(a | b) == pytest.approx(jaccard)
    hasher = MinHasher(128, 1)
    estimate = estimated_jaccard(hasher.signature(a), hasher.signature(b))
    assert abs(estimate - jaccard) <= 0.1
