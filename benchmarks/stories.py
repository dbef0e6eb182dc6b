"""Story clusters on real news: ../shared/benchmarks/semeval-stories, seeds and negatives.

Runs all 210 SemEval articles through the pipeline together (`--input articles.jsonl`)
at each story threshold and scores story_id two ways:
  - listed pairs: precision/recall/F1 of "same story_id" against people's same_story;
  - set-wide: BCubed precision/recall/F1 against the gold stories of stories.json.
and at each threshold the seeds with the 181 extraction-benchmark pages: the seeds must be
one story of exactly five that no page joins, and no two pages may be one duplicate group.
The pages come from one week of news, several outlets at times telling one event, so
pages sharing a story are counted to be read, not as errors. One table, a row per
threshold (the default and one step either side).

    .venv/bin/python -m benchmarks.stories [--thresholds 0.2 0.25 0.3]
"""

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds

from benchmarks.data import AEB_HTML, SEEDS, SEMEVAL
from benchmarks.syndication import bcubed_scores
from pipeline.main import run
from transforms.settings import SimilaritySettings


def articles_of(inputs: list[Path], extra: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        flags = [arg for path in inputs for arg in ("--input", str(path))]
        run([*flags, "--output", tmp, *extra])
        return ds.dataset(f"{tmp}/articles", format="parquet").to_table().to_pylist()


def semeval_stories(extra: list[str]) -> dict[str, str]:
    """SemEval article id -> story_id (articles are keyed by their line in the file)."""
    ids = [json.loads(line)["id"] for line in (SEMEVAL / "articles.jsonl").open()]
    rows = articles_of([SEMEVAL / "articles.jsonl"], extra)
    return {ids[int(row["source_uri"].rsplit("#L", 1)[1]) - 1]: row["story_id"] for row in rows}


def pair_scores(stories: dict[str, str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for line in (SEMEVAL / "pairs.jsonl").open():
        pair = json.loads(line)
        same = stories.get(pair["id1"], pair["id1"]) == stories.get(pair["id2"], pair["id2"])
        tp += same and pair["same_story"]
        fp += same and not pair["same_story"]
        fn += not same and pair["same_story"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall or 1)


def negatives_check(extra: list[str]) -> tuple[bool, int, int, int]:
    """(seeds are one story of exactly five, benchmark pages in it, pages sharing a
    duplicate group, pages in stories of several pages)."""
    rows = articles_of([SEEDS, AEB_HTML], extra)
    seeds = [row for row in rows if row["source_uri"].startswith(str(SEEDS))]
    story = {row["story_id"] for row in seeds}
    members = [row for row in rows if row["story_id"] in story]
    pages = [row for row in rows if row not in seeds]
    shared_groups = len(pages) - len({row["duplicate_group_id"] for row in pages})
    sizes = Counter(row["story_id"] for row in pages)
    shared_stories = sum(size for size in sizes.values() if size > 1)
    seeds_ok = len(story) == 1 and len(members) == 5
    return seeds_ok, len(members) - len(seeds), shared_groups, shared_stories


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = SimilaritySettings().story_threshold
    parser.add_argument("--thresholds", type=float, nargs="+",
                        default=[round(default - 0.05, 2), default, round(default + 0.05, 2)])
    args = parser.parse_args(argv)
    gold = json.loads((SEMEVAL / "stories.json").read_text())
    print("| story threshold | pair P | pair R | pair F1 | BCubed P | BCubed R | BCubed F1 "
          "| seeds one story of 5 | AEB pages in seed story | AEB pages sharing a group "
          "| AEB pages in multi-page stories |")
    print("|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|")
    for threshold in args.thresholds:
        extra = ["--story_threshold", str(threshold)]
        stories = semeval_stories(extra)
        scores = (*pair_scores(stories), *bcubed_scores(stories, gold))
        seeds_ok, in_seed_story, sharing_groups, sharing_stories = negatives_check(extra)
        print(f"| {threshold:.2f} | " + " | ".join(f"{v:.4f}" for v in scores)
              + f" | {'yes' if seeds_ok else 'NO'} | {in_seed_story} | {sharing_groups} "
              f"| {sharing_stories} |")


if __name__ == "__main__":
    main()
