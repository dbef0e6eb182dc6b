"""Extract stage: RawDocument -> Article (text and metadata).

HTML goes through trafilatura; plain text keeps its first line as the title; JSON lines
carry their own fields and may hold either text or HTML.
"""

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import apache_beam as beam
import py3langid
import trafilatura

from schemas.records import Article, RawDocument, Reject
from transforms.rejects import RejectError, StageWithRejects

STAGE = "extract"
# trafilatura warns for every page its precision mode discards; the rejects table says it.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# A plain-text title line may start with its date: "date 2025-01-12 Ukraine captures ...".
DATED_TITLE = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})\s+", re.I)
# Keep the time and offset of a page's date, not only the day.
DATE_EXTRACTION = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "extensive_search": True}
LANGUAGE_SAMPLE_CHARS = 2000  # enough for a confident guess, cheap on long pages
PRECISE_SHARE = 0.5
# Below this, what trafilatura found in a page is a menu or a cookie notice, not an article.
MIN_PAGE_TEXT_CHARS = 100


def article_id(url: str | None, source_uri: str) -> str:
    """Stable id: from the URL when there is one, else from where the input came from."""
    return hashlib.sha1((url or source_uri).encode("utf-8")).hexdigest()[:16]


def to_utc_iso(value: Any) -> str | None:
    """A date in any usual form (ISO-8601, RFC 2822, YYYY-MM-DD) -> ISO-8601 UTC, or None."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (trafilatura's own detector, py3langid)."""
    return py3langid.classify(text[:LANGUAGE_SAMPLE_CHARS])[0] if text.strip() else None


def host_names(url: str | None) -> set[str | None]:
    """The ways a URL's host may be written: with and without port and "www."."""
    if not url:
        return {None}
    netloc = urlsplit(url).netloc.lower()
    return {netloc, netloc.removeprefix("www."), domain_of(url), None}


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def without_title_line(text: str, title: str) -> str:
    """trafilatura sometimes keeps the headline as the first line of the body."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.strip()
    return text


def trafilatura_document(html: str, url: str | None, favor_precision: bool) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=favor_precision,
        date_extraction_params=DATE_EXTRACTION,
    )


def body_of(document: Any) -> str:
    return (document.text or "").strip() if document is not None else ""


def keeps_the_article(precise: str, default: str) -> bool:
    """Whether precision mode kept the article: at least PRECISE_SHARE of the default text."""
    return len(precise) >= PRECISE_SHARE * len(default)


def extract_html(html: str, url: str | None = None) -> dict[str, Any]:
    """trafilatura's text and metadata of a page; the text excludes the title.

    trafilatura's precision mode leaves out more page furniture; when it keeps less than
    PRECISE_SHARE of what the default mode finds, it has cut into the article itself and
    the default extraction is the better one.
    """
    precise = trafilatura_document(html, url, favor_precision=True)
    default = trafilatura_document(html, url, favor_precision=False)
    document = precise if keeps_the_article(body_of(precise), body_of(default)) else default
    if document is None:
        raise RejectError("no article text found in page (0 characters)")
    title = (document.title or "").strip()
    text = without_title_line(body_of(document), title)
    page_url = url or document.url
    if len(text) < MIN_PAGE_TEXT_CHARS:
        raise RejectError(f"no article text found in page ({len(text)} characters)")
    return {
        "title": title,
        "text": text,
        "published": to_utc_iso(document.date),
        # trafilatura names the site after the URL's host when the page does not name it
        "source": None if document.sitename in host_names(page_url) else document.sitename,
        "host": domain_of(page_url) or document.hostname,
        "language": document.language,
        "author": document.author,
        "url": page_url,
    }


def split_plain_text(content: str) -> dict[str, Any]:
    """First non-empty line is the title (with an optional leading date), the rest the body."""
    lines = content.strip().splitlines()
    if not lines:
        raise RejectError("empty text")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    published = None
    dated = DATED_TITLE.match(title)
    if dated:
        published = to_utc_iso(dated.group(1))
        title = title[dated.end():].strip()
    if not body:
        raise RejectError("no article text after the title line")
    return {"title": title, "text": body, "published": published}


def parse_record(line: str) -> dict[str, Any]:
    """One JSON line -> fields; text wins over html when both are present."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RejectError(f"line is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(record, dict):
        raise RejectError("line is JSON but not an object")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    text, html = record.get("text"), record.get("html")
    if isinstance(text, str) and text.strip():
        fields = {"text": text.strip(), "title": ""}
    elif isinstance(html, str) and html.strip():
        fields = extract_html(html, url)
    else:
        raise RejectError("record has no text or html")
    title = record.get("title") if isinstance(record.get("title"), str) else ""
    fields["title"] = title.strip() or fields["title"]
    fields["url"] = url
    fields["published"] = to_utc_iso(record.get("published")) or fields.get("published")
    source = record.get("source") if isinstance(record.get("source"), str) else None
    fields["source"] = source or fields.get("source") or fields.get("host") or domain_of(url)
    return fields


class ExtractArticle(beam.DoFn):
    def process(self, document: RawDocument) -> Iterator[Article]:
        if document.kind == "json":
            fields = parse_record(document.content)
        elif document.kind == "html":
            fields = extract_html(document.content, document.url)
            # What the feed entry said fills what the page lacks.
            fields["title"] = fields["title"] or document.title
            fields["published"] = fields["published"] or document.published
            fields["source"] = fields["source"] or document.source or fields["host"]
        else:
            fields = split_plain_text(document.content)
        url = fields.get("url")
        yield Article(
            article_id=article_id(url, document.source_uri),
            source_uri=document.source_uri,
            url=url,
            source=fields.get("source"),
            title=fields.get("title") or "",
            text=fields["text"],
            published=fields.get("published"),
            language=fields.get("language") or detect_language(fields["text"]),
            author=fields.get("author"),
            boilerplate_lines=0,
        )


def input_order(source_uri: str) -> tuple[str, int]:
    """Sort key of an input: by path, then by line number for JSON lines ("x.jsonl#L10")."""
    path, _, line = source_uri.rpartition("#L")
    return (path, int(line)) if path and line.isdigit() else (source_uri, 0)


def first_of_each_id(keyed: tuple[str, Any]) -> Iterator[Any]:
    """One article per id (the same URL read twice): keep the first by source, reject the rest."""
    _, articles = keyed
    kept, *repeats = sorted(articles, key=lambda article: input_order(article.source_uri))
    yield kept
    for repeat in repeats:
        yield beam.pvalue.TaggedOutput(
            "rejects", Reject(repeat.source_uri, STAGE, f"same URL as {kept.source_uri}")
        )


class ExtractArticles(beam.PTransform):
    """RawDocuments -> (Articles with unique ids, Rejects)."""

    def expand(self, documents):
        articles, failed = documents | "Extract" >> StageWithRejects(
            ExtractArticle(), STAGE, lambda document: document.source_uri
        )
        unique = (
            articles
            | "KeyById" >> beam.WithKeys(lambda article: article.article_id)
            | "GroupById" >> beam.GroupByKey()
            | "FirstOfEachId" >> beam.FlatMap(first_of_each_id).with_outputs("rejects", main="kept")
        )
        return unique.kept, (failed, unique.rejects) | "Rejects" >> beam.Flatten()
