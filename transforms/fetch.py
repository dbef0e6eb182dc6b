"""Fetch stage: feeds and article URLs over HTTP, as a good citizen.

One HTTP session per worker (DoFn.setup); timeouts; retries with exponential backoff on
429, 5xx and connection errors; robots.txt; a redirect limit; a size cap; only feed and
HTML content types. Pages are fetched grouped by host, so that each host sees at most
`host_concurrency` requests at once and `host_delay` seconds between their starts.
Every failure becomes a reject with the URL, the stage and the reason.
"""

import calendar
import codecs
import logging
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import apache_beam as beam
import feedparser
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from schemas.records import FeedState, Link, RawDocument, Reject
from transforms.read import decode_bytes
from transforms.rejects import RejectError, StageWithRejects
from transforms.settings import FetchSettings

FEED_STAGE, PAGE_STAGE = "feed", "fetch"
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
     "text/xml", "application/x-rss+xml", "application/feed+json"}
)
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
RETRY_STATUSES = (429, 500, 502, 503, 504)
# urllib3 warns on every retry; the rejects table has the outcome.
logging.getLogger("urllib3").setLevel(logging.ERROR)
PROGRESS_SECONDS = 2.0


class FetchError(RejectError):
    """A URL that could not be fetched, with the reason."""


class Response(NamedTuple):
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes


class HttpClient:
    """A requests session with the pipeline's manners."""

    def __init__(self, settings: FetchSettings):
        self._settings = settings
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=0,  # a page that stalls is not asked again
            status=settings.retries,
            backoff_factor=settings.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.max_redirects = settings.max_redirects
        self.session.headers["User-Agent"] = settings.user_agent

    def get(self, url: str, accept: frozenset[str] | None,
            headers: dict[str, str] | None = None) -> Response:
        s = self._settings
        try:
            with self.session.get(url, timeout=s.timeout, stream=True, headers=headers) as r:
                self._check(r, accept)
                body = self._read(r)
                return Response(r.url, r.status_code, dict(r.headers), body)
        except requests.exceptions.TooManyRedirects as exc:
            raise FetchError(f"too many redirects (more than {s.max_redirects})") from exc
        except requests.exceptions.Timeout as exc:
            raise FetchError(f"timed out after {s.timeout:g} s") from exc
        except requests.exceptions.ConnectionError as exc:
            if timed_out(exc):
                raise FetchError(f"timed out after {s.timeout:g} s") from exc
            raise FetchError(f"connection failed: {short_reason(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"request failed: {short_reason(exc)}") from exc

    def _check(self, response: requests.Response, accept: frozenset[str] | None) -> None:
        status = response.status_code
        if status >= 400:
            retried = f" after {self._settings.retries} retries" if status in RETRY_STATUSES else ""
            raise FetchError(f"HTTP {status}{retried}")
        content_type = media_type(response.headers.get("Content-Type", ""))
        if status != 304 and accept and content_type and content_type not in accept:
            raise FetchError(f"wrong content type: {content_type}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self._settings.max_bytes:
            raise FetchError(f"larger than {self._settings.max_bytes} bytes")

    def _read(self, response: requests.Response) -> bytes:
        limit, chunks, size = self._settings.max_bytes, [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def timed_out(exc: requests.exceptions.ConnectionError) -> bool:
    """A timeout that requests reports as a connection error (after urllib3's retries).

    urllib3 makes a refused connection a kind of connect timeout: that one is not.
    """
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(reason, urllib3.exceptions.TimeoutError)


def short_reason(exc: Exception) -> str:
    """The innermost cause of a requests error, without its object addresses."""
    reason = exc.args[0] if exc.args else exc
    text = str(getattr(reason, "reason", reason))
    # "HTTPConnection(host='h', port=1): Failed to establish ...": the host is in the URL
    return text.split("): ", 1)[-1] if text.startswith("HTTP") else text


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def decode_page(response: Response) -> str:
    """The page as text: the charset the server declared, else what the bytes say."""
    declared = response.headers.get("Content-Type", "")
    for part in declared.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            try:
                return response.body.decode(codecs.lookup(value.strip("\"' ")).name, "replace")
            except LookupError:
                break
    return decode_bytes(response.body)


def entry_published(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


class FetchFeed(beam.DoFn):
    """Feed URL -> ("link", Link)..., ("state", FeedState), ("reject", Reject) for bad entries.

    Conditional GET with the validators the previous run stored: a feed that has not
    changed costs one 304 and yields no links.
    """

    def __init__(self, settings: FetchSettings):
        self._settings = settings
        self._client: HttpClient | None = None

    def setup(self) -> None:
        self._client = HttpClient(self._settings)

    def process(self, feed_url: str, stored: dict[str, dict]) -> Iterator[tuple[str, Any]]:
        known = stored.get(feed_url) or {}
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        response = self._client.get(feed_url, FEED_TYPES, headers)
        if response.status == 304:
            yield "state", FeedState(feed_url, known.get("etag"), known.get("last_modified"))
            return
        parsed = feedparser.parse(response.body, response_headers=response.headers)
        if parsed.bozo and not any(entry.get("link") for entry in parsed.entries):
            # feedparser reads broken XML loosely; with nothing to fetch, the feed is broken
            raise FetchError(f"malformed feed: {parsed.get('bozo_exception')}")
        feed_title = parsed.feed.get("title") or None
        for number, entry in enumerate(parsed.entries, start=1):
            if not entry.get("link"):
                yield "reject", Reject(f"{feed_url}#entry={number}", FEED_STAGE,
                                       "feed entry has no link")
                continue
            yield "link", Link(urljoin(response.url, entry["link"]), entry.get("title") or None,
                               entry_published(entry), feed_title)
        yield "state", FeedState(
            feed_url, response.headers.get("ETag"), response.headers.get("Last-Modified")
        )


class HostPacer:
    """At most one request start per `delay` seconds to one host, across threads."""

    def __init__(self, delay: float):
        self._delay = delay
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._delay
        time.sleep(max(0.0, start - now))


class Progress:
    """A line on stderr every few seconds: pages fetched, failed, per second."""

    def __init__(self) -> None:
        self.fetched = self.failed = 0
        self._started = self._shown = time.monotonic()
        self._lock = threading.Lock()

    def count(self, ok: bool) -> None:
        with self._lock:
            self.fetched += ok
            self.failed += not ok
        if time.monotonic() - self._shown >= PROGRESS_SECONDS:
            self.show()

    def show(self) -> None:
        now = self._shown = time.monotonic()
        rate = (self.fetched + self.failed) / max(now - self._started, 1e-9)
        print(f"fetch: {self.fetched} fetched, {self.failed} failed, {rate:.1f}/s",
              file=sys.stderr, flush=True)


class FetchHostPages(beam.DoFn):
    """(host, Links) -> ("page", RawDocument) or ("reject", Reject) for each link."""

    def __init__(self, settings: FetchSettings):
        self._settings = settings

    def setup(self) -> None:
        self._client = HttpClient(self._settings)
        self._progress = Progress()

    def process(self, keyed: tuple[str, Iterable[Link]]) -> Iterator[tuple[str, Any]]:
        host, links = keyed
        links = sorted(links, key=lambda link: link.url)
        robots = self._robots(links[0].url)
        pacer = HostPacer(self._settings.host_delay)
        with ThreadPoolExecutor(self._settings.host_concurrency) as pool:
            results = list(pool.map(lambda link: self._fetch(link, robots, pacer), links))
        for kind, value in results:
            self._progress.count(kind == "page")
            yield kind, value
        self._progress.show()

    def _robots(self, url: str) -> RobotFileParser | FetchError | None:
        """The host's robots.txt; None when it has none (everything allowed); the error
        when it cannot be read (then nothing is asked of the host)."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            response = self._client.get(robots_url, accept=None)
        except FetchError as exc:
            return None if str(exc).startswith("HTTP 4") else exc
        parser = RobotFileParser(robots_url)
        parser.parse(decode_bytes(response.body).splitlines())
        return parser

    def _fetch(self, link: Link, robots: RobotFileParser | FetchError | None,
               pacer: HostPacer) -> tuple[str, Any]:
        try:
            if isinstance(robots, FetchError):
                raise FetchError(f"{robots} (reading robots.txt)")
            if robots is not None and not robots.can_fetch(self._settings.user_agent, link.url):
                raise FetchError("disallowed by robots.txt")
            pacer.wait()
            response = self._client.get(link.url, PAGE_TYPES)
            page = RawDocument(link.url, "html", decode_page(response), response.url,
                               link.title, link.published, link.source)
            return "page", page
        except Exception as exc:  # every failure is a reject, never a lost link
            reason = str(exc) if isinstance(exc, RejectError) else f"{type(exc).__name__}: {exc}"
            return "reject", Reject(link.url, PAGE_STAGE, reason)


def host_of(link: Link) -> str:
    return urlsplit(link.url).netloc.lower()


def richest(keyed: tuple[str, Iterable[Link]]) -> Link:
    """One link per URL: the one that knows most about it."""
    _, links = keyed
    return max(links, key=lambda link: (sum(v is not None for v in link), link))


def split_by_kind(pcoll, kinds: tuple[str, ...]):
    """(kind, value) elements -> one PCollection per kind."""
    parts = pcoll | "ByKind" >> beam.Partition(lambda element, _: kinds.index(element[0]),
                                               len(kinds))
    return [part | f"Values{kind.title()}" >> beam.Map(lambda element: element[1])
            for kind, part in zip(kinds, parts, strict=True)]


class FetchFeeds(beam.PTransform):
    """Feed URLs -> (Links, FeedStates, Rejects)."""

    def __init__(self, settings: FetchSettings, stored_states):
        super().__init__()
        self._settings = settings
        self._stored_states = stored_states

    def expand(self, feed_urls):
        stored = beam.pvalue.AsDict(
            self._stored_states | "StatesByUrl" >> beam.Map(lambda row: (row["feed_url"], row))
        )
        outputs, failed = feed_urls | "Fetch" >> StageWithRejects(
            FetchFeed(self._settings), FEED_STAGE, lambda url: url, stored
        )
        links, states, bad_entries = split_by_kind(outputs, ("link", "state", "reject"))
        return links, states, (failed, bad_entries) | "Rejects" >> beam.Flatten()


class FetchPages(beam.PTransform):
    """Links -> (RawDocuments, Rejects): one per distinct URL, grouped by host."""

    def __init__(self, settings: FetchSettings):
        super().__init__()
        self._settings = settings

    def expand(self, links):
        outputs, failed = (
            links
            | "ByHost" >> beam.WithKeys(host_of)
            | "GroupByHost" >> beam.GroupByKey()
            | "Fetch" >> StageWithRejects(
                FetchHostPages(self._settings), PAGE_STAGE, lambda keyed: keyed[0]
            )
        )
        pages, rejects = split_by_kind(outputs, ("page", "reject"))
        return pages, (failed, rejects) | "Rejects" >> beam.Flatten()


class DistinctLinks(beam.PTransform):
    """Links -> one Link per URL."""

    def expand(self, links):
        return (
            links
            | "ByUrl" >> beam.WithKeys(lambda link: link.url)
            | "GroupByUrl" >> beam.GroupByKey()
            | "Richest" >> beam.Map(richest)
        )
