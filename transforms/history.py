"""History stage: what earlier runs into the same output directory stored.

A scheduled run reads the index of earlier articles (OUT/_index): their ids are skipped
(running the same input twice adds nothing), and the signatures of those within the
retention window go into this run's LSH shuffle, so that today's copy joins yesterday's
group and story.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import ReadFromParquet

from schemas.records import Article, Fingerprint

Row = dict[str, Any]


def index_path(output: str) -> str:
    return FileSystems.join(output, "_index", "index.parquet")


def feeds_path(output: str) -> str:
    return FileSystems.join(output, "_feeds", "feeds.parquet")


def rejects_pattern(output: str) -> str:
    return FileSystems.join(output, "rejects", "**", "*.parquet")


def exists(pattern: str) -> bool:
    try:
        return bool(FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # Beam raises when nothing matches a pattern
        return False


class ReadStored(beam.PTransform):
    """Rows of a stored Parquet table, or nothing on a first run."""

    def __init__(self, pattern: str):
        super().__init__()
        self._pattern = pattern

    def expand(self, pbegin):
        if exists(self._pattern):
            return pbegin | "ReadParquet" >> ReadFromParquet(self._pattern)
        return pbegin | "NothingYet" >> beam.Create([])


def in_window(row: Row, cutoff: datetime) -> bool:
    """Within the retention window, by published date, else by ingest time."""
    return (row["published"] or row["ingested"]) >= cutoff


def recent_fingerprint(row: Row, cutoff: datetime) -> Iterator[Fingerprint]:
    if in_window(row, cutoff) and (row["text_signature"] or row["story_signature"]):
        yield Fingerprint(
            row["article_id"],
            row["text_signature"] or b"",
            row["story_signature"] or b"",
            # An index written before story terms existed has no such columns.
            list(row.get("story_terms") or []),
            list(row.get("story_weights") or []),
            row["published"].isoformat() if row["published"] else None,
        )


def unknown_only(keyed: tuple[Any, dict[str, Iterable]], counter: str) -> Iterator[Any]:
    """Elements whose key no earlier run stored; the others are counted."""
    _, joined = keyed
    new = list(joined["new"])
    if not list(joined["known"]):
        yield from new
    elif new:
        beam.metrics.Metrics.counter("history", counter).inc(len(new))


class SkipKnown(beam.PTransform):
    """(elements, known keys) -> elements whose key is not known (an anti-join).

    The skipped ones are counted in the Beam counter `counter` (namespace "history").
    """

    def __init__(self, key, counter: str):
        super().__init__()
        self._key = key
        self._counter = counter

    def expand(self, inputs):
        elements, known_keys = inputs
        return (
            {
                "new": elements | "KeyNew" >> beam.WithKeys(self._key),
                "known": known_keys | "KeyKnown" >> beam.Map(lambda key: (key, True)),
            }
            | "Join" >> beam.CoGroupByKey()
            | "Unknown" >> beam.FlatMap(unknown_only, self._counter)
        )


def article_key(article: Article) -> str:
    return article.article_id


def reject_key(reject: Any) -> tuple[str, str, str]:
    """The same input failing the same way: one reject, whichever run saw it first."""
    if isinstance(reject, dict):
        return (reject["source_uri"], reject["stage"], reject["error"])
    return (reject.source_uri, reject.stage, reject.error)
