"""Tests for transforms.read: file kinds, binary sniffing, decoding, and ReadInputs."""

import gzip
import json

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import RawDocument, Reject
from transforms.read import ReadFile, ReadInputs, decode_bytes, file_kind, looks_binary

RUSSIAN = (
    "Москва — столица России и крупнейший город страны. В понедельник в городе прошёл "
    "сильный снегопад, движение на дорогах было затруднено, а часть рейсов в аэропортах "
    "задержали на несколько часов."
)


# --- file_kind -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("news/a.txt", "text"),
        ("news/a.text", "text"),
        ("news/a.html", "html"),
        ("news/a.htm", "html"),
        ("news/a.xhtml", "html"),
        ("news/a.html.gz", "html"),
        ("news/a.txt.bz2", "text"),
        ("news/a.jsonl", "json"),
        ("news/a.ndjson", "json"),
        ("news/A.HTML", "html"),
        ("NEWS/B.TXT.GZ", "text"),
        ("news/Feed.JSONL", "json"),
    ],
)
def test_file_kind_known(path, kind):
    assert file_kind(path) == kind


@pytest.mark.parametrize(
    "path", ["a.pdf", "a.json", "a.gz", "a.tar.gz", "README", "archive.html.zip", "dir.html/x"]
)
def test_file_kind_unknown(path):
    assert file_kind(path) is None


# --- looks_binary --------------------------------------------------------------------------


def test_looks_binary_nul_byte():
    assert looks_binary(b"plain text\x00more text")


def test_looks_binary_plain_text_with_tabs_newlines_formfeed():
    assert not looks_binary(b"Title\r\n\tBody line one.\n\x0cBody line two.\n")


def test_looks_binary_many_control_characters():
    # 6 control bytes in 100 (> 5%) is binary; 5 in 100 is not.
    assert looks_binary(b"\x01" * 6 + b"a" * 94)
    assert not looks_binary(b"\x01" * 5 + b"a" * 95)


def test_looks_binary_only_sniffs_the_head():
    assert not looks_binary(b"a" * 8192 + b"\x00")


def test_looks_binary_empty():
    assert not looks_binary(b"")


# --- decode_bytes --------------------------------------------------------------------------


def test_decode_utf8():
    assert decode_bytes("Zürich – “quoted” 東京".encode()) == "Zürich – “quoted” 東京"


def test_decode_utf8_with_bom_drops_the_bom():
    assert decode_bytes(b"\xef\xbb\xbf" + "Café au lait".encode()) == "Café au lait"


def test_decode_windows_1252_fallback():
    assert decode_bytes("café".encode("cp1252")) == "café"
    assert decode_bytes("Un café à Paris – “ok”".encode("cp1252")) == "Un café à Paris – “ok”"


def test_decode_declared_charset_in_html():
    page = (
        '<html><head><meta charset="windows-1251"><title>Новости</title></head>'
        "<body><p>Погода: снег.</p><p>More text in plain ASCII to keep most bytes Latin.</p>"
        "</body></html>"
    )
    assert decode_bytes(page.encode("cp1251")) == page
    # Without the declaration the same mostly-ASCII bytes fall back to Windows-1252.
    undeclared = page.replace('<meta charset="windows-1251">', "").encode("cp1251")
    assert decode_bytes(undeclared) == undeclared.decode("cp1252", errors="replace")


def test_decode_declared_charset_http_equiv():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "</head><body><p>Курс рубля.</p></body></html>"
    )
    assert decode_bytes(page.encode("cp1251")) == page


def test_decode_undeclared_non_latin_cp1251_is_detected():
    assert decode_bytes(RUSSIAN.encode("cp1251")) == RUSSIAN


# --- ReadFile: JSON lines ------------------------------------------------------------------


def test_jsonl_line_separator_inside_a_string_stays_one_record(tmp_path):
    first = json.dumps({"url": "https://a.example/1", "text": "one\u2028two"}, ensure_ascii=False)
    second = json.dumps({"url": "https://a.example/2", "text": "three"})
    path = tmp_path / "feed.jsonl"
    path.write_text(f"{first}\n{second}\n", encoding="utf-8")
    assert list(ReadFile().process(str(path))) == [
        RawDocument(f"{path}#L1", "json", first),
        RawDocument(f"{path}#L2", "json", second),
    ]


# --- ReadInputs in a pipeline --------------------------------------------------------------


def test_read_inputs_pipeline(tmp_path):
    root = tmp_path / "in"
    (root / "sub" / "deeper").mkdir(parents=True)

    txt = root / "a.txt"
    txt.write_text("Harbour bridge reopens\nThe bridge reopened on Tuesday.\n", encoding="utf-8")

    html = "<html><head><title>Page</title></head><body><p>Grüße aus Köln.</p></body></html>"
    gz = root / "b.html.gz"
    gz.write_bytes(gzip.compress(html.encode("utf-8")))

    jsonl = root / "c.jsonl"
    jsonl.write_text('{"text": "one"}\n\n{"text": "three"}\n', encoding="utf-8")

    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"looks like text\x00\x01\x02 but is not")
    (root / "paper.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n")

    nested = root / "sub" / "deeper" / "d.htm"
    nested.write_text("<p>Нижний уровень</p>", encoding="utf-8")

    missing = str(tmp_path / "nowhere" / "*.txt")

    expected_documents = [
        RawDocument(str(txt), "text", "Harbour bridge reopens\nThe bridge reopened on Tuesday.\n"),
        RawDocument(str(gz), "html", html),
        RawDocument(f"{jsonl}#L1", "json", '{"text": "one"}'),
        RawDocument(f"{jsonl}#L3", "json", '{"text": "three"}'),
        RawDocument(str(nested), "html", "<p>Нижний уровень</p>"),
    ]
    expected_rejects = [
        Reject(str(root / "empty.txt"), "read", "empty file"),
        Reject(str(root / "binary.txt"), "read", "binary content, not text"),
        Reject(str(root / "paper.pdf"), "read", "unsupported file type: 'paper.pdf'"),
        Reject(missing, "read", f"no file matches {missing!r}"),
    ]

    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        documents, rejects = pipeline | ReadInputs([str(root), missing])
        assert_that(documents, equal_to(expected_documents), label="Documents")
        assert_that(rejects, equal_to(expected_rejects), label="Rejects")
