"""Story clusters on real news: ../shared/benchmarks/semeval-stories, seeds and negatives.

Runs all 210 SemEval articles through the pipeline together (`--input articles.jsonl`)
at each story threshold and scores story_id two ways:
  - listed pairs: precision/recall/F1 of "same story_id" against people's same_story;
  - set-wide: BCubed precision/recall/F1 against the gold stories of stories.json.
Then the seeds with the 181 extraction-benchmark pages: the seeds must be one story of
exactly five, and no two benchmark pages one duplicate group.

    .venv/bin/python -m benchmarks.stories [--thresholds 0.15 0.2 0.25]
"""

import argparse
import json
import tempfile
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


def semeval_stories(threshold: float) -> dict[str, str]:
    """SemEval article id -> story_id (articles are keyed by their line in the file)."""
    ids = [json.loads(line)["id"] for line in (SEMEVAL / "articles.jsonl").open()]
    rows = articles_of([SEMEVAL / "articles.jsonl"], ["--story_threshold", str(threshold)])
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


def negatives_check() -> tuple[bool, int, int]:
    """(seeds are one story of exactly five, benchmark pages in it, pages sharing a group)."""
    rows = articles_of([SEEDS, AEB_HTML], [])
    seeds = [row for row in rows if row["source_uri"].startswith(str(SEEDS))]
    story = {row["story_id"] for row in seeds}
    members = [row for row in rows if row["story_id"] in story]
    pages = [row for row in rows if row not in seeds]
    shared_groups = len(pages) - len({row["duplicate_group_id"] for row in pages})
    return len(story) == 1 and len(members) == 5, len(members) - len(seeds), shared_groups


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = SimilaritySettings().story_threshold
    parser.add_argument("--thresholds", type=float, nargs="+",
                        default=[round(default - 0.05, 2), default, round(default + 0.05, 2)])
    args = parser.parse_args(argv)
    gold = json.loads((SEMEVAL / "stories.json").read_text())
    print("| story threshold | pair P | pair R | pair F1 | BCubed P | BCubed R | BCubed F1 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for threshold in args.thresholds:
        stories = semeval_stories(threshold)
        pair = pair_scores(stories)
        bcubed = bcubed_scores(stories, gold)
        print(f"| {threshold:.2f} | " + " | ".join(f"{v:.4f}" for v in (*pair, *bcubed)) + " |")
    seeds_ok, pages_in_seed_story, pages_sharing_groups = negatives_check()
    print(f"seeds one story of exactly 5: {seeds_ok}; benchmark pages in the seed story: "
          f"{pages_in_seed_story}; benchmark pages sharing a duplicate group: "
          f"{pages_sharing_groups}")


if __name__ == "__main__":
    main()
