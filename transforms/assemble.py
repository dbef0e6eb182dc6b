"""Assemble stage: articles + component ids -> rows of the articles and clusters tables."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import apache_beam as beam

from schemas.records import Article

Row = dict[str, Any]
LATEST = "9999"  # sorts after every ISO date: unknown dates come last


def best_first(row: Row) -> tuple:
    """The most complete copy first: longest text, then earliest date, then smallest id."""
    published = row["published"].isoformat() if row["published"] else LATEST
    return (-row["word_count"], published, row["article_id"])


def article_row(keyed: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[Row]:
    article_id, joined = keyed
    for article in joined["article"]:  # exactly one: ids are unique after extraction
        article: Article
        duplicate_group_id = next(iter(joined["duplicate_group"]), article_id)
        yield {
            "article_id": article_id,
            "source_uri": article.source_uri,
            "url": article.url,
            "source": article.source,
            "title": article.title,
            "text": article.text,
            "published": datetime.fromisoformat(article.published) if article.published else None,
            "language": article.language,
            "author": article.author,
            "word_count": len(article.text.split()),
            "boilerplate_lines": article.boilerplate_lines,
            "duplicate_group_id": duplicate_group_id,
            "story_id": next(iter(joined["story"]), duplicate_group_id),
            "is_representative": False,
        }


def mark_representative(group: tuple[str, Iterable[Row]]) -> Iterator[Row]:
    rows = sorted(group[1], key=best_first)
    yield {**rows[0], "is_representative": True}
    yield from rows[1:]


def cluster_row(story: tuple[str, Iterable[Row]]) -> Row:
    story_id, rows = story
    rows = sorted(rows, key=best_first)
    dates = [row["published"] for row in rows if row["published"]]
    return {
        "story_id": story_id,
        "title": next((row["title"] for row in rows if row["title"]), ""),
        "size": len(rows),
        "duplicate_groups": len({row["duplicate_group_id"] for row in rows}),
        "article_ids": sorted(row["article_id"] for row in rows),
        "sources": sorted({row["source"] for row in rows if row["source"]}),
        "first_published": min(dates, default=None),
        "last_published": max(dates, default=None),
    }


class AssembleTables(beam.PTransform):
    """{articles, duplicate_groups, stories} -> {articles: rows, clusters: rows}.

    duplicate_groups and stories are (article id, component id) pairs; an article that
    is in no component is its own group and story.
    """

    def expand(self, inputs):
        articles = (
            {
                "article": inputs["articles"]
                | "KeyArticles" >> beam.WithKeys(lambda article: article.article_id),
                "duplicate_group": inputs["duplicate_groups"],
                "story": inputs["stories"],
            }
            | "JoinIds" >> beam.CoGroupByKey()
            | "ArticleRows" >> beam.FlatMap(article_row)
            | "ByDuplicateGroup" >> beam.WithKeys(lambda row: row["duplicate_group_id"])
            | "GroupDuplicates" >> beam.GroupByKey()
            | "MarkRepresentatives" >> beam.FlatMap(mark_representative)
        )
        clusters = (
            articles
            | "ByStory" >> beam.WithKeys(lambda row: row["story_id"])
            | "GroupStories" >> beam.GroupByKey()
            | "ClusterRows" >> beam.Map(cluster_row)
        )
        return {"articles": articles, "clusters": clusters}
