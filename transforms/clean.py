"""Clean stage: Article -> Article without the boilerplate lines extractors keep.

The rules live in transforms.clean_rules as plain functions; this stage applies them
and keeps the count of removed lines on each article.
"""

from collections.abc import Iterator

import apache_beam as beam

from schemas.records import Article
from transforms.clean_rules import clean_text
from transforms.rejects import RejectError, StageWithRejects

STAGE = "clean"


class CleanArticle(beam.DoFn):
    def process(self, article: Article) -> Iterator[Article]:
        cleaned = clean_text(article.text, article.title)
        if not cleaned.text.strip():
            raise RejectError("no text left after removing boilerplate")
        yield article._replace(
            text=cleaned.text,
            boilerplate_lines=article.boilerplate_lines + len(cleaned.removed),
        )


class CleanArticles(beam.PTransform):
    """Articles -> (cleaned Articles, Rejects)."""

    def expand(self, articles):
        return articles | "Clean" >> StageWithRejects(
            CleanArticle(), STAGE, lambda article: article.source_uri
        )
