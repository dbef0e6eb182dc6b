"""Tests for the syndication corpus generator and the clustering metrics."""

import gzip
import itertools
import json
import random
from math import comb

import pytest

from benchmarks.syndication import (
    BOTTOM_LINES,
    DATELINES,
    SITE,
    SITE_FOOTER,
    TOP_LINES,
    Doc,
    bcubed_scores,
    gold_groups,
    jaccard,
    load_bodies,
    main,
    make_corpus,
    pairwise_scores,
    shingles,
    write_jsonl,
)

# --- metrics ----------------------------------------------------------------------------

GOLD = {"a": "G1", "b": "G1", "c": "G1", "d": "G2", "e": "G2", "f": "G3"}


def approx(*values: float):
    return pytest.approx(values, rel=1e-12, abs=1e-12)


def test_perfect_clustering_scores_one():
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "z"}
    assert pairwise_scores(predicted, GOLD) == (1.0, 1.0, 1.0)
    assert bcubed_scores(predicted, GOLD) == (1.0, 1.0, 1.0)


def test_all_in_one_cluster():
    predicted = dict.fromkeys(GOLD, "one")
    # 15 predicted pairs, 4 gold pairs, all 4 found.
    assert pairwise_scores(predicted, GOLD) == approx(4 / 15, 1.0, 8 / 19)
    # Precision per item is |gold cluster| / 6: (3*3 + 2*2 + 1*1) / 36.
    assert bcubed_scores(predicted, GOLD) == approx(7 / 18, 1.0, 14 / 25)


def test_all_singletons():
    predicted = {item: item for item in GOLD}
    assert pairwise_scores(predicted, GOLD) == (1.0, 0.0, 0.0)
    assert bcubed_scores(predicted, GOLD) == approx(1.0, 0.5, 2 / 3)


def test_worked_example():
    # pred {a,b} {c,d,e,f}; cells (P1,G1)=2 (P2,G1)=1 (P2,G2)=2 (P2,G3)=1.
    predicted = {"a": "P1", "b": "P1", "c": "P2", "d": "P2", "e": "P2", "f": "P2"}
    # TP = 1 + 1 = 2, predicted pairs = 1 + 6 = 7, gold pairs = 3 + 1 = 4.
    assert pairwise_scores(predicted, GOLD) == approx(2 / 7, 1 / 2, 4 / 11)
    # P = (1 + 1 + 1/4 + 2/4 + 2/4 + 1/4) / 6, R = (2/3 + 2/3 + 1/3 + 1 + 1 + 1) / 6.
    assert bcubed_scores(predicted, GOLD) == approx(7 / 12, 7 / 9, 2 / 3)


def test_metrics_use_gold_keys_only_and_missing_items_are_singletons():
    predicted = {"a": "P1", "b": "P1", "c": "P2", "d": "P2", "e": "P2", "zzz": "P2"}
    # f is missing (a singleton), zzz is ignored: TP = 2, predicted pairs = 1 + 3, gold = 4.
    assert pairwise_scores(predicted, GOLD) == approx(1 / 2, 1 / 2, 1 / 2)
    # P = (1 + 1 + 1/3 + 2/3 + 2/3 + 1) / 6, R = (2/3 + 2/3 + 1/3 + 1 + 1 + 1) / 6.
    assert bcubed_scores(predicted, GOLD) == approx(7 / 9, 7 / 9, 7 / 9)


def test_empty_and_singleton_gold():
    assert pairwise_scores({}, {}) == (1.0, 1.0, 1.0)
    assert bcubed_scores({}, {}) == (1.0, 1.0, 1.0)
    singles = {"a": "1", "b": "2"}
    assert pairwise_scores({"a": "x", "b": "x"}, singles) == (0.0, 1.0, 0.0)
    assert pairwise_scores({"a": "x", "b": "y"}, singles) == (1.0, 1.0, 1.0)


def _brute_force(predicted, gold):
    items = sorted(gold)
    same_p = {(x, y) for x, y in itertools.combinations(items, 2) if predicted[x] == predicted[y]}
    same_g = {(x, y) for x, y in itertools.combinations(items, 2) if gold[x] == gold[y]}
    p = len(same_p & same_g) / len(same_p) if same_p else 1.0
    r = len(same_p & same_g) / len(same_g) if same_g else 1.0
    bp = br = 0.0
    for x in items:
        pc = {y for y in items if predicted[y] == predicted[x]}
        gc = {y for y in items if gold[y] == gold[x]}
        bp += len(pc & gc) / len(pc)
        br += len(pc & gc) / len(gc)
    return (p, r), (bp / len(items), br / len(items))


def test_metrics_match_brute_force_on_random_labelings():
    rng = random.Random(7)
    for _ in range(50):
        items = [f"i{k}" for k in range(rng.randint(1, 30))]
        gold = {x: rng.choice("ABCDE") for x in items}
        predicted = {x: rng.choice("vwxyz") for x in items}
        pair, bcubed = _brute_force(predicted, gold)
        assert pairwise_scores(predicted, gold)[:2] == approx(*pair)
        assert bcubed_scores(predicted, gold)[:2] == approx(*bcubed)


# --- generator --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    return load_bodies()  # ../shared sits beside the repo, in CI too


@pytest.fixture(scope="module")
def corpus(bodies) -> list[Doc]:
    return make_corpus(bodies, 20, copies=4, n_unrelated=20, seed=3)


@pytest.fixture(scope="module")
def big_corpus(bodies) -> list[Doc]:
    return make_corpus(bodies, 300, copies=1, n_unrelated=100, seed=1)


def _originals(docs: list[Doc]) -> dict[str, Doc]:
    return {d.group: d for d in docs if d.doc_id.endswith("-c00")}


def _copies(docs: list[Doc]) -> list[Doc]:
    return [d for d in docs if d.doc_id.startswith("s") and not d.doc_id.endswith("-c00")]


def test_load_bodies_sorted_and_filtered(tmp_path):
    long_a, long_b = "alpha " * 80, "beta " * 90
    data = {"b": {"articleBody": long_b, "url": "u"}, "a": {"articleBody": long_a, "url": "u"}}
    data["c"] = {"articleBody": "too short " * 39, "url": "u"}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_bodies(path) == [long_a, long_b]


def test_load_aeb_bodies(bodies):
    assert len(bodies) == 176
    # The first page id holds a 67-word teaser ("Gaming used to be so simple. ..."), skipped.
    assert bodies[0].startswith("Americans have gone to the polls four times this month")
    assert min(len(b.split()) for b in bodies) >= 80


def test_corpus_layout(corpus):
    assert len(corpus) == 20 * 5 + 20
    assert len({d.doc_id for d in corpus}) == len(corpus)
    assert corpus[0].doc_id == "s000-c00" and corpus[4].doc_id == "s000-c04"
    assert corpus[100].doc_id == "u000" and corpus[-1].doc_id == "u019"
    sizes = sorted(
        [sum(d.group == g for d in corpus) for g in {d.group for d in corpus}], reverse=True
    )
    assert sizes == [5] * 20 + [1] * 20
    assert all(d.group == d.doc_id for d in corpus if d.doc_id.startswith("u"))
    assert all(d.source.endswith(".example") and d.title and d.text for d in corpus)
    originals = _originals(corpus)
    assert all(len(d.title.split()) <= 12 for d in originals.values())
    assert all(d.title != originals[d.group].title for d in _copies(corpus))


def test_determinism(bodies, corpus, tmp_path):
    again = make_corpus(bodies, 20, copies=4, n_unrelated=20, seed=3)
    assert again == corpus
    assert make_corpus(bodies, 20, copies=4, n_unrelated=20, seed=4) != corpus
    for name in ("a.jsonl", "b.jsonl", "a.jsonl.gz", "b.jsonl.gz"):
        write_jsonl(corpus if name.startswith("a") else again, tmp_path / name)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()) == (
        tmp_path / "a.jsonl"
    ).read_bytes()


def test_copies_are_near_duplicates_and_groups_are_not(corpus):
    sets = [shingles(d.text) for d in corpus]
    index = {d.doc_id: i for i, d in enumerate(corpus)}
    originals = _originals(corpus)
    for copy in _copies(corpus):
        original = sets[index[originals[copy.group].doc_id]]
        assert jaccard(original, sets[index[copy.doc_id]]) >= 0.55, copy.doc_id
    for i, j in itertools.combinations(range(len(corpus)), 2):
        if corpus[i].group != corpus[j].group:
            assert jaccard(sets[i], sets[j]) < 0.3, (corpus[i].doc_id, corpus[j].doc_id)


def test_copies_show_the_edit_mix(corpus):
    originals = _originals(corpus)
    copies = _copies(corpus)
    first_lines = [d.text.split("\n")[0] for d in copies]
    assert any(line in TOP_LINES for line in first_lines)
    assert any(line.startswith(DATELINES) for line in first_lines)
    assert any(d.text.endswith(BOTTOM_LINES[0]) for d in copies)
    assert any(
        len(d.text.split()) < len(originals[d.group].text.split()) for d in copies
    ), "no trimmed copy"
    assert any("’" in originals[d.group].text and "’" not in d.text for d in copies)
    split = [
        d.doc_id
        for d in copies
        for line in d.text.split("\n")
        for para in originals[d.group].text.split("\n")
        if len(line) > 20 and para != line and para.startswith(line)
    ]
    assert split, "no split paragraph"


def test_shared_site_footer(corpus, big_corpus):
    footer = "\n".join(SITE_FOOTER)
    assert 55 <= len(footer.split()) <= 65
    site = [d for d in corpus if d.source == SITE]
    assert len(site) >= 5
    assert all(d.text.endswith("\n" + footer) for d in site)
    assert len({d.group for d in site}) == len(site)
    assert not any(footer in d.text for d in corpus if d.source != SITE)
    # All 100 unrelated docs of the big corpus are spliced, and every even one is on the site.
    big_site = [d.doc_id for d in big_corpus if d.source == SITE]
    assert big_site == [f"u{u:03d}" for u in range(0, 100, 2)]


def test_corpus_larger_than_the_source(bodies, big_corpus):
    assert len(big_corpus) == 300 * 2 + 100
    assert len({d.doc_id for d in big_corpus}) == len(big_corpus)
    sets = {d.doc_id: shingles(d.text) for d in big_corpus}
    originals = _originals(big_corpus)
    for copy in _copies(big_corpus):
        assert jaccard(sets[originals[copy.group].doc_id], sets[copy.doc_id]) >= 0.55
    # Reused slots are new documents, not copies of the body they cycle over.
    n = len(bodies)
    for s in range(n, 300):
        reused, base = originals[f"s{s:03d}"], originals[f"s{s % n:03d}"]
        assert jaccard(sets[reused.doc_id], sets[base.doc_id]) < 0.3
        assert len(reused.text.split()) >= 200
    rng = random.Random(0)
    checked = 0
    while checked < 3000:
        a, b = rng.sample(big_corpus, 2)
        if a.group != b.group:
            assert jaccard(sets[a.doc_id], sets[b.doc_id]) < 0.3, (a.doc_id, b.doc_id)
            checked += 1


def test_write_jsonl_and_gold_groups(corpus, tmp_path):
    path = tmp_path / "corpus.jsonl"
    write_jsonl(corpus, path)
    raw = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in raw.splitlines()]
    assert len(rows) == len(corpus)
    assert list(rows[0]) == ["url", "title", "text", "source"]
    assert rows[0]["url"] == f"https://{corpus[0].source}/s000-c00"
    assert rows[5]["text"] == corpus[5].text
    assert "\\u" not in raw and any(ord(c) > 127 for c in raw)
    gold = gold_groups(corpus)
    assert gold == {row["url"]: doc.group for row, doc in zip(rows, corpus, strict=True)}
    assert pairwise_scores(gold, gold) == (1.0, 1.0, 1.0)
    predicted = {url: url for url in gold}
    assert pairwise_scores(predicted, gold) == (1.0, 0.0, 0.0)
    assert bcubed_scores(predicted, gold) == approx(1.0, 1 / 3, 1 / 2)
    one = dict.fromkeys(gold, "all")
    assert pairwise_scores(one, gold) == approx(200 / comb(120, 2), 1.0, 400 / (200 + 7140))


def test_cli(bodies, tmp_path, capsys):
    out = tmp_path / "c.jsonl"
    main(["--stories", "3", "--copies", "2", "--unrelated", "4", "--out", str(out)])
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3 * 3 + 4
    assert "wrote 13 docs" in capsys.readouterr().out


def test_heavy_edits_are_softened_on_short_stories():
    sentences = [
        "The new company said it would buy many small firms after the government announced "
        "major problems.",
        "Officials said people often need help because jobs and money are a big problem in the "
        "city.",
        "The team started to use a new car and players tried to get home quickly, officials said.",
        "Many people think the country needs very important changes, the company said on its new "
        "site.",
        "Later the firm also said it believe the world still needs large recent help around the "
        "city.",
    ]
    body = "\n\n".join(sentences)
    assert len(body.split()) == 83
    docs = make_corpus([body], 1, copies=300, seed=0)
    original = shingles(docs[0].text)
    scores = [jaccard(original, shingles(d.text)) for d in docs[1:]]
    # Unguarded, about one copy in ten of this synonym-dense 83-word story drops below 0.6.
    assert min(scores) >= 0.6
    assert len({d.text for d in docs}) > 100
