"""Feeds and article URLs fetched from a real HTTP server on 127.0.0.1, through the CLI."""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS, read_table, run_cli
from tests.local_site import IDS

FAST = ("--fetch_timeout", "1", "--host_delay", "0")


@pytest.fixture(scope="module")
def site():
    """The local site in its own process, stopped by its process id."""
    process = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "local_site.py")],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        port = int(process.stdout.readline().split()[1])
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def served(base: str) -> list[list]:
    with urllib.request.urlopen(f"{base}/_log") as response:
        return json.loads(response.read())


def fetch_run(tmp_path: Path, out: Path, *, feeds=(), urls=(), extra=()) -> dict:
    args = ["run", "--output", str(out), *FAST, *extra]
    for flag, lines in (("--feeds", feeds), ("--urls", urls)):
        if lines:
            listing = tmp_path / f"{flag.strip('-')}-{len(list(tmp_path.iterdir()))}.txt"
            listing.write_text("# listed for the test\n\n" + "\n".join(lines) + "\n")
            args += [flag, str(listing)]
    result = run_cli(*args)
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    return {"summary": summary, "stderr": result.stderr,
            "articles": {a["url"]: a for a in read_table(out, "articles")},
            "rejects": {r["source_uri"]: (r["stage"], r["error"])
                        for r in read_table(out, "rejects")}}


def test_rss2_rss1_and_atom_feeds_become_articles(site, tmp_path):
    run = fetch_run(tmp_path, tmp_path / "out",
                    feeds=[f"{site}/feeds/{name}" for name in ("rss2.xml", "atom.xml", "rss1.xml")])
    assert sorted(run["articles"]) == sorted(f"{site}/articles/{i}.html" for i in IDS)
    assert run["rejects"] == {}
    assert all(a["title"] and a["published"] and a["text"] for a in run["articles"].values())
    assert "fetch: 9 fetched, 0 failed" in run["stderr"]


def test_feed_entry_fills_what_the_page_lacks(site, tmp_path):
    run = fetch_run(tmp_path, tmp_path / "out", feeds=[f"{site}/feeds/notitle.xml"])
    (article,) = run["articles"].values()
    assert article["title"] == "Entry title fallback"
    assert article["published"].isoformat() == "2025-06-10T08:00:00+00:00"
    assert article["source"] in {"Fallback Feed", "127.0.0.1"}


def test_every_failing_link_is_a_reject_and_the_run_goes_on(site, tmp_path):
    run = fetch_run(tmp_path, tmp_path / "out", feeds=[f"{site}/feeds/mixed.xml"])
    expected = {
        "/missing": ("fetch", "HTTP 404"),
        "/slow": ("fetch", "timed out after 1 s"),
        "/loop/a": ("fetch", "too many redirects"),
        f"/private/{IDS[0]}.html": ("fetch", "disallowed by robots.txt"),
        "/image.png": ("fetch", "wrong content type: image/png"),
        "/big.html": ("fetch", "larger than"),
        "/empty.html": ("extract", "no article text found in page"),
    }
    assert set(run["rejects"]) == {site + path for path in expected}
    for path, (stage, reason) in expected.items():
        assert run["rejects"][site + path][0] == stage
        assert run["rejects"][site + path][1].startswith(reason), run["rejects"][site + path]
    assert sorted(run["articles"]) == [f"{site}/flaky/page", f"{site}/latin1.html"]
    assert "Café owners, naïve or not" in run["articles"][f"{site}/latin1.html"]["text"]
    log = served(site)
    assert [status for path, status, _ in log if path == "/flaky/page"] == [500, 200]
    assert not [path for path, _, _ in log if path.startswith("/private/")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_bad_feeds_are_rejects_with_the_feed_stage(site, tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/feed.xml"
    feeds = [f"{site}/feeds/malformed.xml", f"{site}/feeds/notafeed.png", f"{site}/missing",
             dead, f"{site}/feeds/rss2.xml"]
    run = fetch_run(tmp_path, tmp_path / "out", feeds=feeds)
    assert run["rejects"] == {
        f"{site}/feeds/malformed.xml": ("feed", run["rejects"][f"{site}/feeds/malformed.xml"][1]),
        f"{site}/feeds/notafeed.png": ("feed", "wrong content type: image/png"),
        f"{site}/missing": ("feed", "HTTP 404"),
        dead: ("feed", run["rejects"][dead][1]),
    }
    assert run["rejects"][f"{site}/feeds/malformed.xml"][1].startswith("malformed feed")
    assert run["rejects"][dead][1].startswith("connection failed")
    assert len(run["articles"]) == 3


def test_an_article_on_a_host_that_refuses_connections_says_so(tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/article.html"
    run = fetch_run(tmp_path, tmp_path / "out", urls=[dead])
    stage, reason = run["rejects"][dead]
    assert stage == "fetch"
    assert reason.startswith("connection failed") and reason.endswith("(reading robots.txt)")


def test_scheduled_runs_use_conditional_get_and_fetch_no_article_twice(site, tmp_path):
    out = tmp_path / "out"
    feed = f"{site}/feeds/rss2.xml"
    first = fetch_run(tmp_path, out, feeds=[feed])
    assert len(first["articles"]) == 3
    before = len(served(site))
    second = fetch_run(tmp_path, out, feeds=[feed], urls=[f"{site}/articles/{IDS[0]}.html"])
    log = served(site)[before:]
    assert [(path, status) for path, status, _ in log] == [("/feeds/rss2.xml", 304)]
    assert second["summary"]["articles"] == 0
    assert second["articles"] == first["articles"]


def test_urls_with_files_a_listed_twice_url_is_fetched_once(site, tmp_path):
    page = f"{site}/articles/{IDS[1]}.html"
    before = len(served(site))
    out = tmp_path / "out"
    result = run_cli("run", "--input", str(sorted(SEEDS.glob("*.txt"))[0]), "--output", str(out),
                     *FAST, "--urls", str(_listing(tmp_path, [page, page, f"{site}/missing"])),
                     "--fetch_user_agent", "TestBot/1.0")
    assert result.returncode == 0
    articles = read_table(out, "articles")
    assert sorted(a["url"] or "file" for a in articles) == sorted([page, "file"])
    log = served(site)[before:]
    assert [path for path, _, _ in log].count(f"/articles/{IDS[1]}.html") == 1
    assert {agent for _, _, agent in log} == {"TestBot/1.0"}
    assert {r["source_uri"]: r["error"] for r in read_table(out, "rejects")} == {
        f"{site}/missing": "HTTP 404"
    }


def _listing(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(lines) + "\n")
    return path
