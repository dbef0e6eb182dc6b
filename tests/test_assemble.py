"""Tests for transforms.assemble: ordering, representatives, cluster rows, AssembleTables."""

from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article
from transforms.assemble import AssembleTables, best_first, cluster_row, mark_representative


def when(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


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


# --- mark_representative -------------------------------------------------------------------


def test_mark_representative_flags_exactly_the_best():
    rows = [row("a", 10, when(3)), row("b", 10, when(2)), row("c", 5, when(1))]
    marked = list(mark_representative(("a", rows)))
    assert [(r["article_id"], r["is_representative"]) for r in marked] == [
        ("b", True),
        ("a", False),
        ("c", False),
    ]
    assert sum(r["is_representative"] for r in marked) == 1
    assert all(r["is_representative"] is False for r in rows)  # inputs are not mutated


def test_mark_representative_single_row():
    marked = list(mark_representative(("z", iter([row("z")]))))
    assert marked == [{**row("z"), "is_representative": True}]


# --- cluster_row ---------------------------------------------------------------------------


def test_cluster_row():
    rows = [
        row("c", 50, when(4), title="Third", source="Wire", duplicate_group_id="a"),
        row("a", 80, when(6), title="Best", source="Herald", duplicate_group_id="a"),
        row("b", 30, None, title="Second", source=None, duplicate_group_id="b"),
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
    }


# --- AssembleTables in a pipeline ----------------------------------------------------------


def article(article_id, text, published, source, title):
    return Article(
        article_id=article_id,
        source_uri=f"in/{article_id}.txt",
        url=f"https://{source or 'unknown.example'}/{article_id}",
        source=source,
        title=title,
        text=text,
        published=published,
        language="en",
        author=None,
        boilerplate_lines=1,
    )


ARTICLES = [
    # a1 and a2: one syndicated text (a2 is the longer copy); a1, a2 and a3: one story.
    article("a1", "one two three four", "2025-03-04T10:00:00+00:00", "wire.example", "Wire"),
    article("a2", "one two three four five", "2025-03-04T12:00:00+00:00", "herald.example", ""),
    article("a3", "another report, same event", None, None, "Own report"),
    article("a4", "something else entirely", "2025-03-01T08:30:00+00:00", "post.example", "Else"),
]


def expected_article_row(source: Article, duplicate_group_id, story_id, representative):
    return {
        "article_id": source.article_id,
        "source_uri": source.source_uri,
        "url": source.url,
        "source": source.source,
        "title": source.title,
        "text": source.text,
        "published": datetime.fromisoformat(source.published) if source.published else None,
        "language": "en",
        "author": None,
        "word_count": len(source.text.split()),
        "boilerplate_lines": 1,
        "duplicate_group_id": duplicate_group_id,
        "story_id": story_id,
        "is_representative": representative,
    }


def test_assemble_tables_pipeline():
    a1, a2, a3, a4 = ARTICLES
    expected_articles = [
        expected_article_row(a1, "a1", "a1", False),
        expected_article_row(a2, "a1", "a1", True),
        expected_article_row(a3, "a3", "a1", True),
        expected_article_row(a4, "a4", "a4", True),
    ]
    expected_clusters = [
        {
            "story_id": "a1",
            # a2 (5 words) is best but untitled; a1 and a3 (4 words): a1 is dated, a3 is not
            "title": "Wire",
            "size": 3,
            "duplicate_groups": 2,
            "article_ids": ["a1", "a2", "a3"],
            "sources": ["herald.example", "wire.example"],
            "first_published": datetime(2025, 3, 4, 10, tzinfo=UTC),
            "last_published": datetime(2025, 3, 4, 12, tzinfo=UTC),
        },
        {
            "story_id": "a4",
            "title": "Else",
            "size": 1,
            "duplicate_groups": 1,
            "article_ids": ["a4"],
            "sources": ["post.example"],
            "first_published": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
            "last_published": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        },
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        tables = {
            "articles": pipeline | "Articles" >> beam.Create(ARTICLES),
            "duplicate_groups": pipeline
            | "DuplicateGroups" >> beam.Create([("a1", "a1"), ("a2", "a1")]),
            "stories": pipeline
            | "Stories" >> beam.Create([("a1", "a1"), ("a2", "a1"), ("a3", "a1")]),
        } | AssembleTables()
        assert_that(tables["articles"], equal_to(expected_articles), label="ArticleRows")
        assert_that(tables["clusters"], equal_to(expected_clusters), label="ClusterRows")
