"""Runner presets: small sets of Beam options, chosen with `--preset NAME`.

Options given on the command line after the preset win over it. Placeholders in capitals
(PROJECT, BUCKET, HOST...) must be given for the runner at hand.
"""

PRESETS: dict[str, list[str]] = {
    # The DirectRunner's engine in this process, without its attempt to download Prism.
    "direct": ["--runner", "FnApiRunner"],
    # The same engine with one worker process per core.
    "direct-multiprocess": [
        "--runner", "FnApiRunner",
        "--direct_num_workers", "0",
        "--direct_running_mode", "multi_processing",
    ],
    # Any portable job service (Beam's Python one, Flink's or Spark's) with SDK workers
    # served by a worker pool: `python -m runners.portable` starts both locally.
    "portable": [
        "--runner", "PortableRunner",
        "--job_endpoint", "localhost:8099",
        "--environment_type", "EXTERNAL",
        "--environment_config", "localhost:50000",
    ],
    "flink": [
        "--runner", "FlinkRunner",
        "--flink_master", "HOST:8081",
        "--environment_type", "EXTERNAL",
        "--environment_config", "localhost:50000",
    ],
    "spark": [
        "--runner", "SparkRunner",
        "--spark_master_url", "spark://HOST:7077",
        "--environment_type", "EXTERNAL",
        "--environment_config", "localhost:50000",
    ],
    "dataflow": [
        "--runner", "DataflowRunner",
        "--project", "PROJECT",
        "--region", "REGION",
        "--temp_location", "gs://BUCKET/tmp",
        "--extra_package", "dist/news_pipeline-0.1.0-py3-none-any.whl",
    ],
}


def expand_preset(argv: list[str]) -> list[str]:
    """argv with `--preset NAME` replaced by the preset's options, placed before the other
    options (after a leading subcommand) so that those win."""
    if "--preset" not in argv:
        return argv
    at = argv.index("--preset")
    name = argv[at + 1] if at + 1 < len(argv) else ""
    if name not in PRESETS:
        raise SystemExit(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    rest = argv[:at] + argv[at + 2 :]
    head = 1 if rest and not rest[0].startswith("-") else 0
    return rest[:head] + PRESETS[name] + rest[head:]
