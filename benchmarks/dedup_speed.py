"""Near-duplicate detection speed: the pipeline's similarity stages vs plain datasketch.

N generated documents (wire copies of the extraction benchmark's bodies plus unrelated
articles, see benchmarks/syndication.py) go
  1. through the pipeline's own stages (fingerprint -> LSH shuffle -> components, for both
     the duplicate and the story fingerprints) on the FnApiRunner (the DirectRunner engine);
  2. through a single-process loop: the same features, datasketch MinHash + MinHashLSH
     (insert, then query every document), verification and union-find.
Prints one table: seconds, docs/s, the ratio, and duplicate-group quality of both, plus
the share of time the single-process loop spends in each step.

    .venv/bin/python -m benchmarks.dedup_speed [--docs 20000] [--direct_num_workers N ...]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from datasketch import MinHash, MinHashLSH

from benchmarks.syndication import Doc, bcubed_scores, load_bodies, make_corpus, pairwise_scores
from pipeline.main import STORY_BAND_WEIGHTS, FindDuplicatesAndStories
from pipeline.options import DEFAULT_RUNNER
from schemas.records import Article
from transforms.cluster import UnionFind
from transforms.fingerprint import (
    FingerprintArticles,
    cosine,
    story_terms,
    term_vector,
    text_shingles,
)
from transforms.settings import SimilaritySettings

SETTINGS = SimilaritySettings()


def corpus(n_docs: int) -> list[Doc]:
    """Half wire copies (stories of 1 original + 4 copies), half unrelated articles."""
    stories = n_docs // 10
    return make_corpus(load_bodies(), stories, copies=4, n_unrelated=n_docs - stories * 5)


def as_article(line: str) -> Article:
    doc = json.loads(line)
    return Article(doc["doc_id"], doc["doc_id"], None, doc["source"], doc["title"], doc["text"],
                   None, None, None, 0)


def run_pipeline(docs: list[Doc], beam_args: list[str]) -> tuple[float, dict[str, str]]:
    """Seconds for the pipeline's similarity stages, and its duplicate groups."""
    options = PipelineOptions(beam_args)
    if not options.get_all_options()["runner"]:
        options = PipelineOptions(beam_args + ["--runner", DEFAULT_RUNNER])
    with tempfile.TemporaryDirectory() as tmp:
        # Read from a file as the pipeline would: beam.Create would pickle the corpus.
        Path(f"{tmp}/docs.jsonl").write_text(
            "".join(json.dumps(doc._asdict()) + "\n" for doc in docs)
        )
        started = time.perf_counter()
        with beam.Pipeline(options=options) as pipeline:
            fingerprints = (
                pipeline
                | beam.io.ReadFromText(f"{tmp}/docs.jsonl")
                | beam.Map(as_article)
                | FingerprintArticles(SETTINGS)
            )
            components = {
                "fingerprints": fingerprints,
                "previous_stories": pipeline | "NoHistory" >> beam.Create([]),
            } | FindDuplicatesAndStories(SETTINGS)
            _ = (
                components["duplicate_groups"]
                | beam.Map(json.dumps)
                | beam.io.WriteToText(f"{tmp}/groups")
            )
        seconds = time.perf_counter() - started
        groups = {}
        for path in Path(tmp).glob("groups*"):
            groups.update(json.loads(line) for line in path.read_text().splitlines())
    return seconds, groups


def run_datasketch(docs: list[Doc]) -> tuple[float, dict[str, str], dict[str, float]]:
    """Seconds of the single-process loop, its duplicate groups and where the time went."""
    steps = dict.fromkeys(("features", "minhash", "lsh", "components"), 0.0)
    started = time.perf_counter()
    indexes = {
        "text": MinHashLSH(SETTINGS.duplicate_threshold, SETTINGS.num_perm),
        "story": MinHashLSH(SETTINGS.story_candidate_threshold, SETTINGS.num_perm,
                            weights=STORY_BAND_WEIGHTS),
    }
    signatures: dict[str, dict[str, MinHash]] = {"text": {}, "story": {}}
    vectors: dict[str, dict[str, float]] = {}
    for doc in docs:
        t0 = time.perf_counter()
        terms = story_terms(doc.title, doc.text, "en", SETTINGS.story_terms)
        vectors[doc.doc_id] = term_vector(list(terms), list(terms.values()))
        features = {
            "text": text_shingles(doc.text, SETTINGS.shingle_words),
            "story": set(vectors[doc.doc_id]),
        }
        t1 = time.perf_counter()
        for kind, feats in features.items():
            if feats:
                minhash = MinHash(num_perm=SETTINGS.num_perm, seed=SETTINGS.seed)
                minhash.update_batch([f.encode("utf-8") for f in feats])
                signatures[kind][doc.doc_id] = minhash
        t2 = time.perf_counter()
        for kind, index in indexes.items():
            if doc.doc_id in signatures[kind]:
                index.insert(doc.doc_id, signatures[kind][doc.doc_id])
        t3 = time.perf_counter()
        steps["features"] += t1 - t0
        steps["minhash"] += t2 - t1
        steps["lsh"] += t3 - t2
    t0 = time.perf_counter()
    found: dict[str, UnionFind] = {"text": UnionFind(), "story": UnionFind()}
    similar = {
        "text": lambda a, b: (
            signatures["text"][a].jaccard(signatures["text"][b]) >= SETTINGS.duplicate_threshold
        ),
        "story": lambda a, b: cosine(vectors[a], vectors[b]) >= SETTINGS.story_threshold,
    }
    for kind, index in indexes.items():
        for doc_id, minhash in signatures[kind].items():
            for other in index.query(minhash):
                # Each pair once: both members find each other.
                if other > doc_id and similar[kind](doc_id, other):
                    found[kind].union(doc_id, other)
    steps["lsh"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = found["text"].components()
    steps["components"] = time.perf_counter() - t0
    return time.perf_counter() - started, groups, steps


def quality(groups: dict[str, str], docs: list[Doc]) -> tuple[float, float]:
    gold = {doc.doc_id: doc.group for doc in docs}
    predicted = {doc.doc_id: groups.get(doc.doc_id, doc.doc_id) for doc in docs}
    return pairwise_scores(predicted, gold)[2], bcubed_scores(predicted, gold)[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    args, beam_args = parser.parse_known_args(argv)
    docs = corpus(args.docs)
    print(f"{len(docs)} documents, {sum(len(d.text.split()) for d in docs)} words")

    base_seconds, base_groups, steps = run_datasketch(docs)
    beam_seconds, beam_groups = run_pipeline(docs, beam_args)
    rows = [
        ("datasketch loop (1 process)", base_seconds, base_groups),
        (f"pipeline stages ({' '.join(beam_args) or DEFAULT_RUNNER})", beam_seconds, beam_groups),
    ]
    print(f"| {'path':<44} | {'seconds':>8} | {'docs/s':>8} | {'vs loop':>7} "
          f"| {'pair F1':>7} | {'BCubed F1':>9} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 11}|")
    for name, seconds, groups in rows:
        pair_f1, bcubed_f1 = quality(groups, docs)
        print(f"| {name:<44} | {seconds:>8.1f} | {len(docs) / seconds:>8.0f} "
              f"| {base_seconds / seconds:>6.2f}x | {pair_f1:>7.4f} | {bcubed_f1:>9.4f} |")
    total = sum(steps.values())
    print("datasketch loop, share of time: " + ", ".join(
        f"{step} {seconds / total:.0%}" for step, seconds in steps.items()))


if __name__ == "__main__":
    main()
