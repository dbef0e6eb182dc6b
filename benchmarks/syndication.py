"""Deterministic syndication corpus generator and clustering metrics.

Builds stories (an original plus edited wire copies, one gold group per story) and
unrelated articles from the AEB ground-truth bodies, for end-to-end tests and
near-duplicate benchmarks. Run as ``python -m benchmarks.syndication --help``.
"""

import argparse
import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Hashable, Iterable
from math import comb
from pathlib import Path
from typing import NamedTuple

from benchmarks.data import AEB_GROUND_TRUTH

MIN_WORDS = 80
TITLE_WORDS = 12
MIN_COPY_JACCARD = 0.6  # copies milder than this are regenerated with gentler edits
SITE_MIN_WORDS = 300  # shorter bodies would share too large a fraction with the footer
SPLICE_WORDS = (200, 1200)  # length range of spliced documents
POOL_SENTENCE_WORDS = (6, 45)  # sentences eligible for splicing

ORIGIN_OUTLETS = (
    "daily-ledger.example",
    "morning-courier.example",
    "capital-observer.example",
    "harbor-times.example",
    "valley-gazette.example",
    "metro-chronicle.example",
)
WIRE_OUTLETS = (
    "wire-daily.example",
    "newsfeed-hub.example",
    "globalpost-wire.example",
    "regional-digest.example",
    "headline-mirror.example",
    "aggregator-now.example",
    "press-relay.example",
    "world-brief.example",
)
SITE = "citybeat-local.example"
SITE_FOOTER = (
    "Get the CityBeat Daily newsletter: the stories that matter in your neighbourhood, "
    "delivered to your inbox every weekday morning.",
    "CityBeat Local is an independent, reader-funded newsroom covering politics, culture "
    "and community life across the metro area since 2009.",
    "Have a tip or a correction? Write to our editors at tips@citybeat-local.example.",
    "© 2024 CityBeat Local Media. All rights reserved. Republication without permission "
    "is prohibited.",
)
DATELINES = (
    "(Reuters) - ",
    "LONDON (Reuters) - ",
    "WASHINGTON (AP) — ",
    "NEW YORK (AP) — ",
    "PARIS (AFP) - ",
    "BERLIN (dpa) - ",
)
TOP_LINES = (
    "Follow us on Telegram for the latest updates.",
    "Listen to this article",
    "Advertisement",
    "Sign up for our morning briefing.",
)
BOTTOM_LINES = (
    "Source link",
    "Copyright © {year} {outlet}. All rights reserved.",
    "Follow us on Telegram for the latest updates.",
    "(Reporting by staff writers; editing by the {outlet} desk)",
    "This story has been published from a wire agency feed without modifications to the text.",
)
HEADLINE_FORMS = (
    "{t}",
    "UPDATE 1-{t}",
    "{t} | {outlet}",
    "{t} - report",
    "WATCH: {t}",
    "{outlet}: {t}",
    "{t}, sources say",
)
SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "new": "fresh",
    "big": "large", "large": "big", "small": "little", "many": "numerous",
    "government": "administration", "company": "firm", "firm": "company",
    "also": "additionally", "however": "though", "about": "around", "around": "about",
    "after": "following", "help": "assist", "show": "reveal", "shows": "reveals",
    "use": "utilize", "used": "utilized", "start": "begin", "started": "began",
    "began": "started", "buy": "purchase", "bought": "purchased", "get": "obtain",
    "make": "create", "made": "created", "important": "key", "major": "significant",
    "announced": "unveiled", "percent": "per cent", "children": "kids",
    "officials": "authorities", "car": "vehicle", "country": "nation", "world": "globe",
    "quickly": "rapidly", "very": "extremely", "team": "squad", "players": "athletes",
    "home": "house", "jobs": "positions", "money": "cash", "problem": "issue",
    "problems": "issues", "because": "since", "nearly": "almost", "almost": "nearly",
    "think": "believe", "believe": "think", "wants": "seeks", "try": "attempt",
    "tried": "attempted", "need": "require", "needs": "requires",
    "often": "frequently", "recent": "latest", "people": "individuals", "job": "role",
    "biggest": "largest", "still": "yet", "later": "afterwards", "city": "town",
}

_SENT_END = re.compile(
    r"(?:(?<=[.!?…。！？])|(?<=[.!?…。！？][\"”’)」]))\s+(?=[^a-z])|(?<=[。！？])(?=[^\s\"”’)」])"
)
_TOKEN = re.compile(r"\w+")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")  # skips names and hyphenated words
_OPEN_QUOTE_AFTER = r"(^|[\s(\[{—–-])"
_STRAIGHTEN = (("“", '"'), ("”", '"'), ("„", '"'), ("‘", "'"), ("’", "'"))


class Doc(NamedTuple):
    """One generated article."""

    doc_id: str  # "s012-c00" original / "s012-c03" copy 3 of story 12, "u007" unrelated
    title: str
    text: str  # paragraphs separated by "\n"
    source: str  # made-up outlet domain
    group: str  # gold duplicate group: "s012", or doc_id for unrelated docs


class _Level(NamedTuple):
    """Edit probabilities for one intensity level of a wire copy."""

    trim: float
    swap: float
    split: float
    subs: float
    max_sub_rate: float
    quotes: float
    dateline: float
    top: float
    max_bottom: int


_LEVELS = (
    _Level(0.5, 0.4, 0.3, 0.8, 0.02, 0.5, 0.35, 0.35, 2),
    _Level(0.0, 0.0, 0.3, 0.8, 0.005, 0.5, 0.35, 0.0, 1),
    _Level(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1),
)


# --- text helpers -----------------------------------------------------------------------


def load_bodies(path: Path = AEB_GROUND_TRUTH) -> list[str]:
    """Article bodies in sorted page-id order, skipping those under MIN_WORDS words."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    bodies = (data[key]["articleBody"] for key in sorted(data))
    return [body for body in bodies if _n_words(body) >= MIN_WORDS]


def paragraphs(text: str) -> list[str]:
    """Non-empty stripped lines of a text."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def split_sentences(text: str) -> list[str]:
    """Rough sentence split on terminal punctuation."""
    return [s.strip() for s in _SENT_END.split(text) if s and s.strip()]


def make_title(paras: list[str]) -> str:
    """First sentence truncated to TITLE_WORDS words."""
    first = split_sentences(paras[0])[0] if paras else ""
    title = " ".join(first.split()[:TITLE_WORDS]).rstrip(" ,;:-–—")
    return title[:120]


def tokens(text: str) -> list[str]:
    """Lowercased \\w+ tokens."""
    return _TOKEN.findall(text.lower())


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    """Set of word k-shingles (a text shorter than k words is one shingle)."""
    words = tokens(text)
    if len(words) < k:
        return {tuple(words)} if words else set()
    return set(zip(*(words[i:] for i in range(k)), strict=False))


def jaccard(a: set, b: set) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    common = len(a & b) if len(a) < len(b) else len(b & a)
    return common / (len(a) + len(b) - common)


def _n_words(text: str) -> int:
    return len(text.split())


def _outlet_name(domain: str) -> str:
    return domain.removesuffix(".example").replace("-", " ").title()


# --- wire-copy edits --------------------------------------------------------------------


def _trim_tail(paras: list[str], rng: random.Random) -> list[str]:
    """Drop up to ~20% of paragraphs at the end, keeping >= 80% of the words."""
    total = sum(map(_n_words, paras))
    k = rng.randint(1, max(1, len(paras) // 5))
    while k > 0 and sum(map(_n_words, paras[:-k])) < 0.8 * total:
        k -= 1
    return paras[:-k] if k else paras


def _swap_paragraphs(paras: list[str], rng: random.Random) -> list[str]:
    """Swap two adjacent paragraphs."""
    if len(paras) < 2:
        return paras
    i = rng.randrange(len(paras) - 1)
    return paras[:i] + [paras[i + 1], paras[i]] + paras[i + 2 :]


def _split_paragraph(paras: list[str], rng: random.Random) -> list[str]:
    """Split one multi-sentence paragraph in two at a sentence boundary."""
    candidates = [i for i, p in enumerate(paras) if _SENT_END.search(p.rstrip())]
    if not candidates:
        return paras
    i = rng.choice(candidates)
    cut = rng.choice(list(_SENT_END.finditer(paras[i].rstrip())))
    head, tail = paras[i][: cut.start()].strip(), paras[i][cut.end() :].strip()
    return paras[:i] + [p for p in (head, tail) if p] + paras[i + 1 :]


def _synonym_sites(paras: list[str]) -> list[tuple[int, int, int]]:
    """(paragraph, start, end) of every word that has a synonym."""
    return [
        (i, m.start(), m.end())
        for i, para in enumerate(paras)
        for m in _LOWER_WORD.finditer(para)
        if m.group() in SYNONYMS
    ]


def _substitute_words(
    paras: list[str], sites: list[tuple[int, int, int]], rate: float, rng: random.Random
) -> list[str]:
    """Replace about rate * words of the candidate sites with synonyms."""
    n = min(len(sites), max(1, round(rate * sum(map(_n_words, paras)))))
    paras = list(paras)
    for i, start, end in sorted(rng.sample(sites, n), reverse=True):
        paras[i] = paras[i][:start] + SYNONYMS[paras[i][start:end]] + paras[i][end:]
    return paras


def restyle_quotes(text: str) -> str:
    """Curly quotes become straight; if there are none, straight quotes become curly."""
    if any(c in text for c in "“”‘’„"):
        for curly, straight in _STRAIGHTEN:
            text = text.replace(curly, straight)
        return text
    text = re.sub(_OPEN_QUOTE_AFTER + '"', "\\1“", text, flags=re.M).replace('"', "”")
    return re.sub(_OPEN_QUOTE_AFTER + "'", "\\1‘", text, flags=re.M).replace("'", "’")


def _reword_title(title: str, outlet: str, rng: random.Random) -> str:
    """A new headline: synonyms, maybe shortened, in a wire-style template."""
    def swap(m: re.Match) -> str:
        word = m.group()
        return SYNONYMS[word] if word in SYNONYMS and rng.random() < 0.6 else word

    words = _LOWER_WORD.sub(swap, title).split()
    if len(words) > 8 and rng.random() < 0.4:
        words = words[: rng.randint(6, len(words) - 1)]
    new = rng.choice(HEADLINE_FORMS).format(t=" ".join(words), outlet=_outlet_name(outlet))
    return new if new != title else f"UPDATE 2-{title}"


class _Story(NamedTuple):
    """An original with what its copies reuse: paragraphs, shingles, synonym sites."""

    original: Doc
    paras: list[str]
    shingles: set[tuple[str, ...]]
    sites: list[tuple[int, int, int]]


def _edit_copy(story: _Story, outlet: str, level: _Level, rng: random.Random) -> str:
    """Apply a random mix of syndication edits; returns the copy's text."""
    paras = story.paras
    if rng.random() < level.subs:
        paras = _substitute_words(paras, story.sites, rng.uniform(0.005, level.max_sub_rate), rng)
    if rng.random() < level.trim:
        paras = _trim_tail(paras, rng)
    if rng.random() < level.swap:
        paras = _swap_paragraphs(paras, rng)
    if rng.random() < level.split:
        paras = _split_paragraph(paras, rng)
    if rng.random() < level.quotes:
        paras = restyle_quotes("\n".join(paras)).split("\n")
    if paras and "(" not in paras[0][:40] and rng.random() < level.dateline:
        paras = [rng.choice(DATELINES) + paras[0]] + paras[1:]
    top = [rng.choice(TOP_LINES)] if rng.random() < level.top else []
    fields = {"outlet": _outlet_name(outlet), "year": rng.randint(2019, 2025)}
    bottom = rng.sample(BOTTOM_LINES, rng.randint(0, level.max_bottom))
    return "\n".join(top + paras + [line.format(**fields) for line in bottom])


def _wire_copy(doc_id: str, story: _Story, rng: random.Random) -> Doc:
    """One wire copy, using gentler edits if it drifts below MIN_COPY_JACCARD."""
    outlet = rng.choice(WIRE_OUTLETS)
    title = _reword_title(story.original.title, outlet, rng)
    for level in _LEVELS:
        text = _edit_copy(story, outlet, level, rng)
        if jaccard(story.shingles, shingles(text)) >= MIN_COPY_JACCARD:
            break
    return Doc(doc_id, title, text, outlet, story.original.group)


# --- corpus -----------------------------------------------------------------------------


def _sentence_pool(bodies: list[str]) -> list[str]:
    """Distinct mid-length sentences of all bodies, for splicing new documents."""
    pool = (
        s
        for body in bodies
        for para in paragraphs(body)
        for s in split_sentences(para)
        if POOL_SENTENCE_WORDS[0] <= _n_words(s) <= POOL_SENTENCE_WORDS[1]
    )
    return list(dict.fromkeys(pool))


def _spliced_paragraphs(pool: list[str], n_words: int, rng: random.Random) -> list[str]:
    """A new document of random pool sentences grouped into 1-4 sentence paragraphs."""
    paras: list[str] = []
    current: list[str] = []
    used: set[int] = set()
    size, words = rng.randint(1, 4), 0
    while words < n_words and len(used) < len(pool):
        i = rng.randrange(len(pool))
        if i in used:
            continue
        used.add(i)
        current.append(pool[i])
        words += _n_words(pool[i])
        if len(current) >= size:
            paras.append(" ".join(current))
            current, size = [], rng.randint(1, 4)
    return paras + ([" ".join(current)] if current else [])


def _source_paragraphs(
    bodies: list[str], index: int, pool: list[str], rng: random.Random, min_words: int = 0
) -> list[str]:
    """Body `index` itself, or for reuses past the end a spliced body of similar length."""
    base = bodies[index % len(bodies)]
    if index < len(bodies):
        return paragraphs(base)
    lo, hi = max(SPLICE_WORDS[0], min_words), SPLICE_WORDS[1]
    return _spliced_paragraphs(pool, min(max(_n_words(base), lo), hi), rng)


def _width(n: int, least: int) -> int:
    return max(least, len(str(max(n - 1, 0))))


def make_corpus(
    bodies: list[str], n_stories: int, copies: int = 4, n_unrelated: int = 0, seed: int = 0
) -> list[Doc]:
    """Stories (original + `copies` wire copies each) followed by unrelated articles."""
    if not bodies:
        raise ValueError("no source bodies")
    pool = _sentence_pool(bodies) if n_stories + n_unrelated > len(bodies) else []
    sw, cw, uw = _width(n_stories, 3), _width(copies + 1, 2), _width(n_unrelated, 3)
    docs: list[Doc] = []
    for s in range(n_stories):
        group = f"s{s:0{sw}d}"
        rng = random.Random(f"{seed}:{group}")
        paras = _source_paragraphs(bodies, s, pool, rng)
        source = rng.choice(ORIGIN_OUTLETS)
        original = Doc(f"{group}-c{0:0{cw}d}", make_title(paras), "\n".join(paras), source, group)
        docs.append(original)
        if copies:
            story = _Story(original, paras, shingles(original.text), _synonym_sites(paras))
            docs += [_wire_copy(f"{group}-c{c:0{cw}d}", story, rng) for c in range(1, copies + 1)]
    for u in range(n_unrelated):
        doc_id = f"u{u:0{uw}d}"
        rng = random.Random(f"{seed}:{doc_id}")
        on_site = u % 2 == 0
        paras = _source_paragraphs(bodies, n_stories + u, pool, rng, SITE_MIN_WORDS * on_site)
        title = make_title(paras)
        if on_site and sum(map(_n_words, paras)) >= SITE_MIN_WORDS:
            docs.append(Doc(doc_id, title, "\n".join(paras + list(SITE_FOOTER)), SITE, doc_id))
        else:
            docs.append(Doc(doc_id, title, "\n".join(paras), rng.choice(ORIGIN_OUTLETS), doc_id))
    return docs


def doc_url(doc: Doc) -> str:
    """The url a doc is published under."""
    return f"https://{doc.source}/{doc.doc_id}"


def write_jsonl(docs: list[Doc], path: Path) -> None:
    """One {"url", "title", "text", "source"} object per line; gzip if path ends in .gz."""
    lines = (
        json.dumps(
            {"url": doc_url(d), "title": d.title, "text": d.text, "source": d.source},
            ensure_ascii=False,
        )
        + "\n"
        for d in docs
    )
    with open(path, "wb") as raw:
        if str(path).endswith(".gz"):  # mtime=0 keeps the bytes reproducible
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write("".join(lines).encode("utf-8"))
        else:
            raw.write("".join(lines).encode("utf-8"))


def gold_groups(docs: Iterable[Doc]) -> dict[str, str]:
    """url -> gold group."""
    return {doc_url(d): d.group for d in docs}


# --- clustering metrics -----------------------------------------------------------------


def _cells(
    predicted: dict[str, Hashable], gold: dict[str, Hashable]
) -> tuple[Counter, Counter, Counter]:
    """Counts of (pred, gold) cells, predicted and gold clusters over gold's items.

    Items missing from `predicted` count as singletons.
    """
    pairs = Counter((predicted.get(item, ("<missing>", item)), g) for item, g in gold.items())
    pred_sizes: Counter = Counter()
    gold_sizes: Counter = Counter()
    for (p, g), n in pairs.items():
        pred_sizes[p] += n
        gold_sizes[g] += n
    return pairs, pred_sizes, gold_sizes


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def pairwise_scores(
    predicted: dict[str, Hashable], gold: dict[str, Hashable]
) -> tuple[float, float, float]:
    """Pair-counting precision, recall and F1 (1.0 when a denominator is 0)."""
    cells, pred_sizes, gold_sizes = _cells(predicted, gold)
    tp = sum(comb(n, 2) for n in cells.values())
    pred_pairs = sum(comb(n, 2) for n in pred_sizes.values())
    gold_pairs = sum(comb(n, 2) for n in gold_sizes.values())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / gold_pairs if gold_pairs else 1.0
    return precision, recall, _f1(precision, recall)


def bcubed_scores(
    predicted: dict[str, Hashable], gold: dict[str, Hashable]
) -> tuple[float, float, float]:
    """BCubed precision, recall (item averages) and their F1 (1.0s for no items)."""
    cells, pred_sizes, gold_sizes = _cells(predicted, gold)
    if not gold:
        return 1.0, 1.0, 1.0
    precision = sum(n * n / pred_sizes[p] for (p, _), n in cells.items()) / len(gold)
    recall = sum(n * n / gold_sizes[g] for (_, g), n in cells.items()) / len(gold)
    return precision, recall, _f1(precision, recall)


# --- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic syndication corpus.")
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--unrelated", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ground-truth", type=Path, default=AEB_GROUND_TRUTH)
    parser.add_argument("--out", type=Path, required=True, help=".jsonl or .jsonl.gz")
    args = parser.parse_args(argv)
    docs = make_corpus(
        load_bodies(args.ground_truth), args.stories, args.copies, args.unrelated, args.seed
    )
    write_jsonl(docs, args.out)
    site = sum(d.source == SITE for d in docs)
    print(
        f"wrote {len(docs)} docs to {args.out}: {args.stories} stories x "
        f"(1 + {args.copies} copies), {args.unrelated} unrelated ({site} from {SITE}), "
        f"{len({d.group for d in docs})} gold groups"
    )


if __name__ == "__main__":
    main()
