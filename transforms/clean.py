"""Clean stage: Article -> Article without the boilerplate lines extractors keep.

Two sources of knowledge: general rules (transforms.clean_rules), and lines learned from
the run itself: a line that recurs across many articles of one source is that source's
boilerplate (footers, prompts, "Read more" teasers). Learning is a Beam combine per
(source, line), handed to the cleaning step as a side input.
"""

from collections.abc import Iterator

import apache_beam as beam

from schemas.records import Article
from transforms.clean_rules import clean_text, line_key
from transforms.rejects import RejectError, StageWithRejects

STAGE = "clean"
# A line is a source's boilerplate when it is in at least this many of its articles...
LEARNED_MIN_ARTICLES = 3
# ...and in at least this share of them (a footer is on every page; a background
# paragraph reused by a few follow-up stories is not).
LEARNED_MIN_SHARE = 0.5


def source_lines(article: Article) -> Iterator[tuple[tuple[str, str], int]]:
    """((source, line key), 1) once per distinct line of the article."""
    keys = {line_key(line) for line in article.text.splitlines()} - {""}
    for key in keys:
        yield (article.source, key), 1


def boilerplate_of(source: tuple[str, dict[str, list]]) -> Iterator[tuple[str, frozenset]]:
    name, joined = source
    articles = sum(joined["articles"])
    needed = max(LEARNED_MIN_ARTICLES, LEARNED_MIN_SHARE * articles)
    lines = frozenset(key for key, count in joined["lines"] if count >= needed)
    if lines:
        yield name, lines


class LearnBoilerplate(beam.PTransform):
    """Articles -> (source, frozenset of line keys that are its boilerplate)."""

    def expand(self, articles):
        with_source = articles | "WithSource" >> beam.Filter(lambda article: article.source)
        totals = (
            with_source
            | "OnePerArticle" >> beam.Map(lambda article: (article.source, 1))
            | "ArticlesPerSource" >> beam.CombinePerKey(sum)
        )
        lines = (
            with_source
            | "SourceLines" >> beam.FlatMap(source_lines)
            | "ArticlesPerLine" >> beam.CombinePerKey(sum)
            | "Recurring" >> beam.Filter(lambda counted: counted[1] >= LEARNED_MIN_ARTICLES)
            | "BySource" >> beam.MapTuple(lambda key, count: (key[0], (key[1], count)))
        )
        return (
            {"articles": totals, "lines": lines}
            | "JoinCounts" >> beam.CoGroupByKey()
            | "Boilerplate" >> beam.FlatMap(boilerplate_of)
        )


class CleanArticle(beam.DoFn):
    def process(self, article: Article, learned: dict[str, frozenset]) -> Iterator[Article]:
        cleaned = clean_text(article.text, article.title, learned.get(article.source, ()))
        if not cleaned.text.strip():
            raise RejectError("no text left after removing boilerplate")
        yield article._replace(
            text=cleaned.text,
            boilerplate_lines=article.boilerplate_lines + len(cleaned.removed),
        )


class CleanArticles(beam.PTransform):
    """Articles -> (cleaned Articles, Rejects)."""

    def expand(self, articles):
        learned = articles | "Learn" >> LearnBoilerplate()
        return articles | "Clean" >> StageWithRejects(
            CleanArticle(),
            STAGE,
            lambda article: article.source_uri,
            beam.pvalue.AsDict(learned),
        )
