"""Typed elements that flow between the stages.

NamedTuples registered with RowCoder are Beam schemas: every runner encodes them
the same way, with no pickling of project classes between stages.
"""

from typing import NamedTuple

import apache_beam as beam


class RawDocument(NamedTuple):
    """One input record as read: a whole .txt/.html file, one JSON line, a fetched page."""

    source_uri: str
    kind: str  # "text", "html" or "json"
    content: str
    # What is known of a fetched page from where it was found (the feed entry): the
    # page's own metadata wins, these fill what it lacks.
    url: str | None = None
    title: str | None = None
    published: str | None = None
    source: str | None = None


class Link(NamedTuple):
    """An article URL to fetch, with what its feed entry said about it."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO-8601 UTC
    source: str | None = None  # the feed's title


class FeedState(NamedTuple):
    """A feed's validators for conditional GET on the next run."""

    feed_url: str
    etag: str | None
    last_modified: str | None


class Article(NamedTuple):
    """An extracted (and later cleaned) article."""

    article_id: str
    source_uri: str
    url: str | None
    source: str | None
    title: str
    text: str
    published: str | None  # ISO-8601 in UTC; a timestamp column in Parquet
    language: str | None
    author: str | None
    boilerplate_lines: int


class Fingerprint(NamedTuple):
    """MinHash signatures of one article (uint32 hash values as bytes), and its story terms."""

    article_id: str
    text_signature: bytes
    story_signature: bytes
    story_terms: list[str] = []  # the most salient terms, most salient first
    story_weights: list[float] = []  # their weights: a unit-norm vector
    published: str | None = None  # ISO-8601 in UTC: a story spans a window of days


class Reject(NamedTuple):
    """An input that did not become an article, with the stage and the reason."""

    source_uri: str
    stage: str
    error: str


for _record in (RawDocument, Link, FeedState, Article, Fingerprint, Reject):
    beam.coders.registry.register_coder(_record, beam.coders.RowCoder)
