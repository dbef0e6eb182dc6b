"""Write stage: rows -> Parquet, staged, then committed into the output directory.

Layout under OUT:
  articles/, rejects/, merges/   every run adds files: <table>/ingest_date=D/<run_id>-*.parquet
  clusters/clusters.parquet      the current state, replaced by each run
  _index/index.parquet           what later runs need (ids, signatures), replaced by each run
  _runs/<run_id>.json            the run summary, written when the run is committed

The pipeline writes into OUT/_staging/<run_id>/ only. commit_run then moves the new
files into place and replaces the two single files (a rename each, the index first),
so a failed or killed run leaves the previous state readable and complete; recover()
finishes a commit that got past the index and undoes any other.
"""

import json
import posixpath

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import WriteToParquet

from schemas.tables import APPENDED, REPLACED, TABLES

STAGING = "_staging"
RUNS = "_runs"


def staging_dir(output: str, run_id: str) -> str:
    return FileSystems.join(output, STAGING, run_id)


def replaced_file(directory: str, table: str) -> str:
    return FileSystems.join(directory, table, f"{table.strip('_')}.parquet")


class WriteTables(beam.PTransform):
    """{table name: rows} -> Parquet files under the run's staging directory."""

    def __init__(self, staging: str, run_id: str, ingest_date: str):
        super().__init__()
        self._staging = staging
        self._run_id = run_id
        self._ingest_date = ingest_date

    def expand(self, tables):
        written = {}
        for name, rows in tables.items():
            if name in APPENDED:
                sink = WriteToParquet(
                    FileSystems.join(
                        self._staging, name, f"ingest_date={self._ingest_date}", self._run_id
                    ),
                    schema=TABLES[name],
                    file_name_suffix=".parquet",
                    codec="zstd",
                )
            else:  # one file, so that replacing it is one rename
                sink = WriteToParquet(
                    replaced_file(self._staging, name),
                    schema=TABLES[name],
                    num_shards=1,
                    shard_name_template="",
                    codec="zstd",
                )
            written[name] = rows | f"Write{name.strip('_').title()}" >> sink
        return written


def files_under(directory: str) -> list[str]:
    try:
        return [m.path for m in FileSystems.match([FileSystems.join(directory, "**")])[0]
                .metadata_list]
    except Exception:  # nothing there
        return []


def row_count(path: str) -> int:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _move(source: str, destination: str) -> None:
    parent = posixpath.dirname(destination)
    if not FileSystems.exists(parent):
        FileSystems.mkdirs(parent)
    FileSystems.rename([source], [destination])


def commit_run(output: str, run_id: str, summary: dict) -> None:
    """Move a finished run's staged files into place; the summary marks it committed."""
    staging = staging_dir(output, run_id)
    for table in APPENDED:
        root = FileSystems.join(staging, table)
        # A run that adds nothing to a table adds no file to it, except the first file,
        # so that every table can be read (with its schema) from the first run on.
        empty_table = not files_under(FileSystems.join(output, table))
        for path in files_under(root):
            if row_count(path) or empty_table:
                _move(path, FileSystems.join(output, table, posixpath.relpath(path, root)))
                empty_table = False
    _replace_staged(output, run_id)
    with FileSystems.create(FileSystems.join(output, RUNS, f"{run_id}.json")) as handle:
        handle.write(json.dumps(summary, indent=2, sort_keys=True).encode("utf-8"))
    FileSystems.delete([FileSystems.join(output, STAGING)])


def _replace_staged(output: str, run_id: str) -> None:
    """The index first: once it is replaced, the run is stored (see recover)."""
    staging = staging_dir(output, run_id)
    for table in sorted(REPLACED, key=lambda name: name != "_index"):
        staged = replaced_file(staging, table)
        if FileSystems.exists(staged):
            _move(staged, replaced_file(output, table))


def committed_runs(output: str) -> set[str]:
    return {posixpath.basename(path)[: -len(".json")]
            for path in files_under(FileSystems.join(output, RUNS))}


def recover(output: str, stored_run_ids: set[str]) -> list[str]:
    """Finish or undo what an interrupted run left behind.

    A run is committed when its summary exists or the index holds its articles: a
    commit killed after the index was replaced is finished (the clusters file moved in);
    any other run is undone (its appended files and staging removed).
    Returns the removed paths.
    """
    committed = committed_runs(output) | stored_run_ids
    for path in files_under(FileSystems.join(output, STAGING)):
        run_id = posixpath.relpath(path, FileSystems.join(output, STAGING)).split("/")[0]
        if run_id in committed:
            _replace_staged(output, run_id)
    removed = []
    for table in APPENDED:
        for path in files_under(FileSystems.join(output, table)):
            if posixpath.basename(path).split("-")[0] not in committed:
                removed.append(path)
    staging = FileSystems.join(output, STAGING)
    if FileSystems.exists(staging):
        removed.append(staging)
    if removed:
        FileSystems.delete(removed)
    return removed
