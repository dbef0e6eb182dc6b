"""Shared helpers: run the real CLI and read its Parquet back."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from benchmarks.data import AEB_HTML, REPO, SEEDS

__all__ = ["AEB_HTML", "REPO", "SEEDS", "query", "read_table", "run_cli", "run_pipeline"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m pipeline ...` as a user runs it; fails the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def run_pipeline(output: Path, *inputs: Path | str, extra: tuple[str, ...] = ()) -> Path:
    flags = [arg for path in inputs for arg in ("--input", str(path))]
    run_cli("run", *flags, "--output", str(output), *extra)
    return output


def read_table(output: Path, table: str) -> list[dict]:
    """Rows of a table, read as a pyarrow dataset."""
    return ds.dataset(output / table, format="parquet").to_table().to_pylist()


def query(sql: str) -> list[tuple]:
    """DuckDB over the written files, as an analyst would query them."""
    return duckdb.sql(sql).fetchall()


@pytest.fixture(scope="session")
def seeds_output(tmp_path_factory) -> Path:
    return run_pipeline(tmp_path_factory.mktemp("seeds") / "out", SEEDS)
