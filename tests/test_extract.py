"""Tests for transforms.extract: dates, plain text, JSON records, HTML, ids, ExtractArticles."""

import gzip
import hashlib
import json

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article, RawDocument, Reject
from tests.conftest import AEB_HTML
from transforms.extract import (
    ExtractArticles,
    article_id,
    detect_language,
    extract_html,
    keeps_the_article,
    parse_record,
    split_plain_text,
    to_utc_iso,
    without_title_line,
)
from transforms.read import decode_bytes
from transforms.rejects import RejectError

BENCHMARK_HTML = AEB_HTML

PARAGRAPHS = [
    "The harbour bridge reopened to traffic on Tuesday morning after eight months of "
    "repairs to its steel deck and suspension cables, the city council said.",
    "Engineers replaced more than four hundred rusted bolts and resurfaced the roadway, "
    "which carries about forty thousand vehicles a day between the old town and the "
    "northern suburbs.",
    "Commuters had faced detours of up to forty minutes while the bridge was closed, and "
    "local shops on the waterfront reported a sharp fall in trade during the summer months.",
    "The council said a new inspection regime would check the cables every six months, and "
    "that the final cost of the work came in slightly under the original budget.",
]
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Harbour bridge reopens after repairs | Coastal Herald</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Coastal Herald">
<meta property="article:published_time" content="PUBLISHED">
<meta name="author" content="Jane Doe">
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
</header>
<main><article>
<h1>Harbour bridge reopens after repairs</h1>
PARAGRAPHS
</article></main>
<footer><p>Copyright 2025 Coastal Herald. All rights reserved.</p></footer>
</body>
</html>
"""


def page(published: str = "2025-03-04T08:15:00+01:00") -> str:
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return PAGE.replace("PARAGRAPHS", body).replace("PUBLISHED", published)


BRIDGE_TEXT = "\n".join(PARAGRAPHS)
BRIDGE_URL = "https://www.coastalherald.example/news/bridge"


# --- to_utc_iso ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-12T10:30:00Z", "2025-01-12T10:30:00+00:00"),
        ("2025-01-12T10:30:00+02:00", "2025-01-12T08:30:00+00:00"),
        ("2025-01-12T01:30:00+05:00", "2025-01-11T20:30:00+00:00"),  # crosses midnight
        ("2025-01-12T10:30:00", "2025-01-12T10:30:00+00:00"),  # naive is taken as UTC
        ("Sun, 12 Jan 2025 10:30:00 +0100", "2025-01-12T09:30:00+00:00"),
        ("Sun, 12 Jan 2025 10:30:00 GMT", "2025-01-12T10:30:00+00:00"),
        ("2025-01-12", "2025-01-12T00:00:00+00:00"),
        ("  2025-01-12  ", "2025-01-12T00:00:00+00:00"),
    ],
)
def test_to_utc_iso_parses(value, expected):
    assert to_utc_iso(value) == expected


@pytest.mark.parametrize("value", ["garbage", "12/01/2025 noon", "", None, 20250112, ["x"]])
def test_to_utc_iso_rejects_garbage(value):
    assert to_utc_iso(value) is None


# --- split_plain_text ----------------------------------------------------------------------


def test_split_plain_text_title_and_body():
    content = "\n\n  Harbour bridge reopens  \nFirst paragraph.\n\nSecond paragraph.\n\n"
    assert split_plain_text(content) == {
        "title": "Harbour bridge reopens",
        "text": "First paragraph.\n\nSecond paragraph.",
        "published": None,
    }


def test_split_plain_text_date_prefix():
    content = "date 2025-01-12 Ukraine captures two villages\nThe army said on Sunday.\n"
    assert split_plain_text(content) == {
        "title": "Ukraine captures two villages",
        "text": "The army said on Sunday.",
        "published": "2025-01-12T00:00:00+00:00",
    }


def test_split_plain_text_date_prefix_with_colon_and_case():
    fields = split_plain_text("Date: 2024-12-31 Year ends\nBody.")
    assert (fields["title"], fields["published"]) == ("Year ends", "2024-12-31T00:00:00+00:00")


def test_split_plain_text_without_body_is_rejected():
    with pytest.raises(RejectError, match="no article text after the title line"):
        split_plain_text("Just a title\n\n   \n")


def test_split_plain_text_unicode_whitespace_only_is_rejected():
    with pytest.raises(RejectError):
        split_plain_text("\u00a0\n\u3000\n")


# --- parse_record --------------------------------------------------------------------------


def test_parse_record_text():
    line = json.dumps(
        {
            "url": "https://www.example.org/world/1",
            "title": "  Harbour bridge reopens ",
            "text": "  The bridge reopened.  ",
            "published": "Tue, 04 Mar 2025 08:15:00 +0100",
        }
    )
    assert parse_record(line) == {
        "text": "The bridge reopened.",
        "title": "Harbour bridge reopens",
        "url": "https://www.example.org/world/1",
        "published": "2025-03-04T07:15:00+00:00",
        "source": "example.org",
    }


def test_parse_record_explicit_source_wins_over_domain():
    line = json.dumps({"url": "https://www.example.org/1", "text": "Body.", "source": "Wire"})
    assert parse_record(line)["source"] == "Wire"


def test_parse_record_without_url_or_source():
    assert parse_record(json.dumps({"text": "Body.", "published": "nonsense"})) == {
        "text": "Body.",
        "title": "",
        "url": None,
        "published": None,
        "source": None,
    }


def test_parse_record_text_wins_over_html():
    fields = parse_record(json.dumps({"text": "Plain body.", "html": page()}))
    assert (fields["text"], fields["title"]) == ("Plain body.", "")


def test_parse_record_html_through_trafilatura():
    fields = parse_record(json.dumps({"url": BRIDGE_URL, "html": page()}))
    assert fields == {
        "title": "Harbour bridge reopens after repairs",  # fallback: the page's title
        "text": BRIDGE_TEXT,
        "published": "2025-03-04T07:15:00+00:00",
        "source": "Coastal Herald",
        "language": None,
        "author": "Jane Doe",
        "url": BRIDGE_URL,
        "host": "coastalherald.example",
    }


def test_parse_record_html_record_fields_win():
    line = json.dumps(
        {
            "url": BRIDGE_URL,
            "html": page(),
            "title": "Bridge open again",
            "published": "2025-03-05T12:00:00Z",
            "source": "Wire",
        }
    )
    fields = parse_record(line)
    assert (fields["title"], fields["published"], fields["source"]) == (
        "Bridge open again",
        "2025-03-05T12:00:00+00:00",
        "Wire",
    )
    assert fields["text"] == BRIDGE_TEXT


def test_parse_record_non_string_fields_are_ignored():
    line = json.dumps({"url": 5, "title": ["x"], "text": "Body.", "published": 20250101})
    fields = parse_record(line)
    assert (fields["url"], fields["title"], fields["published"]) == (None, "", None)


def test_parse_record_non_string_source_is_not_kept():
    line = json.dumps({"url": "https://www.example.org/1", "text": "Body.", "source": 123})
    assert parse_record(line)["source"] == "example.org"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "line is not valid JSON: Expecting value at column 1"),
        ('{"text": "x"', "line is not valid JSON: Expecting ',' delimiter at column 13"),
        ("[1, 2]", "line is JSON but not an object"),
        ('"text"', "line is JSON but not an object"),
        ("null", "line is JSON but not an object"),
        ('{"title": "Only a title"}', "record has no text or html"),
        ('{"text": "   ", "html": ""}', "record has no text or html"),
        ('{"text": 5, "html": ["<p>x</p>"]}', "record has no text or html"),
    ],
)
def test_parse_record_rejects(line, error):
    with pytest.raises(RejectError) as caught:
        parse_record(line)
    assert str(caught.value) == error


def test_parse_record_html_without_text_is_rejected():
    line = json.dumps({"html": "<html><head><title>Empty</title></head><body></body></html>"})
    with pytest.raises(RejectError) as caught:
        parse_record(line)
    assert str(caught.value) == "no article text found in page (0 characters)"


# --- extract_html --------------------------------------------------------------------------


def test_extract_html_keeps_the_time_of_publication():
    fields = extract_html(page("2025-03-04T00:30:00+01:00"), BRIDGE_URL)
    assert fields["published"] == "2025-03-03T23:30:00+00:00"


def read_benchmark_page(prefix: str) -> str:
    (path,) = BENCHMARK_HTML.glob(f"{prefix}*.html.gz")
    return decode_bytes(gzip.decompress(path.read_bytes()))


def test_extract_html_real_page():
    fields = extract_html(read_benchmark_page("04a6711caa7c6875"))
    assert fields["title"] == "Opinion | Republicans Are Following Trump to Nowhere"
    assert not fields["text"].startswith(fields["title"])
    assert fields["text"].startswith("Americans have gone to the polls four times this month")
    assert len(fields["text"].split()) > 300
    assert fields["published"] == "2019-11-19T00:00:00+00:00"
    assert fields["source"] == "NYTimes"


def test_extract_html_real_page_drops_a_repeated_headline():
    # trafilatura keeps this page's headline as the first line of the body.
    fields = extract_html(read_benchmark_page("05844573ca7e1fba"))
    assert fields["title"] == "New SUVs and electric vehicles highlight L.A. Auto Show"
    assert not fields["text"].startswith(fields["title"])
    assert fields["published"] == "2019-11-20T06:35:39+00:00"


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        ("Bridge reopens\nThe bridge reopened.", "Bridge reopens", "The bridge reopened."),
        ("  BRIDGE   reopens \n\nBody.", "Bridge reopens", "Body."),
        ("Bridge reopens today\nBody.", "Bridge reopens", "Bridge reopens today\nBody."),
        ("Body only.", "", "Body only."),
    ],
)
def test_without_title_line(text, title, expected):
    assert without_title_line(text, title) == expected


def test_extract_html_too_little_text_is_rejected():
    html = "<html><head><title>Cookies</title></head><body><p>We use cookies.</p></body></html>"
    with pytest.raises(RejectError) as caught:
        extract_html(html)
    assert str(caught.value) == "no article text found in page (15 characters)"


# --- article_id ----------------------------------------------------------------------------


def test_article_id_stable_and_url_first():
    url = "https://www.example.org/world/1"
    assert article_id(url, "a.jsonl#L1") == article_id(url, "b.jsonl#L7")
    assert article_id(url, "a.jsonl#L1") == hashlib.sha1(url.encode()).hexdigest()[:16]
    assert article_id(None, "a.txt") == hashlib.sha1(b"a.txt").hexdigest()[:16]
    assert article_id(None, "a.txt") != article_id(None, "b.txt")
    assert article_id("", "a.txt") == article_id(None, "a.txt")
    assert len(article_id(url, "x")) == 16


# --- ExtractArticles in a pipeline ---------------------------------------------------------


def test_extract_articles_pipeline():
    url = "https://www.example.org/world/1"
    first = {
        "url": url,
        "title": "Bridge reopens",
        "text": "First copy.",
        "published": "2025-03-04",
    }
    second = {"url": url, "title": "Bridge reopens again", "text": "Second copy."}
    documents = [
        RawDocument("feed.jsonl#L2", "json", json.dumps(second)),
        RawDocument("feed.jsonl#L1", "json", json.dumps(first)),
        RawDocument("feed.jsonl#L3", "json", "{broken"),
        RawDocument("notes.txt", "text", "date 2025-01-12 Village captured\nThe army said.\n"),
        RawDocument("title-only.txt", "text", "Only a title\n"),
        RawDocument("bridge.html", "html", page()),
    ]
    expected_articles = [
        Article(
            article_id(url, "feed.jsonl#L1"),
            "feed.jsonl#L1",
            url,
            "example.org",
            "Bridge reopens",
            "First copy.",
            "2025-03-04T00:00:00+00:00",
            "en",  # detected from the text
            None,
            0,
        ),
        Article(
            article_id(None, "notes.txt"),
            "notes.txt",
            None,
            None,
            "Village captured",
            "The army said.",
            "2025-01-12T00:00:00+00:00",
            "en",
            None,
            0,
        ),
        Article(
            article_id(None, "bridge.html"),
            "bridge.html",
            None,
            "Coastal Herald",
            "Harbour bridge reopens after repairs",
            BRIDGE_TEXT,
            "2025-03-04T07:15:00+00:00",
            "en",
            "Jane Doe",
            0,
        ),
    ]
    expected_rejects = [
        Reject("feed.jsonl#L2", "extract", "same URL as feed.jsonl#L1"),
        Reject(
            "feed.jsonl#L3",
            "extract",
            "line is not valid JSON: Expecting property name enclosed in double quotes at column 2",
        ),
        Reject("title-only.txt", "extract", "no article text after the title line"),
    ]
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        articles, rejects = pipeline | beam.Create(documents) | ExtractArticles()
        assert_that(articles, equal_to(expected_articles), label="Articles")
        assert_that(rejects, equal_to(expected_rejects), label="Rejects")


def test_detect_language():
    assert detect_language("The council said the bridge would reopen on Tuesday.") == "en"
    assert detect_language("Le conseil municipal a annoncé la réouverture du pont mardi.") == "fr"
    assert detect_language("Der Stadtrat teilte mit, dass die Brücke am Dienstag öffnet.") == "de"
    assert detect_language("   ") is None


def test_precision_mode_is_kept_unless_it_cut_into_the_article():
    assert keeps_the_article("a" * 60, "a" * 100)
    assert keeps_the_article("a" * 50, "a" * 100)
    assert not keeps_the_article("a" * 49, "a" * 100)
    assert not keeps_the_article("", "a" * 100)


def test_extract_html_leaves_out_a_related_links_list_after_the_article():
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    related = "".join(
        f"<li><a href='/r/{i}'>Another story number {i} about something else entirely</a></li>"
        for i in range(8)
    )
    page_html = (
        "<html><head><title>Harbour bridge reopens after repairs</title></head><body>"
        f"<article><h1>Harbour bridge reopens after repairs</h1>{paragraphs}</article>"
        f"<div class='related'><h3>Related</h3><ul>{related}</ul></div></body></html>"
    )
    fields = extract_html(page_html)
    assert fields["text"] == BRIDGE_TEXT
