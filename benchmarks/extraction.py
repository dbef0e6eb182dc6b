"""Article text quality on the extraction benchmark (../shared/benchmarks/aeb).

Runs the pipeline itself (`python -m pipeline run --input .../aeb/html`, the same code
path) and scores its `text` column against the ground-truth bodies, next to bare
trafilatura (defaults) on the same pages. Metric of the benchmark: multisets of 4-token
shingles (tokens are \\w+ runs), true/false positives and negatives normalised per page,
precision and recall averaged over pages, F1 from the two averages.

    .venv/bin/python -m benchmarks.extraction [--pages N] [Beam options]
"""

import argparse
import gzip
import json
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import trafilatura

from benchmarks.data import AEB
from pipeline.main import run

TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - 3)))


def page_counts(true: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised so that long pages weigh no more than short."""
    truth, guess = shingles(true), shingles(predicted)
    tp = sum((truth & guess).values())
    fp = sum((guess - truth).values())
    fn = sum((truth - guess).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Precision and recall averaged over the pages where they are defined, and F1."""

    def ratio(hit: float, miss: float, other: float) -> float:
        if miss == other == 0:
            return 1.0
        return hit / (hit + miss) if hit + miss else 0.0

    precision = statistics.mean(ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def page_id(path: str) -> str:
    return Path(path).name.split(".")[0]


def pipeline_texts(pages: list[Path], beam_args: list[str]) -> tuple[dict[str, str], float]:
    """The articles table's text per page id, from a real pipeline run; and its seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [arg for page in pages for arg in ("--input", str(page))]
        started = time.perf_counter()
        run([*inputs, "--output", tmp, *beam_args])
        seconds = time.perf_counter() - started
        rows = ds.dataset(f"{tmp}/articles", format="parquet").to_table().to_pylist()
    return {page_id(row["source_uri"]): row["text"] for row in rows}, seconds


def trafilatura_texts(pages: list[Path]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    texts = {page_id(str(page)): trafilatura.extract(gzip.decompress(page.read_bytes())) or ""
             for page in pages}
    return texts, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages")
    args, beam_args = parser.parse_known_args(argv)
    truth = json.loads((AEB / "ground-truth.json").read_text())
    pages = sorted((AEB / "html").glob("*.html.gz"))[: args.pages]
    systems = {
        "trafilatura (defaults)": trafilatura_texts(pages),
        "pipeline: extract + clean": pipeline_texts(pages, beam_args),
    }
    print(f"{len(pages)} pages of {AEB}")
    print(f"| {'system':<26} | precision | recall |     F1 | pages/s |")
    print(f"|{'-' * 28}|-----------|--------|--------|---------|")
    for name, (texts, seconds) in systems.items():
        counts = [page_counts(truth[page_id(str(p))]["articleBody"],
                              texts.get(page_id(str(p)), "")) for p in pages]
        precision, recall, f1 = scores(counts)
        print(f"| {name:<26} | {precision:>9.4f} | {recall:>6.4f} | {f1:>6.4f} "
              f"| {len(pages) / seconds:>7.1f} |")


if __name__ == "__main__":
    main()
