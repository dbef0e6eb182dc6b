"""Assemble stage: this run's articles, the stored index and the component ids ->
rows of the articles table (this run's), the index and the clusters table (all)."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

import apache_beam as beam

from schemas.records import Article
from transforms.fingerprint import term_key
from transforms.history import in_window

Row = dict[str, Any]
LATEST = "9999"  # sorts after every ISO date: unknown dates come last
KEYWORDS = 8  # terms of a story in the clusters table


class RunInfo(NamedTuple):
    run_id: str
    ingested: datetime  # when the run started, UTC
    retention_cutoff: datetime  # signatures older than this stay out of the LSH


def best_first(row: Row) -> tuple:
    """The most complete copy first: longest text, then earliest date, then smallest id."""
    published = row["published"].isoformat() if row["published"] else LATEST
    return (-row["word_count"], published, row["article_id"])


def first(values: Iterable[Any]) -> Any:
    return next(iter(values), None)


def new_rows(article: Article, joined: dict, run: RunInfo) -> tuple[Row, Row]:
    """(index row, articles-table row) of an article of this run."""
    fingerprint = first(joined["fingerprint"])
    duplicate_group_id = first(joined["duplicate_group"]) or article.article_id
    published = datetime.fromisoformat(article.published) if article.published else None
    index = {
        "article_id": article.article_id,
        "url": article.url,
        "source": article.source,
        "title": article.title,
        "published": published,
        "ingested": run.ingested,
        "run_id": run.run_id,
        "word_count": len(article.text.split()),
        "text_signature": fingerprint.text_signature if fingerprint else b"",
        "story_signature": fingerprint.story_signature if fingerprint else b"",
        "story_terms": fingerprint.story_terms if fingerprint else [],
        "story_weights": fingerprint.story_weights if fingerprint else [],
        "duplicate_group_id": duplicate_group_id,
        "story_id": first(joined["story"]) or duplicate_group_id,
    }
    row = {
        **{key: index[key] for key in ("article_id", "url", "source", "title", "published")},
        "source_uri": article.source_uri,
        "text": article.text,
        "language": article.language,
        "author": article.author,
        "word_count": index["word_count"],
        "boilerplate_lines": article.boilerplate_lines,
        "duplicate_group_id": index["duplicate_group_id"],
        "story_id": index["story_id"],
        "is_representative": False,
        "ingested": run.ingested,
        "run_id": run.run_id,
    }
    return index, row


def updated_index_row(stored: Row, joined: dict, run: RunInfo) -> Row:
    """A stored article with the ids of this run; outside the window it sheds signatures."""
    row = {
        **stored,
        "duplicate_group_id": first(joined["duplicate_group"]) or stored["duplicate_group_id"],
        "story_id": first(joined["story"]) or stored["story_id"],
    }
    if not in_window(stored, run.retention_cutoff):
        row["text_signature"] = row["story_signature"] = b""
    return row


def assemble_article(keyed: tuple[str, dict[str, Iterable[Any]]], run: RunInfo) -> Iterator:
    """Index row of every article (stored or new); articles-table row of the new ones."""
    _, joined = keyed
    article, stored = first(joined["article"]), first(joined["stored"])
    if article is not None:
        index, row = new_rows(article, joined, run)
        yield index
        yield beam.pvalue.TaggedOutput("articles", row)
    elif stored is not None:
        yield updated_index_row(stored, joined, run)


def mark_representative(group: tuple[str, dict[str, Iterable[Row]]]) -> Iterator[Row]:
    """This run's rows of a duplicate group, the group's best copy (of any run) flagged."""
    _, rows = group
    best = min(rows["index"], key=best_first)["article_id"]
    for row in rows["articles"]:
        yield {**row, "is_representative": row["article_id"] == best}


def story_keywords(rows: list[Row], size: int = KEYWORDS) -> list[str]:
    """The terms that tie a story together: most weight summed over its articles.

    In a story of several articles only terms that at least two of them share count; a
    term is named by the spelling of the article that weighs it most.
    """
    totals: dict[str, float] = {}
    articles: dict[str, int] = {}
    names: dict[str, tuple[float, str]] = {}
    for row in rows:
        terms, weights = row.get("story_terms") or [], row.get("story_weights") or []
        for term, weight in zip(terms, weights, strict=True):
            key = term_key(term)
            totals[key] = totals.get(key, 0.0) + weight
            articles[key] = articles.get(key, 0) + 1
            names[key] = max(names.get(key, (weight, term)), (weight, term))
    shared = 2 if len(rows) > 1 else 1
    ranked = sorted((key for key in totals if articles[key] >= shared),
                    key=lambda key: (-totals[key], key))
    return [names[key][1] for key in ranked[:size]]


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
        "terms": story_keywords(rows),
    }


class AssembleTables(beam.PTransform):
    """{articles, fingerprints, stored, duplicate_groups, stories} ->
    {articles: this run's rows, _index: every article, clusters: every story}.

    duplicate_groups and stories are (article id, id) pairs of this run's components;
    an article in none keeps its stored ids, or is its own group and story.
    """

    def __init__(self, run: RunInfo):
        super().__init__()
        self._run = run

    def expand(self, inputs):
        def by_id(label, pcoll, key):
            return pcoll | label >> beam.WithKeys(key)

        assembled = (
            {
                "article": by_id("KeyArticles", inputs["articles"], lambda a: a.article_id),
                "fingerprint": by_id("KeyPrints", inputs["fingerprints"], lambda f: f.article_id),
                "stored": by_id("KeyStored", inputs["stored"], lambda row: row["article_id"]),
                "duplicate_group": inputs["duplicate_groups"],
                "story": inputs["stories"],
            }
            | "JoinById" >> beam.CoGroupByKey()
            | "Assemble"
            >> beam.FlatMap(assemble_article, self._run).with_outputs("articles", main="index")
        )
        index = assembled.index
        articles = (
            {
                "index": index | "IndexByGroup" >> beam.WithKeys(lambda r: r["duplicate_group_id"]),
                "articles": assembled.articles
                | "NewByGroup" >> beam.WithKeys(lambda r: r["duplicate_group_id"]),
            }
            | "JoinGroups" >> beam.CoGroupByKey()
            | "MarkRepresentatives" >> beam.FlatMap(mark_representative)
        )
        clusters = (
            index
            | "ByStory" >> beam.WithKeys(lambda row: row["story_id"])
            | "GroupStories" >> beam.GroupByKey()
            | "ClusterRows" >> beam.Map(cluster_row)
        )
        return {"articles": articles, "_index": index, "clusters": clusters}
