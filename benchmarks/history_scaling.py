"""Scheduled runs: how the time of a run grows with the stored history.

For each factor k (default 1, 5, 20): a fresh output directory gets a first run of
k x N documents (the history), then a second run of N new documents (wire copies of
some of the history, and unrelated articles) whose time is measured. The second run
reads the stored index, skips nothing, joins copies to their stored groups.

    .venv/bin/python -m benchmarks.history_scaling [--batch 250] [--factors 1 5 20]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.syndication import load_bodies, make_corpus, write_jsonl
from pipeline.main import run


def batches(batch: int, factor: int) -> tuple[list, list]:
    """History of factor x batch documents, and a new batch: copies of history stories
    (half of it) and unrelated articles (the other half)."""
    history_size = factor * batch
    stories = history_size // 2
    unrelated = history_size - stories + batch // 2
    docs = make_corpus(load_bodies(), stories, copies=1, n_unrelated=unrelated)
    originals = [d for d in docs if d.doc_id.endswith("-c00")]
    copies = [d for d in docs if d.doc_id.endswith("-c01")][: batch - batch // 2]
    others = [d for d in docs if d.doc_id.startswith("u")]
    history = originals + others[: history_size - len(originals)]
    new = copies + others[history_size - len(originals):][: batch // 2]
    return history, new


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 5, 20])
    args, beam_args = parser.parse_known_args(argv)
    rows = []
    for factor in args.factors:
        history, new = batches(args.batch, factor)
        with tempfile.TemporaryDirectory() as tmp:
            write_jsonl(history, Path(tmp) / "history.jsonl")
            write_jsonl(new, Path(tmp) / "new.jsonl")
            out = f"{tmp}/out"
            run(["--input", f"{tmp}/history.jsonl", "--output", out, *beam_args])
            started = time.perf_counter()
            summary = run(["--input", f"{tmp}/new.jsonl", "--output", out, *beam_args])
            seconds = time.perf_counter() - started
        rows.append((factor, len(history), len(new), seconds, summary))
        print(json.dumps(summary))
    base = rows[0][3]
    print(f"| {'history':>8} | {'stored docs':>11} | {'new docs':>8} | {'2nd run s':>9} "
          f"| {'new docs/s':>10} | {'vs 1x':>6} | joined groups | joined stories | merges |")
    print("|---------:|------------:|---------:|----------:|-----------:|-------:|--------------:|"
          "---------------:|-------:|")
    for factor, stored, new, seconds, summary in rows:
        print(f"| {factor:>7}x | {stored:>11} | {new:>8} | {seconds:>9.1f} | "
              f"{new / seconds:>10.1f} | {seconds / base:>5.2f}x | "
              f"{summary['joined_groups']:>13} | {summary['joined_stories']:>14} | "
              f"{summary['merges']:>6} |")


if __name__ == "__main__":
    main()
