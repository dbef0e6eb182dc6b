"""The 20,000-document dedup workload on the in-process, multi-process and portable paths.

The same documents and stages as benchmarks/dedup_speed.py (fingerprint -> LSH shuffle
-> components), run on the FnApiRunner in this process, on it with one worker process
per core, and through Beam's portable job service with an SDK worker pool (the job and
worker protocol of Flink, Spark and Dataflow). Prints docs/s of each as one table.

    PATH=.venv/bin:$PATH .venv/bin/python -m benchmarks.runners [--docs 20000]
"""

import argparse

from benchmarks.dedup_speed import corpus, quality, run_pipeline
from runners.portable import LocalPortableServices
from runners.presets import PRESETS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    args = parser.parse_args(argv)
    docs = corpus(args.docs)
    rows = []
    for name in ("direct", "direct-multiprocess"):
        seconds, groups = run_pipeline(docs, PRESETS[name])
        rows.append((name, seconds, groups))
    with LocalPortableServices() as services:
        seconds, groups = run_pipeline(docs, services.options)
        rows.append(("portable (job service + worker pool)", seconds, groups))
    print(f"{len(docs)} documents")
    print(f"| {'path':<38} | {'seconds':>7} | {'docs/s':>6} | {'BCubed F1':>9} |")
    print(f"|{'-' * 40}|---------|--------|-----------|")
    for name, seconds, groups in rows:
        print(f"| {name:<38} | {seconds:>7.1f} | {len(docs) / seconds:>6.0f} "
              f"| {quality(groups, docs)[1]:>9.4f} |")


if __name__ == "__main__":
    main()
