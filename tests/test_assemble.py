"""Tests for transforms.assemble: ordering, representatives across runs, new and updated
index rows, cluster rows, and AssembleTables in a pipeline."""

from datetime import UTC, datetime

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article, Fingerprint
from schemas.tables import INDEX
from transforms.assemble import (
    AssembleTables,
    RunInfo,
    assemble_article,
    best_first,
    cluster_row,
    mark_representative,
    new_rows,
    updated_index_row,
)

RUN = RunInfo(
    run_id="20250310T120000000000Z",
    ingested=datetime(2025, 3, 10, 12, tzinfo=UTC),
    retention_cutoff=datetime(2025, 3, 3, tzinfo=UTC),
)
EARLIER_RUN = "20250305T090000000000Z"


def when(day: int, hour: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def row(article_id, words=10, published=None, **fields):
    return {
        "article_id": article_id,
        "word_count": words,
        "published": published,
        "title": fields.pop("title", f"Title {article_id}"),
        "source": fields.pop("source", None),
        "duplicate_group_id": fields.pop("duplicate_group_id", article_id),
        "is_representative": False,
        **fields,
    }


def stored_row(article_id, **fields) -> dict:
    """A row of the stored index, as ReadStored gives it: every INDEX column."""
    values = {
        "article_id": article_id,
        "url": f"https://stored.example/{article_id}",
        "source": "stored.example",
        "title": f"Stored {article_id}",
        "published": when(5, 8),
        "ingested": when(5, 9),
        "run_id": EARLIER_RUN,
        "word_count": 20,
        "text_signature": f"{article_id}-text".encode(),
        "story_signature": f"{article_id}-story".encode(),
        "story_terms": ["stored", article_id],
        "story_weights": [0.8, 0.6],
        "duplicate_group_id": article_id,
        "story_id": article_id,
    }
    values.update(fields)
    assert list(values) == INDEX.names
    return values


def joins(**values) -> dict:
    """A CoGroupByKey result: every tag present, most of them empty."""
    joined = {"article": [], "fingerprint": [], "stored": [], "duplicate_group": [], "story": []}
    joined.update({tag: list(items) for tag, items in values.items()})
    return joined


def article(article_id, text, published=None, source="news.example", title=None) -> Article:
    return Article(
        article_id=article_id,
        source_uri=f"in/{article_id}.txt",
        url=f"https://{source}/{article_id}",
        source=source,
        title=f"Title {article_id}" if title is None else title,
        text=text,
        published=published,
        language="en",
        author="A. Writer",
        boilerplate_lines=2,
    )


# --- best_first ----------------------------------------------------------------------------


def test_best_first_longer_text_first():
    rows = [row("a", 10), row("b", 30), row("c", 20)]
    assert [r["article_id"] for r in sorted(rows, key=best_first)] == ["b", "c", "a"]


def test_best_first_ties_by_earlier_published_then_unknown_dates_last():
    rows = [row("a", 10, None), row("b", 10, when(5)), row("c", 10, when(4, 23))]
    assert [r["article_id"] for r in sorted(rows, key=best_first)] == ["c", "b", "a"]


def test_best_first_then_by_id():
    rows = [row("c", 10, when(4)), row("a", 10, when(4)), row("b", 10, None), row("0", 10)]
    assert [r["article_id"] for r in sorted(rows, key=best_first)] == ["a", "c", "0", "b"]


def test_best_first_length_beats_date():
    rows = [row("early", 10, when(1)), row("late", 11, when(9)), row("undated", 12)]
    assert [r["article_id"] for r in sorted(rows, key=best_first)] == ["undated", "late", "early"]


def test_best_first_sub_second_dates():
    rows = [
        row("b", 10, when(4).replace(microsecond=500_000)),
        row("a", 10, when(4).replace(second=1)),
        row("c", 10, when(4)),
    ]
    assert [r["article_id"] for r in sorted(rows, key=best_first)] == ["c", "b", "a"]


# --- mark_representative -------------------------------------------------------------------


def flags(marked) -> list[tuple[str, bool]]:
    return [(r["article_id"], r["is_representative"]) for r in marked]


def test_mark_representative_flags_exactly_the_best_new_row():
    stored = [row("s1", 10, when(3)), row("s2", 5, when(1))]
    new = [row("n1", 10, when(4)), row("n2", 10, when(2)), row("n3", 9, when(1))]
    marked = list(mark_representative(("g", {"index": stored + new, "articles": new})))
    assert flags(marked) == [("n1", False), ("n2", True), ("n3", False)]
    assert all(r["is_representative"] is False for r in new)  # inputs are not mutated


def test_mark_representative_best_copy_stored_by_an_earlier_run_flags_no_new_row():
    stored = [row("s1", 40, when(1))]
    new = [row("n1", 30, when(1)), row("n2", 40, when(2))]
    marked = list(mark_representative(("s1", {"index": stored + new, "articles": new})))
    assert flags(marked) == [("n1", False), ("n2", False)]


def test_mark_representative_only_this_runs_rows_come_out():
    index = [row("s1", 10), row("n1", 20)]
    marked = list(mark_representative(("s1", {"index": iter(index), "articles": iter(index[1:])})))
    assert marked == [{**row("n1", 20), "is_representative": True}]


def test_mark_representative_group_with_no_new_rows_yields_nothing():
    assert list(mark_representative(("s1", {"index": [row("s1")], "articles": []}))) == []


# --- cluster_row ---------------------------------------------------------------------------


def test_cluster_row():
    rows = [
        row("c", 50, when(4), title="Third", source="Wire", duplicate_group_id="a",
            story_terms=["pope", "pilgrims"], story_weights=[0.8, 0.6]),
        row("a", 80, when(6), title="Best", source="Herald", duplicate_group_id="a",
            story_terms=["pontiff", "pilgrim", "pope"], story_weights=[0.7, 0.65, 0.4]),
        row("b", 30, None, title="Second", source=None, duplicate_group_id="b",
            story_terms=["vatican"], story_weights=[1.0]),
        row("d", 30, when(2), title="Fourth", source="Wire", duplicate_group_id="d"),
    ]
    assert cluster_row(("a", iter(rows))) == {
        "story_id": "a",
        "title": "Best",
        "size": 4,
        "duplicate_groups": 3,
        "article_ids": ["a", "b", "c", "d"],
        "sources": ["Herald", "Wire"],
        "first_published": when(2),
        "last_published": when(6),
        # Only terms two articles share, most summed weight first; "pilgrims" and
        # "pilgrim" are one stem, named as the article that weighs it most spells it.
        "terms": ["pilgrim", "pope"],
    }


def test_cluster_row_title_falls_back_to_the_next_best_titled_row():
    rows = [row("a", 80, title=""), row("b", 20, title="Short one"), row("c", 50, title="Mid")]
    assert cluster_row(("a", rows))["title"] == "Mid"


def test_cluster_row_without_dates_or_sources():
    assert cluster_row(("q", [row("q", title="")])) == {
        "story_id": "q",
        "title": "",
        "size": 1,
        "duplicate_groups": 1,
        "article_ids": ["q"],
        "sources": [],
        "first_published": None,
        "last_published": None,
        "terms": [],
    }


# --- new_rows ------------------------------------------------------------------------------


def test_new_rows_with_fingerprint_and_ids_from_the_joins():
    source = article("n1", "five words of body text", "2025-03-09T07:30:00+00:00")
    fingerprint = Fingerprint("n1", b"text-sig", b"story-sig", ["bridge", "reopened"], [0.8, 0.6])
    index, articles_row = new_rows(
        source, joins(fingerprint=[fingerprint], duplicate_group=["s1"], story=["s0"]), RUN
    )
    published = datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert index == {
        "article_id": "n1",
        "url": "https://news.example/n1",
        "source": "news.example",
        "title": "Title n1",
        "published": published,
        "ingested": RUN.ingested,
        "run_id": RUN.run_id,
        "word_count": 5,
        "text_signature": b"text-sig",
        "story_signature": b"story-sig",
        "story_terms": ["bridge", "reopened"],
        "story_weights": [0.8, 0.6],
        "duplicate_group_id": "s1",
        "story_id": "s0",
    }
    assert list(index) == INDEX.names
    assert articles_row == {
        "article_id": "n1",
        "url": "https://news.example/n1",
        "source": "news.example",
        "title": "Title n1",
        "published": published,
        "source_uri": "in/n1.txt",
        "text": "five words of body text",
        "language": "en",
        "author": "A. Writer",
        "word_count": 5,
        "boilerplate_lines": 2,
        "duplicate_group_id": "s1",
        "story_id": "s0",
        "is_representative": False,
        "ingested": RUN.ingested,
        "run_id": RUN.run_id,
    }


def test_new_rows_without_joins_is_its_own_group_and_story():
    index, articles_row = new_rows(article("n7", "alone here", None), joins(), RUN)
    assert (index["published"], index["text_signature"], index["story_signature"]) == (
        None,
        b"",
        b"",
    )
    assert (index["duplicate_group_id"], index["story_id"]) == ("n7", "n7")
    assert (articles_row["duplicate_group_id"], articles_row["story_id"]) == ("n7", "n7")
    assert articles_row["published"] is None


def test_new_rows_story_defaults_to_the_duplicate_group():
    index, articles_row = new_rows(article("n2", "x"), joins(duplicate_group=["n1"]), RUN)
    assert (index["duplicate_group_id"], index["story_id"]) == ("n1", "n1")
    assert (articles_row["duplicate_group_id"], articles_row["story_id"]) == ("n1", "n1")


def test_new_rows_keep_signatures_of_an_article_published_before_the_window():
    # A new article is always fingerprinted; whether its signatures are kept is decided
    # when a later run reads it back (recent_fingerprint / updated_index_row).
    old = article("n3", "old news", "2024-01-01T00:00:00+00:00")
    index, _ = new_rows(old, joins(fingerprint=[Fingerprint("n3", b"t", b"s")]), RUN)
    assert (index["text_signature"], index["story_signature"]) == (b"t", b"s")


# --- updated_index_row ---------------------------------------------------------------------


def test_updated_index_row_takes_the_ids_from_the_joins():
    stored = stored_row("s2")
    updated = updated_index_row(stored, joins(duplicate_group=["s1"], story=["s0"]), RUN)
    assert updated == {**stored, "duplicate_group_id": "s1", "story_id": "s0"}
    assert stored["duplicate_group_id"] == "s2"  # not mutated


def test_updated_index_row_falls_back_to_the_stored_ids():
    stored = stored_row("s2", duplicate_group_id="g", story_id="t")
    assert updated_index_row(stored, joins(), RUN) == stored
    assert updated_index_row(stored, joins(story=["a"]), RUN) == {**stored, "story_id": "a"}


@pytest.mark.parametrize(
    ("published", "ingested", "kept"),
    [
        (when(5), when(5), True),
        (RUN.retention_cutoff, when(1), True),  # the boundary is inside
        (when(2, 23), when(9), False),  # published decides, not ingested
        (None, when(9), True),  # undated: by ingest time
        (None, when(2), False),
    ],
)
def test_updated_index_row_clears_signatures_outside_the_window(published, ingested, kept):
    stored = stored_row("s3", published=published, ingested=ingested)
    updated = updated_index_row(stored, joins(), RUN)
    expected = (b"s3-text", b"s3-story") if kept else (b"", b"")
    assert (updated["text_signature"], updated["story_signature"]) == expected
    assert stored["text_signature"] == b"s3-text"  # not mutated


# --- assemble_article ----------------------------------------------------------------------


def test_assemble_article_new_gives_index_row_and_tagged_articles_row():
    source = article("n1", "one two")
    outputs = list(assemble_article(("n1", joins(article=[source], story=["s"])), RUN))
    assert len(outputs) == 2
    index, tagged = outputs
    assert isinstance(tagged, beam.pvalue.TaggedOutput)
    assert tagged.tag == "articles"
    assert (index, tagged.value) == new_rows(source, joins(story=["s"]), RUN)


def test_assemble_article_stored_gives_the_updated_index_row_only():
    stored = stored_row("s1", published=when(1, month=1))
    outputs = list(assemble_article(("s1", joins(stored=[stored], story=["s0"])), RUN))
    assert outputs == [
        {**stored, "story_id": "s0", "text_signature": b"", "story_signature": b""}
    ]


def test_assemble_article_ids_only_give_nothing():
    assert list(assemble_article(("x", joins(duplicate_group=["x"], story=["x"])), RUN)) == []


# --- AssembleTables in a pipeline ----------------------------------------------------------

# Stored by an earlier run: s1 (long) and s2, two groups and two stories. This run: n1, a
# shorter copy that bridges s1 and s2 into one group (s2 merged into s1), and n2, alone.
S1 = stored_row("s1", word_count=30, published=when(5, 8), ingested=when(5, 9))
S2 = stored_row("s2", word_count=12, published=None, ingested=when(6), source="other.example")
N1 = article("n1", "one two three four five", "2025-03-10T07:30:00+00:00", title="Copy")
N2 = article("n2", "something else entirely", None, source="post.example", title="Else")
PRINTS = [
    Fingerprint("n1", b"n1-text", b"n1-story", ["copy"], [1.0]),
    Fingerprint("n2", b"n2-text", b""),
]
GROUPS = [("s1", "s1"), ("s2", "s1"), ("n1", "s1")]
STORIES = [("s1", "s1"), ("s2", "s1"), ("n1", "s1")]


def test_assemble_tables_pipeline():
    n1_published = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)
    n1_index = {
        "article_id": "n1",
        "url": "https://news.example/n1",
        "source": "news.example",
        "title": "Copy",
        "published": n1_published,
        "ingested": RUN.ingested,
        "run_id": RUN.run_id,
        "word_count": 5,
        "text_signature": b"n1-text",
        "story_signature": b"n1-story",
        "story_terms": ["copy"],
        "story_weights": [1.0],
        "duplicate_group_id": "s1",
        "story_id": "s1",
    }
    n2_index = {
        "article_id": "n2",
        "url": "https://post.example/n2",
        "source": "post.example",
        "title": "Else",
        "published": None,
        "ingested": RUN.ingested,
        "run_id": RUN.run_id,
        "word_count": 3,
        "text_signature": b"n2-text",
        "story_signature": b"",
        "story_terms": [],
        "story_weights": [],
        "duplicate_group_id": "n2",
        "story_id": "n2",
    }
    expected_index = [
        S1,
        {**S2, "duplicate_group_id": "s1", "story_id": "s1"},
        n1_index,
        n2_index,
    ]

    def articles_row(index, source, representative):
        return {
            **{key: index[key] for key in ("article_id", "url", "source", "title", "published")},
            "source_uri": source.source_uri,
            "text": source.text,
            "language": "en",
            "author": "A. Writer",
            "word_count": index["word_count"],
            "boilerplate_lines": 2,
            "duplicate_group_id": index["duplicate_group_id"],
            "story_id": index["story_id"],
            "is_representative": representative,
            "ingested": RUN.ingested,
            "run_id": RUN.run_id,
        }

    expected_articles = [
        articles_row(n1_index, N1, False),  # s1, stored, is the group's best copy
        articles_row(n2_index, N2, True),
    ]
    expected_clusters = [
        {
            "story_id": "s1",
            "title": "Stored s1",
            "size": 3,
            "duplicate_groups": 1,
            "article_ids": ["n1", "s1", "s2"],
            "sources": ["news.example", "other.example", "stored.example"],
            "first_published": when(5, 8),
            "last_published": n1_published,
            "terms": ["stored"],
        },
        {
            "story_id": "n2",
            "title": "Else",
            "size": 1,
            "duplicate_groups": 1,
            "article_ids": ["n2"],
            "sources": ["post.example"],
            "first_published": None,
            "last_published": None,
            "terms": [],
        },
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        tables = {
            "articles": pipeline | "Articles" >> beam.Create([N1, N2]),
            "fingerprints": pipeline | "Fingerprints" >> beam.Create(PRINTS),
            "stored": pipeline | "Stored" >> beam.Create([S1, S2]),
            "duplicate_groups": pipeline | "DuplicateGroups" >> beam.Create(GROUPS),
            "stories": pipeline | "Stories" >> beam.Create(STORIES),
        } | AssembleTables(RUN)
        assert set(tables) == {"articles", "_index", "clusters"}
        assert_that(tables["articles"], equal_to(expected_articles), label="ArticleRows")
        assert_that(tables["_index"], equal_to(expected_index), label="IndexRows")
        assert_that(tables["clusters"], equal_to(expected_clusters), label="ClusterRows")


def columns(rows, label: str, *names: str):
    return rows | label >> beam.Map(lambda r: tuple(r[name] for name in names))


def test_assemble_tables_pipeline_clears_signatures_of_stored_rows_outside_the_window():
    old = stored_row("s9", published=when(20, month=2), ingested=when(20, month=2))
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        tables = {
            "articles": pipeline | "Articles" >> beam.Create([N2]),
            "fingerprints": pipeline | "Fingerprints" >> beam.Create(PRINTS[1:]),
            "stored": pipeline | "Stored" >> beam.Create([old]),
            "duplicate_groups": pipeline | "DuplicateGroups" >> beam.Create([], reshuffle=False),
            "stories": pipeline | "Stories" >> beam.Create([], reshuffle=False),
        } | AssembleTables(RUN)
        assert_that(
            columns(tables["_index"], "Sigs", "article_id", "text_signature", "story_signature"),
            equal_to([("s9", b"", b""), ("n2", b"n2-text", b"")]),
            label="Signatures",
        )
        assert_that(
            columns(tables["articles"], "Reps", "article_id", "is_representative"),
            equal_to([("n2", True)]),
            label="Representatives",
        )
        assert_that(
            columns(tables["clusters"], "StoryIds", "story_id", "article_ids"),
            equal_to([("s9", ["s9"]), ("n2", ["n2"])]),
            label="StoryMembers",
        )
