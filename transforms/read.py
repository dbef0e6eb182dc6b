"""Read stage: input paths -> one RawDocument per file (per line for .jsonl).

Paths are expanded inside the pipeline through Beam's FileSystems, so local paths,
globs and any file system Beam knows (gs://, s3://, hdfs://) work on every runner.
"""

import codecs
import os
import re
from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from charset_normalizer import from_bytes

from schemas.records import RawDocument
from transforms.rejects import RejectError, StageWithRejects

STAGE = "read"

# File name endings -> kind of content. Compression is detected from the name by Beam.
KINDS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "json",
    ".ndjson": "json",
}
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".deflate")
MAX_FILE_BYTES = 50 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192
FALLBACK_ENCODING = "cp1252"
NON_LATIN_SHARE = 0.3
DECLARED_CHARSET = re.compile(
    rb"""<(?:meta|\?xml)[^>]*?(?:charset|encoding)\s*=\s*["']?([\w.:-]+)""", re.I
)


def file_kind(path: str) -> str | None:
    """The kind of content a file holds, judged by its name ('x.html.gz' -> 'html')."""
    name = path.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return KINDS.get(os.path.splitext(name)[1])


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text document."""
    head = data[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(head) * 0.05


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares in its head, if any."""
    match = DECLARED_CHARSET.search(data[:4096])
    if match is None:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes) -> str:
    """UTF-8 when it is UTF-8, else the declared charset, else a guess: never fails."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    charset = declared_charset(data)
    if charset is None:
        # Mostly-ASCII text with a few accents is almost always Windows-1252; a high share
        # of non-ASCII bytes means another script, where detection does better.
        high = sum(1 for b in data[:BINARY_SNIFF_BYTES] if b > 127)
        if high > len(data[:BINARY_SNIFF_BYTES]) * NON_LATIN_SHARE:
            best = from_bytes(data[:200_000]).best()
            charset = best.encoding if best is not None else None
    return data.decode(charset or FALLBACK_ENCODING, errors="replace")


class MatchInputs(beam.DoFn):
    """Input path (file, directory or glob) -> matched file paths."""

    def process(self, path: str) -> Iterator[str]:
        pattern = os.path.join(path, "**") if os.path.isdir(path) else path
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # Beam raises for a plain path that does not exist
            raise RejectError(f"no file matches {path!r}") from exc
        files = sorted(m.path for m in metadata)
        if not files:
            raise RejectError(f"no file matches {path!r}")
        yield from files


class ReadFile(beam.DoFn):
    """File path -> RawDocument (one per line for JSON lines)."""

    def process(self, path: str) -> Iterator[RawDocument]:
        kind = file_kind(path)
        if kind is None:
            raise RejectError(f"unsupported file type: {os.path.basename(path)!r}")
        with FileSystems.open(path, compression_type=CompressionTypes.AUTO) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise RejectError(f"file larger than {MAX_FILE_BYTES} bytes")
        if looks_binary(data):
            raise RejectError("binary content, not text")
        content = decode_bytes(data)
        if not content.strip():
            raise RejectError("empty file")
        if kind != "json":
            yield RawDocument(path, kind, content)
            return
        # Only "\n" ends a JSON line: U+2028 and friends may stand raw inside strings.
        for number, line in enumerate(content.split("\n"), start=1):
            if line.strip():
                yield RawDocument(f"{path}#L{number}", kind, line.rstrip("\r"))


class ReadInputs(beam.PTransform):
    """Paths -> (RawDocuments, Rejects)."""

    def __init__(self, paths: Iterable[str]):
        super().__init__()
        self._paths = list(paths)

    def expand(self, pbegin):
        paths = pbegin | "Paths" >> beam.Create(self._paths)
        files, unmatched = paths | "Match" >> StageWithRejects(MatchInputs(), STAGE, str)
        documents, unreadable = (
            files
            | "Spread" >> beam.Reshuffle()
            | "ReadFiles" >> StageWithRejects(ReadFile(), STAGE, str)
        )
        rejects = (unmatched, unreadable) | "Rejects" >> beam.Flatten()
        return documents, rejects

