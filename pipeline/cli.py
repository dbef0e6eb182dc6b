"""Command line: `python -m pipeline run ...` and `python -m pipeline summary ...`.

Options the pipeline does not know go to Beam's PipelineOptions unchanged, so --runner,
--direct_num_workers and the portable, Flink and Dataflow options all work.
"""

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> None:
    # Beam warns at import about optional Google Cloud clients; a CLI user needs errors only.
    logging.getLogger().setLevel(logging.ERROR)
    from pipeline.options import NewsOptions
    from runners.presets import PRESETS, expand_preset

    argv = expand_preset(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="news-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="Run the pipeline (any Beam option accepted).")
    run_parser.add_argument("--preset", choices=sorted(PRESETS),
                            help="Runner options from runners/presets.py; later options win.")
    NewsOptions._add_argparse_args(run_parser)
    summary_parser = commands.add_parser("summary", help="Summarize an output directory.")
    summary_parser.add_argument("--output", required=True)
    args, beam_args = parser.parse_known_args(argv)

    if args.command == "summary":
        from pipeline.summary import summarize

        print(summarize(args.output))
        return
    if not (args.input or args.feeds or args.urls) or not args.output:
        run_parser.error("--output and at least one of --input, --feeds, --urls are required")
    from pipeline.main import print_summary, run

    print_summary(run(argv[1:]))
