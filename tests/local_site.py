"""A news site on 127.0.0.1 for the fetch tests, run as its own process.

    python tests/local_site.py   # prints "PORT <n>" once listening

Serves benchmark pages, RSS 2.0 / RSS 1.0 / Atom feeds with ETag and Last-Modified, and
every way a fetch can fail: 404, 500 then 200, a slow page, a redirect loop, a path
robots.txt disallows, a binary file, a too-large page, a malformed feed. /_log lists the
requests it served (path, status, user agent).
"""

import gzip
import hashlib
import json
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = sorted((Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "aeb"
                / "html").glob("*.html.gz"))[:9]
IDS = [page.name.split(".")[0][:16] for page in PAGES]
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
PARAGRAPH = ("The harbour authority said on Tuesday that the new ferry terminal would open in "
             "spring, after two years of delays caused by flooding and a shortage of steel. ")
NO_TITLE_PAGE = (
    "<html><body>" + "".join(f"<p>{PARAGRAPH * 2}</p>" for _ in range(4)) + "</body></html>"
)
LATIN1_PAGE = ("<html><head><title>Café owners</title></head><body>"
               + "".join(f"<p>Café owners, naïve or not: {PARAGRAPH}</p>" for _ in range(4))
               + "</body></html>").encode("cp1252")


def rss2(base: str, items: list[tuple[str, str]], title: str = "Local News") -> str:
    entries = "".join(
        f"<item><title>{name}</title><link>{base}{path}</link>"
        f"<pubDate>Tue, 10 Jun 2025 08:00:00 GMT</pubDate></item>" for name, path in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>d</description>{entries}</channel></rss>")


def atom(base: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<entry><title>{name}</title><link href="{base}{path}"/><id>{base}{path}</id>'
        f"<updated>2025-06-10T08:00:00Z</updated></entry>" for name, path in items
    )
    return ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom News</title><id>{base}/</id><updated>2025-06-10T08:00:00Z</updated>"
            f"{entries}</feed>")


def rss1(base: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<item rdf:about="{base}{path}"><title>{name}</title><link>{base}{path}</link>'
        f"<dc:date>2025-06-10T08:00:00Z</dc:date></item>" for name, path in items
    )
    return ('<?xml version="1.0"?>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{base}/"><title>RDF News</title><link>{base}/</link>'
            f"<description>d</description></channel>{entries}</rdf:RDF>")


def articles(ids: list[str]) -> list[tuple[str, str]]:
    return [(f"Feed title {i}", f"/articles/{i}.html") for i in ids]


MIXED = [("Missing", "/missing"), ("Flaky", "/flaky/page"), ("Slow", "/slow"),
         ("Loop", "/loop/a"), ("Private", f"/private/{IDS[0]}.html"), ("Image", "/image.png"),
         ("Big", "/big.html"), ("Latin", "/latin1.html"), ("Empty", "/empty.html")]


class Site(BaseHTTPRequestHandler):
    log: list = []
    seen: set = set()
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
             headers: dict | None = None) -> None:
        with self.lock:
            self.log.append([self.path, status, self.headers.get("User-Agent", "")])
        self.send_response(status)
        for name, value in {"Content-Type": ctype, **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def feed(self, text: str, ctype: str) -> None:
        body = text.encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, headers={"ETag": etag})
        self.send(200, body, ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    def do_GET(self) -> None:
        base, path = f"http://127.0.0.1:{self.server.server_port}", self.path
        if path == "/_log":
            with self.lock:
                return self.send_raw(json.dumps(self.log).encode())
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path.startswith(("/articles/", "/private/")):
            page = PAGES[IDS.index(path.rsplit("/", 1)[1].removesuffix(".html"))]
            return self.send(200, gzip.decompress(page.read_bytes()))
        feeds = {
            "/feeds/rss2.xml": (rss2(base, articles(IDS[0:3])), "application/rss+xml"),
            "/feeds/atom.xml": (atom(base, articles(IDS[3:6])), "application/atom+xml"),
            "/feeds/rss1.xml": (rss1(base, articles(IDS[6:9])), "application/rdf+xml"),
            "/feeds/notitle.xml": (rss2(base, [("Entry title fallback", "/notitle.html")],
                                        "Fallback Feed"), "application/rss+xml"),
            "/feeds/mixed.xml": (rss2(base, MIXED), "application/rss+xml"),
        }
        if path in feeds:
            return self.feed(*feeds[path])
        if path == "/feeds/malformed.xml":
            return self.send(200, b"<rss><channel><item><title>broken &&& <<",
                             "application/rss+xml")
        if path in ("/feeds/notafeed.png", "/image.png"):
            return self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(300), "image/png")
        if path == "/notitle.html":
            return self.send(200, NO_TITLE_PAGE.encode())
        if path == "/latin1.html":
            return self.send(200, LATIN1_PAGE, "text/html; charset=windows-1252")
        if path == "/empty.html":
            return self.send(200, b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
        if path == "/big.html":
            return self.send(200, b"<html><body>" + b"<p>x</p>" * 800_000 + b"</body></html>")
        if path.startswith("/flaky/"):
            with self.lock:
                first = path not in self.seen
                self.seen.add(path)
            if first:
                return self.send(500, b"busy")
            return self.send(200, gzip.decompress(PAGES[0].read_bytes()))
        if path == "/slow":
            time.sleep(5)
            return self.send(200, gzip.decompress(PAGES[0].read_bytes()))
        if path in ("/loop/a", "/loop/b"):
            target = "/loop/b" if path == "/loop/a" else "/loop/a"
            return self.send(302, headers={"Location": target})
        return self.send(404, b"not here")

    def send_raw(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up early (size cap, timeout) are part of the tests


if __name__ == "__main__":
    server = QuietServer(("127.0.0.1", 0), Site)
    print(f"PORT {server.server_port}", flush=True)
    sys.stdout.close()
    server.serve_forever()
