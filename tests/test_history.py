"""Tests for transforms.history: the retention window, stored signatures, the anti-join
that skips what earlier runs stored, and reading the stored tables."""

from datetime import UTC, datetime, timedelta

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics import MetricsFilter
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article, Fingerprint, Reject
from schemas.tables import INDEX, REJECTS
from transforms.history import (
    ReadStored,
    SkipKnown,
    article_key,
    in_window,
    index_path,
    recent_fingerprint,
    reject_key,
    rejects_pattern,
)

CUTOFF = datetime(2025, 3, 3, tzinfo=UTC)
RUN_ID = "20250305T090000000000Z"


def when(day: int, hour: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def index_row(article_id, published=None, ingested=None, text=b"", story=b"", **fields):
    row = {
        "article_id": article_id,
        "url": f"https://stored.example/{article_id}",
        "source": "stored.example",
        "title": f"Stored {article_id}",
        "published": published,
        "ingested": ingested or when(5, 9),
        "run_id": RUN_ID,
        "word_count": 20,
        "text_signature": text,
        "story_signature": story,
        "story_terms": ["stored", article_id],
        "story_weights": [0.5, 0.75],
        "duplicate_group_id": article_id,
        "story_id": article_id,
    }
    row.update(fields)
    return row


# --- in_window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "ingested", "inside"),
    [
        (when(4), when(4), True),
        (when(2), when(2), False),
        (when(2), when(9), False),  # published wins over a recent ingest
        (when(9), when(1), True),  # (and over an old one)
        (None, when(9), True),  # undated: by ingest time
        (None, when(2, 23), False),
        (CUTOFF, when(1), True),  # the boundary is inside
        (CUTOFF - timedelta(microseconds=1), when(9), False),
        (None, CUTOFF, True),
    ],
)
def test_in_window(published, ingested, inside):
    assert in_window({"published": published, "ingested": ingested}, CUTOFF) is inside


# --- recent_fingerprint --------------------------------------------------------------------


def test_recent_fingerprint_inside_the_window():
    row = index_row("s1", published=when(4), text=b"t1", story=b"s1")
    assert list(recent_fingerprint(row, CUTOFF)) == [
        Fingerprint("s1", b"t1", b"s1", ["stored", "s1"], [0.5, 0.75], when(4).isoformat())
    ]


def test_recent_fingerprint_undated_inside_by_ingest_time():
    row = index_row("s2", ingested=when(3), text=b"t2", story=b"s2")
    assert list(recent_fingerprint(row, CUTOFF)) == [
        Fingerprint("s2", b"t2", b"s2", ["stored", "s2"], [0.5, 0.75], None)
    ]


def test_recent_fingerprint_of_an_index_without_story_terms():
    # An index written before the story terms existed: its stories can still be joined.
    row = index_row("s3", published=when(4), text=b"t", story=b"s")
    del row["story_terms"], row["story_weights"]
    assert list(recent_fingerprint(row, CUTOFF)) == [
        Fingerprint("s3", b"t", b"s", [], [], when(4).isoformat())
    ]


def test_recent_fingerprint_outside_the_window():
    row = index_row("s1", published=when(2, 23), ingested=when(9), text=b"t", story=b"s")
    assert list(recent_fingerprint(row, CUTOFF)) == []


@pytest.mark.parametrize(("text", "story"), [(b"", b""), (None, None), (None, b"")])
def test_recent_fingerprint_skips_rows_without_signatures(text, story):
    row = index_row("s1", published=when(4), text=text, story=story)
    assert list(recent_fingerprint(row, CUTOFF)) == []


def test_recent_fingerprint_with_one_signature_fills_the_other_with_empty_bytes():
    row = index_row("s1", published=when(4), text=None, story=b"story")
    [fingerprint] = recent_fingerprint(row, CUTOFF)
    assert (fingerprint.text_signature, fingerprint.story_signature) == (b"", b"story")
    row = index_row("s1", published=when(4), text=b"text", story=None)
    [fingerprint] = recent_fingerprint(row, CUTOFF)
    assert (fingerprint.text_signature, fingerprint.story_signature) == (b"text", b"")


# --- reject_key / article_key --------------------------------------------------------------


def test_reject_key_of_a_reject_and_of_its_stored_row_are_equal():
    reject = Reject("in/a.html", "extract", "no text")
    stored = {
        "source_uri": "in/a.html",
        "stage": "extract",
        "error": "no text",
        "ingested": when(4),
        "run_id": RUN_ID,
    }
    assert reject_key(reject) == ("in/a.html", "extract", "no text")
    assert reject_key(stored) == ("in/a.html", "extract", "no text")


def test_reject_key_differs_by_stage_and_error():
    keys = {
        reject_key(Reject("in/a.html", "extract", "no text")),
        reject_key(Reject("in/a.html", "clean", "no text")),
        reject_key(Reject("in/a.html", "extract", "too short")),
    }
    assert len(keys) == 3


def test_article_key():
    article = Article("id1", "in/a.txt", None, None, "T", "text", None, None, None, 0)
    assert article_key(article) == "id1"


# --- SkipKnown in a pipeline ---------------------------------------------------------------


def test_skip_known_anti_join():
    rejects = [
        Reject("in/a.html", "extract", "no text"),  # known
        Reject("in/a.html", "extract", "no text"),  # the same again: dropped too
        Reject("in/a.html", "extract", "no text"),
        Reject("in/a.html", "clean", "no text"),  # other stage: unknown
        Reject("in/b.html", "read", "bad bytes"),  # unknown, twice: both kept
        Reject("in/b.html", "read", "bad bytes"),
        Reject("in/c.html", "read", "bad bytes"),  # known
    ]
    stored = [
        {"source_uri": "in/a.html", "stage": "extract", "error": "no text"},
        {"source_uri": "in/c.html", "stage": "read", "error": "bad bytes"},
        {"source_uri": "in/z.html", "stage": "read", "error": "gone"},  # not in this run
    ]
    pipeline = beam.Pipeline(runner="FnApiRunner")
    new = pipeline | "New" >> beam.Create(rejects)
    known = pipeline | "Stored" >> beam.Create(stored) | "Keys" >> beam.Map(reject_key)
    unknown = (new, known) | SkipKnown(reject_key, "skipped_rejects")
    assert_that(
        unknown,
        equal_to(
            [
                Reject("in/a.html", "clean", "no text"),
                Reject("in/b.html", "read", "bad bytes"),
                Reject("in/b.html", "read", "bad bytes"),
            ]
        ),
    )
    result = pipeline.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_namespace("history"))["counters"]
    # Every dropped element counts once; a known key with no element this run counts nothing.
    assert {c.key.metric.name: c.committed for c in counters} == {"skipped_rejects": 4}


def test_skip_known_articles_by_id_with_no_known_keys():
    articles = [
        Article(f"id{i}", f"in/{i}.txt", None, None, "T", "text", None, None, None, 0)
        for i in range(3)
    ]
    pipeline = beam.Pipeline(runner="FnApiRunner")
    new = pipeline | "New" >> beam.Create(articles)
    known = pipeline | "Known" >> beam.Create([], reshuffle=False)
    assert_that((new, known) | SkipKnown(article_key, "skipped_articles"), equal_to(articles))
    result = pipeline.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_name("skipped_articles"))["counters"]
    assert sum(c.committed for c in counters) == 0


# --- ReadStored ----------------------------------------------------------------------------


def test_read_stored_without_a_file_is_empty(tmp_path):
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        index = pipeline | "Index" >> ReadStored(index_path(str(tmp_path)))
        rejects = pipeline | "Rejects" >> ReadStored(rejects_pattern(str(tmp_path)))
        assert_that(index, equal_to([]), label="NoIndex")
        assert_that(rejects, equal_to([]), label="NoRejects")


def test_read_stored_index_rows_come_back_as_dicts(tmp_path):
    rows = [
        index_row("s1", published=when(4, 8), text=b"\x00\x01t", story=b"\xffs", word_count=7),
        index_row("s2", ingested=when(5, 10), duplicate_group_id="s1", story_id="s0"),
    ]
    path = tmp_path / "_index" / "index.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=INDEX), path)
    assert index_path(str(tmp_path)) == str(path)

    def check(actual):
        actual = sorted(actual, key=lambda row: row["article_id"])
        assert all(isinstance(row, dict) for row in actual)
        assert actual == rows
        assert [list(row) for row in actual] == [INDEX.names, INDEX.names]
        assert actual[0]["published"].utcoffset() == timedelta(0)

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        assert_that(pipeline | ReadStored(index_path(str(tmp_path))), check)


def test_read_stored_rejects_across_partitions(tmp_path):
    first = {"source_uri": "in/a", "stage": "read", "error": "e1", "ingested": when(4),
             "run_id": "20250304T000000000000Z"}
    second = {"source_uri": "in/b", "stage": "extract", "error": "e2", "ingested": when(5),
              "run_id": "20250305T000000000000Z"}
    for row in (first, second):
        directory = tmp_path / "rejects" / f"ingest_date={row['ingested'].date().isoformat()}"
        directory.mkdir(parents=True)
        pq.write_table(
            pa.Table.from_pylist([row], schema=REJECTS),
            directory / f"{row['run_id']}-00000-of-00001.parquet",
        )
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        rejects = pipeline | ReadStored(rejects_pattern(str(tmp_path)))
        assert_that(rejects, equal_to([first, second]), label="Rows")
        assert_that(
            rejects | beam.Map(reject_key),
            equal_to([("in/a", "read", "e1"), ("in/b", "extract", "e2")]),
            label="Keys",
        )
