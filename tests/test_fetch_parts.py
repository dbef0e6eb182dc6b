"""The fetch stage's small parts, without a network."""

import threading
import time

import feedparser

from schemas.records import Link
from transforms.fetch import (
    HostPacer,
    Response,
    decode_page,
    entry_published,
    host_of,
    media_type,
    richest,
)


def test_host_pacer_spaces_request_starts_across_threads():
    pacer, starts = HostPacer(0.1), []
    lock = threading.Lock()

    def request():
        pacer.wait()
        with lock:
            starts.append(time.monotonic())

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.09


def test_media_type_and_declared_charset():
    assert media_type("Text/HTML; charset=UTF-8") == "text/html"
    page = "<p>Café naïve</p>".encode("cp1252")
    declared = Response("u", 200, {"Content-Type": "text/html; charset=windows-1252"}, page)
    assert decode_page(declared) == "<p>Café naïve</p>"
    undeclared = Response("u", 200, {"Content-Type": "text/html"}, "<p>Café</p>".encode())
    assert decode_page(undeclared) == "<p>Café</p>"
    unknown = Response("u", 200, {"Content-Type": "text/html; charset=nonsense"}, b"<p>ok</p>")
    assert decode_page(unknown) == "<p>ok</p>"


def test_entry_dates_in_utc():
    feed = feedparser.parse(
        "<rss version='2.0'><channel><item><link>http://h/a</link>"
        "<pubDate>Tue, 10 Jun 2025 10:00:00 +0200</pubDate></item>"
        "<item><link>http://h/b</link></item></channel></rss>"
    )
    assert entry_published(feed.entries[0]) == "2025-06-10T08:00:00+00:00"
    assert entry_published(feed.entries[1]) is None


def test_one_link_per_url_keeps_the_richest_and_hosts_group_ports():
    bare = Link("http://h:8080/a")
    rich = Link("http://h:8080/a", "Title", "2025-06-10T08:00:00+00:00", "Feed")
    assert richest(("http://h:8080/a", [bare, rich, bare])) == rich
    assert host_of(rich) == "h:8080"
    assert host_of(Link("HTTP://Example.COM/x")) == "example.com"
