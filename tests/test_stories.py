"""Tests for story clustering: salient story terms (transforms.fingerprint), their LSH
candidates verified by cosine (transforms.lsh), average linkage of story components within
a window of days (transforms.cluster) and the keywords of a story (transforms.assemble)."""

import math
import os
import random
import time
from itertools import combinations

import apache_beam as beam
import pytest
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from schemas.records import Fingerprint
from transforms.assemble import story_keywords
from transforms.cluster import (
    StoryClusters,
    StoryMember,
    average_linkage,
    posix_seconds,
    split_component,
    story_units,
)
from transforms.fingerprint import (
    WEIGHT_EXPONENT,
    MinHasher,
    cosine,
    salience,
    stem_id,
    story_terms,
    term_arrays,
    term_key,
    term_vector,
)
from transforms.lsh import SimilarPairs, band_keys, band_layout, cosine_scores, verified_edges

DAY = 86400.0
T0 = 1_735_689_600.0  # 2025-01-01T00:00:00Z
STORY_BANDS = (0.05, 128, (0.3, 0.7))  # band threshold, permutations, weights


def norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(weight * weight for weight in vector.values()))


def unit(vector: dict[str, float]) -> dict[str, float]:
    length = norm(vector)
    return {key: weight / length for key, weight in vector.items()}


def uniform(keys) -> dict[str, float]:
    return unit({key: 1.0 for key in keys})


def angle(degrees: float) -> dict[str, float]:
    """A unit vector in the x-y plane: cosines of two are the cosine of their angle."""
    radians = math.radians(degrees)
    return {"x": math.cos(radians), "y": math.sin(radians)}


def qword(i: int) -> str:
    """Distinct content words of distinct stems: no stopwords, digits or short words."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "q" + letters[i // 26] + letters[i % 26]


def member(article_id, terms, published=None, known_story=None) -> StoryMember:
    return StoryMember(article_id, terms, published, known_story)


# --- salience, term_key, term_vector, cosine -----------------------------------------------


def test_salience_common_words_nothing_rare_words_much():
    for common in ("said", "the", "people", "like"):
        assert salience(common, "en") == 0.0
    assert 0.0 < salience("government", "en") < salience("pilgrim", "en")
    assert salience("pilgrim", "en") < salience("krefeld", "en")


def test_salience_depends_on_the_language():
    # A German city is a rarer word in English text than in German text.
    assert salience("krefeld", "en") > salience("krefeld", "de") > 0.0


def test_salience_unsupported_language_is_uniform():
    for language in ("xx", None, "ja"):  # no list, no language, no \w+ tokeniser
        assert salience("pilgrim", language) == salience("said", language) > 0.0


def test_term_key_is_the_six_character_prefix():
    assert term_key("captured") == term_key("captures") == term_key("capture") == "captur"
    assert term_key("ukrainian") == term_key("ukraine") == "ukrain"
    assert term_key("pope") == "pope"


def test_term_vector_keys_are_stems_and_lengths_must_match():
    assert term_vector(["pilgrims", "pope"], [0.8, 0.6]) == {"pilgri": 0.8, "pope": 0.6}
    assert term_vector([], []) == {}
    with pytest.raises(ValueError):
        term_vector(["pilgrims", "pope"], [1.0])


def test_cosine_identical_disjoint_symmetric_and_known_value():
    a = unit({"pope": 3.0, "pilgri": 4.0})
    b = unit({"pilgri": 1.0, "vatica": 1.0, "rome": 1.0})
    assert cosine(a, a) == pytest.approx(1.0)
    assert cosine(a, {"other": 1.0}) == 0.0
    assert cosine(a, {}) == cosine({}, a) == 0.0
    assert cosine(a, b) == pytest.approx(0.8 / math.sqrt(3))
    assert cosine(a, b) == cosine(b, a)


# --- story_terms ---------------------------------------------------------------------------


ENGLISH_TITLE = "Pilgrims flock to Krefeld cathedral"
ENGLISH_BODY = (
    "The mayor said this year more people than ever would like to see the cathedral. "
    "Thousands of pilgrims came to Krefeld on Thursday, the bishop said."
)


def test_story_terms_unit_norm_most_salient_first():
    terms = story_terms(ENGLISH_TITLE, ENGLISH_BODY, "en", 50)
    assert norm(terms) == pytest.approx(1.0)
    weights = list(terms.values())
    assert weights == sorted(weights, reverse=True)
    assert all(weight > 0 for weight in weights)


def test_story_terms_common_words_absent_rare_names_present():
    terms = story_terms(ENGLISH_TITLE, ENGLISH_BODY, "en", 50)
    for common in ("said", "year", "the", "people", "like", "would", "than"):
        assert common not in terms
    assert {"krefeld", "pilgrims", "cathedral", "bishop"} <= set(terms)
    assert next(iter(terms)) == "krefeld"  # a rare name, in the title, capitalised


def test_story_terms_only_common_words_give_nothing():
    assert story_terms("People like good", "They said the year was good", "en", 10) == {}


def test_story_terms_empty_input():
    assert story_terms("", "", "en", 10) == {}
    assert story_terms("", "", None, 10) == {}


def test_story_terms_weights_follow_the_formula():
    # Uniform salience ("xx"): a weight is ((1 + ln count) * capitalisation) ** 0.75
    # (WEIGHT_EXPONENT), normalised. ukrain: title x2 + body x1, capitalised;
    # captur: body x3; forces: title x2.
    terms = story_terms("Ukrainian forces", "Ukraine captured captures capture", "xx", 10)
    raw = {
        "ukrainian": ((1 + math.log(3)) * 1.5) ** 0.75,
        "captured": (1 + math.log(3)) ** 0.75,
        "forces": (1 + math.log(2)) ** 0.75,
    }
    length = norm(raw)
    assert terms == pytest.approx({key: value / length for key, value in raw.items()})


def test_story_terms_grouped_by_stem_named_by_first_spelling_title_first():
    terms = story_terms("Ukrainian troops", "Ukraine captured it; captures, capture.", "xx", 10)
    assert set(terms) == {"ukrainian", "troops", "captured"}
    body_only = story_terms("", "Ukraine and Ukrainian", "xx", 10)
    assert set(body_only) == {"ukraine"}


def test_story_terms_title_words_weigh_more():
    terms = story_terms("alpha", "bravo", "xx", 10)
    assert terms["alpha"] / terms["bravo"] == pytest.approx((1 + math.log(2)) ** WEIGHT_EXPONENT)
    swapped = story_terms("bravo", "alpha", "xx", 10)
    assert swapped["bravo"] > swapped["alpha"]


def test_story_terms_capitalised_words_weigh_more():
    terms = story_terms("", "Alpha bravo", "xx", 10)
    assert terms["alpha"] / terms["bravo"] == pytest.approx(1.5**WEIGHT_EXPONENT)
    assert story_terms("", "alpha bravo", "xx", 10)["alpha"] == pytest.approx(1 / math.sqrt(2))
    # Capitalised once is enough, wherever it is: a name is not a word by its place.
    for body in ("alpha Alpha bravo bravo", "Alpha alpha bravo bravo"):
        terms = story_terms("", body, "xx", 10)
        assert terms["alpha"] / terms["bravo"] == pytest.approx(1.5**WEIGHT_EXPONENT)


@pytest.mark.parametrize(("position", "ratio"), [(40, 1.0), (50, 1.2), (200, 1.8)])
def test_story_terms_lead_words_weigh_more(position, ratio):
    # "the" is no term, but it counts as a word of the body's spans of 50 words.
    body = "alpha " + "the " * (position - 1) + "bravo"
    terms = story_terms("", body, "xx", 10)
    assert terms["alpha"] / terms["bravo"] == pytest.approx(ratio**WEIGHT_EXPONENT)


def test_story_terms_links_handles_digits_and_underscores_dropped():
    body = (
        "Read https://example.com/story?id=krefeld www.foo.org/bar and @krefeldnews "
        "pic.twitter.com/AbCdEf news.co.uk covid19 2025 5pm foo_bar alpha"
    )
    assert set(story_terms("", body, "xx", 50)) == {"read", "alpha"}
    assert set(story_terms("@handle alpha https://t.co/Xyz", "", "xx", 50)) == {"alpha"}


def test_story_terms_upper_case_links_dropped():
    assert set(story_terms("", "HTTPS://WWW.EXAMPLE.COM/Krefeld alpha", "xx", 50)) == {"alpha"}


def test_story_terms_unsupported_language_still_gives_terms():
    for language in ("xx", None):
        terms = story_terms("", "alpha bravo charlie", language, 10)
        assert terms == pytest.approx({w: 1 / math.sqrt(3) for w in ("alpha", "bravo", "charlie")})


def test_story_terms_size_limits_the_count():
    words = [qword(i) for i in range(30)]
    body = " ".join(words)
    assert len(story_terms("", body, "xx", 50)) == 30
    top = story_terms("", body, "xx", 5)
    assert list(top) == words[:5]  # equal weights: ties by stem
    assert norm(top) == pytest.approx(1.0)
    # The most salient ones are kept, whatever their place in the text.
    assert set(story_terms("", ENGLISH_BODY, "en", 2)) == {"krefeld", "pilgrims"}


# --- verified_edges with cosine_scores, SimilarPairs ----------------------------------------


def test_stem_ids_are_the_same_in_every_process():
    # Workers in other processes stack one bucket's term arrays: hash() would differ there.
    import subprocess
    import sys

    code = "from transforms.fingerprint import stem_id; print(stem_id('pilgri'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.split()[-1]
        for seed in ("1", "2")
    }
    assert seen == {str(stem_id("pilgri"))}
    assert len({stem_id(key) for key in ("pilgri", "pope", "krefel", "")}) == 4


def test_cosine_scores_against_each_other():
    a = angle(0)
    vectors = [a, angle(0), angle(60), angle(90), {}]
    scores = cosine_scores([term_arrays(v) for v in vectors])(0)
    assert scores == pytest.approx([1.0, 0.5, 0.0, 0.0])


def test_verified_edges_by_cosine_link_to_the_smallest_id():
    # a~b and b~c, a and c not: one verified component, every edge from its smallest id.
    vectors = {"c": angle(80), "a": angle(0), "b": angle(40), "z": {"other": 1.0}}
    members = [(key, term_arrays(vector)) for key, vector in vectors.items()]
    assert cosine(angle(0), angle(80)) < 0.5
    assert sorted(verified_edges(members, 0.5, scores=cosine_scores)) == [("a", "b"), ("a", "c")]


def test_verified_edges_by_cosine_threshold_is_inclusive():
    a, b = angle(0), angle(50)
    members = [("a", term_arrays(a)), ("b", term_arrays(b))]
    assert list(verified_edges(members, cosine(a, b), scores=cosine_scores)) == [("a", "b")]
    assert list(verified_edges(members, cosine(a, b) + 1e-9, scores=cosine_scores)) == []


VOCABULARY = [qword(i) for i in range(80)]
S1 = uniform(VOCABULARY[0:20])
S2 = uniform(VOCABULARY[2:22])
S3 = uniform(VOCABULARY[4:24])
# Shares 15 of S1's 20 terms (Jaccard 0.6), but they are what it weighs least.
SHALLOW = unit({**dict.fromkeys(VOCABULARY[5:20], 0.01), **dict.fromkeys(VOCABULARY[60:65], 1.0)})
# Shares 2 of S1's terms only (Jaccard 2/24), and they are what it is about.
FOCUSED = unit({**dict.fromkeys(VOCABULARY[0:2], 0.7), **dict.fromkeys(VOCABULARY[70:74], 0.1)})
UNRELATED = uniform(VOCABULARY[40:55])
STORY_VECTORS = {"s1": S1, "s2": S2, "s3": S3, "f": FOCUSED, "w": SHALLOW, "u": UNRELATED}


def signed_stories() -> list[tuple[str, bytes, tuple]]:
    hasher = MinHasher(128, 1)
    signed = [
        (i, hasher.signature(set(vector)), term_arrays(vector))
        for i, vector in STORY_VECTORS.items()
    ]
    return [*signed, ("e", hasher.signature(set()), term_arrays({}))]


def components_of(edges) -> set[frozenset[str]]:
    groups: list[set[str]] = []
    for edge in edges:
        touching = [group for group in groups if group & set(edge)]
        merged = set(edge).union(*touching)
        groups = [group for group in groups if group not in touching] + [merged]
    return {frozenset(group) for group in groups}


def test_similar_pairs_story_candidates_verified_by_cosine():
    signed = signed_stories()
    signatures = {i: signature for i, signature, _ in signed}
    # What makes the case: the shallow article is a candidate with a high Jaccard but a low
    # cosine; the focused one a candidate with a low Jaccard (under the story threshold of
    # 0.25 itself) but a high cosine.
    bands, rows = band_layout(*STORY_BANDS)

    def candidates(a: str, b: str) -> bool:
        keys = set(band_keys(signatures[a], bands, rows))
        return bool(keys & set(band_keys(signatures[b], bands, rows)))

    assert candidates("s1", "w") and cosine(S1, SHALLOW) < 0.25
    assert candidates("s1", "f") and cosine(S1, FOCUSED) >= 0.25
    assert len(set(FOCUSED) & set(S1)) / len(set(FOCUSED) | set(S1)) < 0.25
    assert all(cosine(UNRELATED, v) == 0 for k, v in STORY_VECTORS.items() if k != "u")

    def check(edges):
        if any(a >= b for a, b in edges):
            raise BeamAssertException(f"edge not (smaller, larger): {edges}")
        weak = [e for e in edges if cosine(STORY_VECTORS[e[0]], STORY_VECTORS[e[1]]) < 0.25]
        if weak:
            raise BeamAssertException(f"unverified edges: {weak}")
        if components_of(edges) != {frozenset({"f", "s1", "s2", "s3"})}:
            raise BeamAssertException(f"components {components_of(edges)}")

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        edges = (
            pipeline
            | beam.Create(signed)
            | SimilarPairs(0.25, 128, cosine_scores, band_threshold=0.05, weights=(0.3, 0.7))
        )
        assert_that(edges, check)


def test_similar_pairs_high_band_threshold_misses_low_jaccard_pairs():
    # Banded for a Jaccard of 0.6, two reports that share only their few heavy terms are
    # not even candidates: why the story stage bands for a low band_threshold.
    hasher = MinHasher(128, 1)
    signed = [
        (i, hasher.signature(set(STORY_VECTORS[i])), term_arrays(STORY_VECTORS[i]))
        for i in ("s1", "f")
    ]
    assert cosine(S1, FOCUSED) >= 0.3
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        loose = (
            pipeline
            | "Loose" >> beam.Create(signed)
            | "LooseBands"
            >> SimilarPairs(0.3, 128, cosine_scores, band_threshold=0.05, weights=(0.3, 0.7))
        )
        strict = (
            pipeline
            | "Strict" >> beam.Create(signed)
            | "StrictBands" >> SimilarPairs(0.3, 128, cosine_scores, band_threshold=0.6)
        )
        # An edge comes out of every bucket the pair shares: the same pair, maybe many times.
        assert_that(loose | beam.Distinct(), equal_to([("f", "s1")]), label="LooseFindsIt")
        assert_that(strict, equal_to([]), label="StrictMissesIt")


# --- average_linkage and split_component ---------------------------------------------------


def stories_of(stories: list[list[str]]) -> set[tuple[str, ...]]:
    return {tuple(story) for story in stories}


def test_average_linkage_does_not_chain():
    # cos(a, b) = 0.77, cos(b, c) = 0.64, cos(a, c) = 0: single linkage would join all three.
    members = [member("a", angle(0)), member("b", angle(40)), member("c", angle(90))]
    assert cosine(members[0].terms, members[1].terms) >= 0.5
    assert cosine(members[1].terms, members[2].terms) >= 0.5
    stories = average_linkage(members, 0.5, 3 * DAY)
    assert stories_of(stories) == {("a", "b"), ("c",)}


def test_average_linkage_mean_over_all_pairs_decides():
    # a and b join first (0.94); c is 0.64 to b but 0.34 to a: its mean to {a, b} is 0.49.
    members = [member("a", angle(0)), member("b", angle(20)), member("c", angle(70))]
    # Complete linkage (the least similar pair, 0.34) would keep c out; the mean lets it in.
    assert stories_of(average_linkage(members, 0.45, 3 * DAY)) == {("a", "b", "c")}
    # Single linkage (the most similar pair, 0.64) would let c in; the mean keeps it out.
    assert stories_of(average_linkage(members, 0.6, 3 * DAY)) == {("a", "b"), ("c",)}


def test_average_linkage_tight_group_stays_together_the_rest_apart():
    members = [
        member("t3", angle(10)),
        member("t1", angle(0)),
        member("t2", angle(5)),
        member("far", {"z": 1.0}),
        member("other", unit({"z": 1.0, "w": 2.0})),
    ]
    stories = average_linkage(members, 0.5, 3 * DAY)
    assert stories_of(stories) == {("t1", "t2", "t3"), ("far",), ("other",)}
    assert all(story == sorted(story) for story in stories)
    ids = [article_id for story in stories for article_id in story]
    assert sorted(ids) == sorted(m.article_id for m in members)  # each exactly once


def test_average_linkage_does_not_depend_on_input_order():
    rng = random.Random(7)
    members = [member(f"m{i:02d}", angle(rng.uniform(0, 180))) for i in range(12)]
    expected = stories_of(average_linkage(members, 0.8, 3 * DAY))
    assert 1 < len(expected) < 12
    for _ in range(5):
        shuffled = rng.sample(members, len(members))
        assert stories_of(average_linkage(shuffled, 0.8, 3 * DAY)) == expected


def test_average_linkage_single_member_and_empty():
    assert average_linkage([member("a", angle(0))], 0.5, DAY) == [["a"]]
    assert average_linkage([], 0.5, DAY) == []


@pytest.mark.parametrize(("days_apart", "stories"), [(5, 2), (3, 1), (2, 1)])
def test_average_linkage_time_window(days_apart, stories):
    members = [member("a", angle(0), T0), member("b", angle(1), T0 + days_apart * DAY)]
    assert len(average_linkage(members, 0.5, 3 * DAY)) == stories


def test_average_linkage_window_spans_the_whole_story():
    # a and b join first; c is within 2 days of a, but {a, b, c} would span 4 days.
    members = [
        member("a", angle(0), T0 + 2 * DAY),
        member("b", angle(1), T0),
        member("c", angle(3), T0 + 4 * DAY),
    ]
    assert stories_of(average_linkage(members, 0.5, 3 * DAY)) == {("a", "b"), ("c",)}


def test_average_linkage_undated_members_are_not_constrained():
    members = [
        member("a", angle(0), T0),
        member("u", angle(1), None),
        member("v", angle(2), None),
        member("b", angle(1), T0 + 10 * DAY),
    ]
    stories = average_linkage(members, 0.5, 3 * DAY)
    assert len(stories) == 2
    assert not any({"a", "b"} <= set(story) for story in stories)
    assert stories_of(average_linkage(members[1:3], 0.5, 0.0)) == {("u", "v")}
    assert stories_of(average_linkage(members[:2], 0.5, 0.0)) == {("a", "u")}


def test_average_linkage_known_story_is_never_split():
    members = [
        member("k1", angle(0), T0, known_story="s"),
        member("k2", angle(90), T0 + 10 * DAY, known_story="s"),  # dissimilar, far apart
        member("n", {"z": 1.0}, T0),
    ]
    assert stories_of(average_linkage(members, 0.5, 3 * DAY)) == {("k1", "k2"), ("n",)}


def test_average_linkage_new_article_joins_a_similar_known_story():
    members = [
        member("k1", angle(0), T0, known_story="k1"),
        member("k2", angle(10), T0 + DAY, known_story="k1"),
        member("n", angle(5), T0 + 2 * DAY),
        member("o", {"z": 1.0}, T0, known_story="o"),
    ]
    assert stories_of(average_linkage(members, 0.5, 3 * DAY)) == {("k1", "k2", "n"), ("o",)}


def test_average_linkage_known_stories_apart_stay_apart():
    # Two known stories each kept whole; their mean similarity is too low to merge.
    members = [
        member("a1", angle(0), known_story="A"),
        member("a2", angle(20), known_story="A"),
        member("b1", angle(90), known_story="B"),
        member("b2", angle(60), known_story="B"),
    ]
    assert stories_of(average_linkage(members, 0.5, 3 * DAY)) == {("a1", "a2"), ("b1", "b2")}


def test_split_component_yields_smallest_id_of_each_story():
    members = [member("c", angle(90)), member("b", angle(40)), member("a", angle(0))]
    assert sorted(split_component(("a", iter(members)), 0.5, 3 * DAY)) == [
        ("a", "a"),
        ("b", "a"),
        ("c", "c"),
    ]


@pytest.fixture
def new_york_time(monkeypatch):
    """A local time zone other than UTC, for the time of this test only."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_posix_seconds_naive_dates_are_utc(new_york_time):
    assert posix_seconds("2025-01-01T00:00:00") == T0
    assert posix_seconds("2025-01-01T00:00:00+00:00") == T0
    assert posix_seconds("2025-01-01T02:00:00+02:00") == T0
    assert posix_seconds(None) is None
    assert posix_seconds("") is None


# --- StoryClusters -------------------------------------------------------------------------


def fingerprint(article_id, vector, published=None) -> Fingerprint:
    return Fingerprint(
        article_id, b"text", b"story", list(vector), list(vector.values()), published
    )


def test_story_clusters_pipeline():
    near = {
        key: unit(weights)
        for key, weights in {
            "a": {"pilgrims": 1.0, "krefeld": 1.0, "bishop": 0.2},
            "b": {"pilgrim": 1.0, "krefeld": 0.9, "cathedral": 0.3},
            "c": {"krefeld": 1.0, "pilgrimage": 0.8},
        }.items()
    }
    prints = [
        fingerprint("a", near["a"], "2025-01-01T08:00:00+00:00"),
        fingerprint("b", near["b"], "2025-01-02T08:00:00"),  # naive: UTC
        fingerprint("c", near["c"], None),
        fingerprint("d", near["a"], "2025-01-09T08:00:00+00:00"),  # the same, days later
        fingerprint("e", {"vatican": 1.0}, "2025-01-01T09:00:00+00:00"),
        fingerprint("k1", {"bridge": 1.0}, "2025-01-01T00:00:00+00:00"),
        fingerprint("k2", {"flood": 1.0}, "2025-01-02T00:00:00+00:00"),
        fingerprint("lone", {"other": 1.0}),  # in no component: no output
    ]
    components = [(i, "a") for i in "abcde"] + [("k1", "k1"), ("k2", "k1")]
    # k1 and k2 were one story in an earlier run; "gone" is no longer fingerprinted.
    previous = [("k1", "k0"), ("k2", "k0"), ("gone", "k0")]
    expected = [
        ("a", "a"),
        ("b", "a"),
        ("c", "a"),
        ("d", "d"),
        ("e", "e"),
        ("k1", "k1"),
        ("k2", "k1"),
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        stories = {
            "components": pipeline | "Components" >> beam.Create(components),
            "fingerprints": pipeline | "Fingerprints" >> beam.Create(prints),
            "previous": pipeline | "Previous" >> beam.Create(previous),
            "duplicate_groups": pipeline | "Groups" >> beam.Create([]),
        } | StoryClusters(0.5, 3.0)
        assert_that(stories, equal_to(expected))


def test_story_clusters_pipeline_window_in_days():
    vector = unit({"pilgrims": 1.0, "krefeld": 1.0})
    prints = [
        fingerprint("a", vector, "2025-01-01T00:00:00+00:00"),
        # 2025-01-03T01:00+02:00 is 2025-01-02T23:00Z: 47 hours after a.
        fingerprint("b", vector, "2025-01-03T01:00:00+02:00"),
    ]
    components = [("a", "a"), ("b", "a")]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        inputs = {
            "components": pipeline | "Components" >> beam.Create(components),
            "fingerprints": pipeline | "Fingerprints" >> beam.Create(prints),
            "previous": pipeline | "Previous" >> beam.Create([("x", "x")]),
            "duplicate_groups": pipeline | "Groups" >> beam.Create([]),
        }
        wide = inputs | "Wide" >> StoryClusters(0.5, 2.0)
        narrow = inputs | "Narrow" >> StoryClusters(0.5, 1.9)
        assert_that(wide, equal_to([("a", "a"), ("b", "a")]), label="TwoDays")
        assert_that(narrow, equal_to([("a", "a"), ("b", "b")]), label="UnderTwoDays")


# --- story_keywords ------------------------------------------------------------------------


def test_story_keywords_only_shared_terms_ranked_by_summed_weight():
    rows = [
        {"story_terms": ["pilgrims", "krefeld", "bishop"], "story_weights": [0.8, 0.5, 0.3]},
        {"story_terms": ["krefeld", "pilgrim", "choir"], "story_weights": [0.9, 0.4, 0.2]},
        {"story_terms": ["krefelder", "bishop"], "story_weights": [0.1, 0.6]},
    ]
    # krefel 1.5, pilgri 1.2, bishop 0.9; choir is only in one article.
    assert story_keywords(rows) == ["krefeld", "pilgrims", "bishop"]
    assert story_keywords(rows, size=2) == ["krefeld", "pilgrims"]


def test_story_keywords_named_by_the_heaviest_spelling():
    rows = [
        {"story_terms": ["pilgrims"], "story_weights": [0.3]},
        {"story_terms": ["pilgrimage"], "story_weights": [0.9]},
        {"story_terms": ["pilgrim"], "story_weights": [0.5]},
    ]
    assert story_keywords(rows) == ["pilgrimage"]


def test_story_keywords_nothing_shared_gives_nothing():
    rows = [
        {"story_terms": ["pope"], "story_weights": [1.0]},
        {"story_terms": ["flood"], "story_weights": [1.0]},
    ]
    assert story_keywords(rows) == []


def test_story_keywords_single_article_gives_its_own_top_terms():
    terms = [qword(i) for i in range(10)]
    weights = [1.0 - i / 20 for i in range(10)]
    row = {"story_terms": list(reversed(terms)), "story_weights": list(reversed(weights))}
    assert story_keywords([row]) == terms[:8]
    assert story_keywords([row], size=3) == terms[:3]


def test_story_keywords_rows_without_terms():
    assert story_keywords([{"article_id": "a"}]) == []
    assert story_keywords([{"article_id": "a"}, {"article_id": "b"}]) == []
    assert story_keywords([{"story_terms": None, "story_weights": None}]) == []
    assert story_keywords([]) == []


def test_story_keywords_from_story_terms_of_reports():
    # End to end on real text: two reports of one event share their names.
    first = story_terms(ENGLISH_TITLE, ENGLISH_BODY, "en", 50)
    second = story_terms(
        "Krefeld welcomes pilgrims", "Bishop greets thousands of pilgrims in Krefeld.", "en", 50
    )
    rows = [
        {"story_terms": list(terms), "story_weights": list(terms.values())}
        for terms in (first, second)
    ]
    keywords = story_keywords(rows)
    assert keywords[:2] == ["krefeld", "pilgrims"]
    assert set(keywords) <= set(first) & set(second)
    assert all(a != b for a, b in combinations(keywords, 2))


# --- duplicates and stories together -------------------------------------------------------


def test_copies_of_one_text_are_one_story_even_without_story_terms():
    from pipeline.main import FindDuplicatesAndStories  # being edited: import it here only
    from transforms.fingerprint import text_shingles
    from transforms.settings import SimilaritySettings

    hasher = MinHasher(128, 1)
    signature = hasher.signature(text_shingles(ENGLISH_BODY, 5))
    terms = story_terms(ENGLISH_TITLE, ENGLISH_BODY, "en", 50)
    prints = [
        # Read back from an index written before story terms existed.
        Fingerprint("a", signature, b"", [], [], "2025-01-01T00:00:00+00:00"),
        Fingerprint(
            "b",
            signature,
            hasher.signature({term_key(term) for term in terms}),
            list(terms),
            list(terms.values()),
            "2025-01-01T06:00:00+00:00",
        ),
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        found = {
            "fingerprints": pipeline | "Fingerprints" >> beam.Create(prints),
            "previous_stories": pipeline | "Previous" >> beam.Create([("a", "a")]),
        } | FindDuplicatesAndStories(SimilaritySettings())
        assert_that(found["duplicate_groups"], equal_to([("a", "a"), ("b", "a")]), label="Dups")
        assert_that(found["stories"], equal_to([("a", "a"), ("b", "a")]), label="Stories")


def topic_members(topics: int, per_topic: int, seed: int = 0) -> list[StoryMember]:
    """Articles of distinct topics (no term shared across topics), shuffled, within a day."""
    rng = random.Random(seed)
    members = []
    for topic in range(topics):
        for k in range(per_topic):
            terms = {f"t{topic}w{w}": rng.uniform(0.5, 1.0) for w in range(6)}
            terms.update({f"noise{topic}x{rng.randrange(40)}": rng.uniform(0.1, 0.5)})
            members.append(member(f"t{topic}a{k:02d}", unit(terms), T0 + rng.uniform(0, DAY)))
    rng.shuffle(members)
    return members


def topics_of(stories: dict[str, str]) -> list[set[str]]:
    """The topics of each story of (member, story root) pairs."""
    topics: dict[str, set[str]] = {}
    for article_id, root in stories.items():
        topics.setdefault(root, set()).add(article_id.split("a")[0])
    return sorted(topics.values(), key=sorted)


def test_a_huge_component_is_linked_in_chunks_into_its_stories(monkeypatch):
    import transforms.cluster as cluster

    members = topic_members(topics=3, per_topic=20)
    monkeypatch.setattr(cluster, "MAX_LINKAGE_MEMBERS", 7)  # nine chunks
    stories = dict(split_component(("x", members), 0.3, 3 * DAY))
    assert topics_of(stories) == [{"t0"}, {"t1"}, {"t2"}]  # later chunks joined them


def test_linkage_in_chunks_new_articles_join_stored_stories_which_never_merge(monkeypatch):
    import transforms.cluster as cluster

    monkeypatch.setattr(cluster, "MAX_LINKAGE_MEMBERS", 2)
    same = unit({"pilgrims": 1.0, "krefeld": 1.0})
    other = unit({"stormont": 1.0, "coveney": 1.0})
    members = [
        member("a", same, T0, known_story="a"),
        member("b", same, T0, known_story="b"),  # stored apart: they stay apart
        member("c", same, T0 + DAY),  # joins one of them
        member("d", other, T0 + DAY),
        member("e", other, T0 + DAY),  # d and e: a new story
        member("f", same, T0 + 9 * DAY),  # too late for any: its own story
    ]
    stories = sorted(cluster.linkage_in_chunks(members, 0.5, 3 * DAY))
    assert stories == [["a", "c"], ["b"], ["d", "e"], ["f"]]


@pytest.mark.parametrize("seed", range(3))
def test_linkage_in_one_chunk_is_average_linkage(seed):
    from transforms.cluster import linkage_in_chunks

    members = topic_members(topics=4, per_topic=8, seed=seed)
    members += [member(f"z{i}", unit({f"t{i}w0": 1.0, "shared": 1.0}), T0) for i in range(4)]
    expected = sorted(average_linkage(members, 0.3, 3 * DAY))
    assert sorted(linkage_in_chunks(members, 0.3, 3 * DAY)) == expected
    assert len(expected) < len(members)  # the data merges something


def test_cosine_scores_in_blocks_of_rows_match_pairwise_cosines(monkeypatch):
    import transforms.lsh as lsh

    vectors = [angle(degrees) for degrees in range(0, 90, 7)] + [{}, {"other": 1.0}]
    expected = [[cosine(a, b) for b in vectors[i + 1 :]] for i, a in enumerate(vectors)]
    for cells in (1, 3 * len(vectors), 1 << 22):  # a row, three rows, every row at once
        monkeypatch.setattr(lsh, "SCORE_BLOCK_CELLS", cells)
        later = cosine_scores([term_arrays(v) for v in vectors])
        for i in range(len(vectors)):
            assert later(i) == pytest.approx(expected[i])


def naive_average_linkage(members, threshold, window_seconds):
    """The definition, recomputed from scratch at every merge: the reference."""
    members = sorted(members)
    clusters = [[members[i] for i in u] for u in story_units(members)]

    def mean(a, b):
        return sum(cosine(x.terms, y.terms) for x in a for y in b) / (len(a) * len(b))

    def span(a, b):
        dates = [m.published for m in a + b if m.published is not None]
        return max(dates) - min(dates) if dates else 0.0

    while True:
        pairs = [(mean(clusters[i], clusters[j]), i, j)
                 for i, j in combinations(range(len(clusters)), 2)
                 if span(clusters[i], clusters[j]) <= window_seconds]
        if not pairs:
            break
        best, i, j = max(pairs, key=lambda p: (p[0], -p[1], -p[2]))
        if best < threshold:
            break
        clusters[i] += clusters.pop(j)
    return sorted(sorted(m.article_id for m in c) for c in clusters)


@pytest.mark.parametrize("seed", range(6))
def test_average_linkage_matches_its_definition(seed):
    rng = random.Random(seed)
    members = []
    for i in range(40):
        topic = rng.randrange(6)
        terms = {f"t{topic}w{k}": rng.uniform(0.5, 1.0) for k in range(4)}
        terms.update({f"n{rng.randrange(30)}": rng.uniform(0.1, 1.0) for _ in range(4)})
        published = None if rng.random() < 0.2 else rng.uniform(0, 6 * DAY)
        known = f"k{rng.randrange(3)}" if rng.random() < 0.15 else None
        members.append(member(f"a{i:02d}", unit(terms), published, known))
    actual = sorted(average_linkage(members, 0.3, 3 * DAY))
    assert actual == naive_average_linkage(members, 0.3, 3 * DAY)
    assert len(actual) < len(members)  # the data merges something
