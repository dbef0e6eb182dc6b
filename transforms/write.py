"""Write stage: rows -> Parquet datasets OUT/<table>/part-*.parquet."""

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import WriteToParquet

from schemas.tables import TABLES


def table_prefix(output: str, table: str) -> str:
    return FileSystems.join(output, table, "part")


class WriteTables(beam.PTransform):
    """{table name: rows} -> one Parquet dataset per table under the output directory."""

    def __init__(self, output: str):
        super().__init__()
        self._output = output

    def expand(self, tables):
        return {
            name: rows
            | f"Write{name.title()}"
            >> WriteToParquet(
                table_prefix(self._output, name),
                schema=TABLES[name],
                file_name_suffix=".parquet",
                codec="zstd",
            )
            for name, rows in tables.items()
        }


def clear_tables(output: str) -> None:
    """Remove the tables of an earlier run, so a run's output is only its own rows."""
    for name in TABLES:
        directory = FileSystems.join(output, name)
        if FileSystems.exists(directory):
            FileSystems.delete([directory])
