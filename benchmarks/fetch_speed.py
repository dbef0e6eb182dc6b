"""Live ingestion speed: article pages fetched and extracted from a local HTTP server.

Serves the 181 extraction-benchmark pages from a local server on 127.0.0.1 (a separate
process, stdlib http.server), runs the pipeline with --urls on them, and prints
articles/s with the default politeness (per-host concurrency and delay; all pages are on
one host, so the per-host delay bounds the rate) and with the delay off.

    .venv/bin/python -m benchmarks.fetch_speed [Beam options]
"""

import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.data import AEB_HTML
from pipeline.main import run
from pipeline.options import FETCH
from runners.portable import free_port, wait_for_port


def serve(directory: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, seconds=30)
    except RuntimeError:
        server.kill()
        raise
    return server, f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> None:
    beam_args = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        (site / "articles").mkdir(parents=True)
        (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
        for page in sorted(AEB_HTML.glob("*.html.gz")):
            name = page.name.removesuffix(".gz")
            (site / "articles" / name).write_bytes(gzip.decompress(page.read_bytes()))
        server, base = serve(site)
        try:
            urls = Path(tmp) / "urls.txt"
            urls.write_text("".join(f"{base}/articles/{p.name}\n"
                                    for p in sorted((site / "articles").iterdir())))
            rows = []
            for label, extra in (
                (f"defaults (concurrency {FETCH.host_concurrency}, delay {FETCH.host_delay} s)",
                 []),
                (f"no delay (concurrency {FETCH.host_concurrency})", ["--host_delay", "0"]),
            ):
                out = Path(tmp) / f"out-{len(rows)}"
                started = time.perf_counter()
                summary = run(["--urls", str(urls), "--output", str(out), *extra, *beam_args])
                rows.append((label, summary, time.perf_counter() - started))
        finally:
            server.kill()
            server.wait()
    print(f"| {'politeness':<38} | pages | articles | rejects | seconds | articles/s |")
    print(f"|{'-' * 40}|-------|----------|---------|---------|------------|")
    for label, summary, seconds in rows:
        rate = summary["articles"] / seconds
        print(f"| {label:<38} | {summary['inputs']:>5} | {summary['articles']:>8} "
              f"| {summary['rejects']:>7} | {seconds:>7.1f} | {rate:>10.1f} |")


if __name__ == "__main__":
    main()
