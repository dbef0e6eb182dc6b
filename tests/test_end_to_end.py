"""The CLI on real inputs, read back with pyarrow and DuckDB."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AEB_HTML, SEEDS, query, read_table, run_cli, run_pipeline

GONE_FROM_SEEDS = [
    "JOIN US ON TELEGRAM",
    "Follow our coverage of the war on the @Kyivpost_official.",
    "Polish General Sacked After Missing Anti-Tank Mines Found in IKEA Railway Wagon",
    "You can also highlight the text and press Ctrl + Enter",
    "Source link",
    "Related Posts",
    "FBI Director Christopher Wray reveals reasons for resignation",
    "1/12: CBS News for the weekend",
    "Leave a Reply",
    "Your email address will not be published",
]
KEPT_SUBHEADINGS = [
    "Trump announces plans to meet with Putin",
    "Zelensky offers Ukrainian firefighters to aid wildfire-ravaged Los Angeles",
]


def test_seeds_are_one_story_of_five_distinct_texts(seeds_output):
    articles = read_table(seeds_output, "articles")
    assert len(articles) == 5
    assert len({a["story_id"] for a in articles}) == 1
    assert len({a["duplicate_group_id"] for a in articles}) == 5
    assert all(a["is_representative"] for a in articles)
    clusters = read_table(seeds_output, "clusters")
    assert len(clusters) == 1
    assert clusters[0]["size"] == 5
    assert sorted(clusters[0]["article_ids"]) == sorted(a["article_id"] for a in articles)
    assert read_table(seeds_output, "rejects") == []


def test_seed_boilerplate_is_gone_and_subheadings_stay(seeds_output):
    articles = read_table(seeds_output, "articles")
    everything = "\n".join(a["title"] + "\n" + a["text"] for a in articles)
    for line in GONE_FROM_SEEDS:
        assert line not in everything
    for heading in KEPT_SUBHEADINGS:
        assert heading in everything.splitlines()
    assert sum(a["boilerplate_lines"] for a in articles) == 12


def test_seed_titles_and_dates(seeds_output):
    by_file = {Path(a["source_uri"]).name[:3]: a for a in read_table(seeds_output, "articles")}
    assert by_file["004"]["title"] == "Ukraine captures 2 North Korean soldiers in Russia"
    assert by_file["004"]["published"].isoformat() == "2025-01-12T00:00:00+00:00"
    assert by_file["000"]["published"] is None
    assert not by_file["001"]["text"].startswith(by_file["001"]["title"])


def test_duckdb_reads_the_contract(seeds_output):
    out = seeds_output
    (count, stories, groups), = query(
        f"select count(*), count(distinct story_id), count(distinct duplicate_group_id) "
        f"from read_parquet('{out}/articles/**/*.parquet')"
    )
    assert (count, stories, groups) == (5, 1, 5)
    (size, n_ids, first), = query(
        f"select size, len(article_ids), first_published "
        f"from read_parquet('{out}/clusters/*.parquet')"
    )
    assert (size, n_ids, str(first)[:10]) == (5, 5, "2025-01-12")
    columns = {row[0] for row in query(f"describe select * from '{out}/articles/**/*.parquet'")}
    assert {"article_id", "source_uri", "url", "source", "title", "text", "published",
            "language", "word_count", "duplicate_group_id", "story_id",
            "is_representative"} <= columns
    assert query(f"select count(*) from read_parquet('{out}/rejects/**/*.parquet')") == [(0,)]


def test_summary_lists_the_story(seeds_output):
    printed = run_cli("summary", "--output", str(seeds_output)).stdout
    assert "articles: 5   duplicate groups: 5   stories: 1   rejects: 0" in printed
    assert "   5 articles     5 groups" in printed


def write_mixed_inputs(root: Path) -> dict[str, tuple[str, str]]:
    """Good and bad inputs side by side; returns the expected rejects: uri -> (stage, reason)."""
    (root / "nested").mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (root / seed.name).write_bytes(seed.read_bytes())
    page = next(iter(sorted(AEB_HTML.glob("*.html.gz"))))
    (root / "nested" / "page.html.gz").write_bytes(page.read_bytes())
    latin1 = "Café owners protest\nLe café était très animé."
    (root / "latin1.txt").write_bytes(latin1.encode("cp1252"))
    (root / "empty.txt").write_bytes(b"")
    (root / "noise.txt").write_bytes(bytes(range(256)) * 4)
    (root / "report.pdf").write_bytes(b"%PDF-1.4 not for us")
    (root / "title-only.txt").write_text("Just a title\n")
    (root / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (root / "boilerplate.txt").write_text("A title\nSource link\nLeave a Reply\n")
    lines = [
        json.dumps({"url": "https://a.example/1", "title": "One", "text": "Body one here."}),
        "{not json",
        json.dumps({"url": "https://a.example/2", "title": "No body"}),
        json.dumps(["a", "list"]),
        json.dumps({"url": "https://a.example/1", "title": "Again", "text": "Same URL again."}),
        json.dumps({"url": "https://a.example/3", "title": "Page",
                    "html": gzip.decompress(page.read_bytes()).decode("utf-8", "replace")}),
    ]
    (root / "records.jsonl").write_text("\n".join(lines) + "\n")
    jsonl = str(root / "records.jsonl")
    return {
        str(root / "empty.txt"): ("read", "empty file"),
        str(root / "noise.txt"): ("read", "binary content, not text"),
        str(root / "report.pdf"): ("read", "unsupported file type: 'report.pdf'"),
        str(root / "title-only.txt"): ("extract", "no article text after the title line"),
        str(root / "nav.html"): ("extract", "no article text found in page"),
        str(root / "boilerplate.txt"): ("clean", "no text left after removing boilerplate"),
        jsonl + "#L2": ("extract", "line is not valid JSON"),
        jsonl + "#L3": ("extract", "record has no text or html"),
        jsonl + "#L4": ("extract", "line is JSON but not an object"),
        jsonl + "#L5": ("extract", f"same URL as {jsonl}#L1"),
        str(root / "missing" / "*.txt"): ("read", "no file matches"),
    }


def test_bad_inputs_end_in_rejects_and_the_rest_goes_on(tmp_path):
    inputs = tmp_path / "in"
    expected = write_mixed_inputs(inputs)
    out = run_pipeline(tmp_path / "out", inputs, inputs / "missing" / "*.txt")
    rejects = {r["source_uri"]: (r["stage"], r["error"]) for r in read_table(out, "rejects")}
    assert rejects.keys() == expected.keys()
    for uri, (stage, reason) in expected.items():
        assert rejects[uri][0] == stage, uri
        assert rejects[uri][1].startswith(reason), rejects[uri]
    articles = {Path(a["source_uri"]).name: a for a in read_table(out, "articles")}
    assert sorted(articles) == sorted(
        [p.name for p in sorted(SEEDS.glob("*.txt"))[:2]]
        + ["page.html.gz", "latin1.txt", "records.jsonl#L1", "records.jsonl#L6"]
    )
    assert articles["latin1.txt"]["title"] == "Café owners protest"
    assert articles["records.jsonl#L6"]["url"] == "https://a.example/3"
    assert articles["records.jsonl#L6"]["text"] == articles["page.html.gz"]["text"]
    # Every input record is in exactly one of the two tables.
    assert len(articles) + len(rejects) == 6 + len(expected)


def test_rerun_of_the_same_input_adds_nothing(tmp_path):
    out = run_pipeline(tmp_path / "out", SEEDS)
    first = read_table(out, "articles")
    one_seed = sorted(SEEDS.glob("*.txt"))[0]
    run_pipeline(out, one_seed)
    run_pipeline(out, SEEDS)
    assert read_table(out, "articles") == first
    assert len(read_table(out, "clusters")) == 1


@pytest.mark.slow
def test_extraction_benchmark_pages_stay_out_of_the_seed_story(tmp_path):
    out = run_pipeline(tmp_path / "out", SEEDS, AEB_HTML)
    articles = read_table(out, "articles")
    assert len(articles) == 186
    seed_ids = {a["article_id"] for a in articles if a["source_uri"].startswith(str(SEEDS))}
    assert len(seed_ids) == 5
    seed_story = {a["story_id"] for a in articles if a["article_id"] in seed_ids}
    assert len(seed_story) == 1
    members = {a["article_id"] for a in articles if a["story_id"] in seed_story}
    assert members == seed_ids
    assert len({a["duplicate_group_id"] for a in articles}) == 186


def test_syndicated_copies_form_duplicate_groups(tmp_path):
    """Wire copies (new headline, boilerplate, trimmed tail, swapped paragraphs, restyled
    quotes, changed words) group together; unrelated articles sharing a footer do not."""
    from benchmarks.syndication import (
        bcubed_scores,
        gold_groups,
        load_bodies,
        make_corpus,
        pairwise_scores,
        write_jsonl,
    )

    docs = make_corpus(load_bodies(), n_stories=60, copies=4, n_unrelated=80, seed=7)
    write_jsonl(docs, tmp_path / "corpus.jsonl")
    out = run_pipeline(tmp_path / "out", tmp_path / "corpus.jsonl")
    articles = read_table(out, "articles")
    assert len(articles) == len(docs)
    predicted = {a["url"]: a["duplicate_group_id"] for a in articles}
    gold = gold_groups(docs)
    pairwise = pairwise_scores(predicted, gold)
    bcubed = bcubed_scores(predicted, gold)
    assert pairwise[2] >= 0.97, pairwise
    assert bcubed[2] >= 0.97, bcubed
    # Copies of one text are one story.
    stories = {a["url"]: a["story_id"] for a in articles}
    for url, group in gold.items():
        same = [other for other, g in gold.items() if g == group]
        assert len({stories[u] for u in same}) == 1, url


def test_console_script_and_beam_options_pass_through(tmp_path, seeds_output):
    """`news-pipeline` is the same CLI; options it does not know go to Beam unchanged."""
    script = Path(sys.executable).parent / "news-pipeline"
    out = tmp_path / "out"
    result = subprocess.run(
        [str(script), "run", "--input", str(SEEDS), "--output", str(out),
         "--direct_num_workers", "2", "--direct_running_mode", "multi_processing"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    def ids(output: Path) -> set[tuple]:
        return {(a["article_id"], a["duplicate_group_id"], a["story_id"])
                for a in read_table(output, "articles")}

    assert ids(out) == ids(seeds_output)


def test_a_sites_footer_and_prompt_are_learned_and_removed(tmp_path):
    """Lines no rule knows, repeated on every article of one site, leave its texts."""
    from benchmarks.syndication import load_bodies

    footer = "CityBeat has covered the riverside neighbourhoods since 1998 with reader support."
    prompt = "Got a story we should chase? Write to the newsroom at tips@citybeat.example"
    bodies = load_bodies()[:6]
    records = [
        {"url": f"https://citybeat.example/{i}", "title": f"Story {i}", "source": "CityBeat",
         "text": f"{body}\n{footer}\n{prompt}"}
        for i, body in enumerate(bodies[:5])
    ] + [{"url": "https://gazette.example/1", "title": "Elsewhere", "source": "Gazette",
          "text": f"{bodies[5]}\n{footer}"}]
    corpus = tmp_path / "site.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = run_pipeline(tmp_path / "out", corpus)
    articles = {a["url"]: a for a in read_table(out, "articles")}
    for i in range(5):
        text = articles[f"https://citybeat.example/{i}"]["text"]
        assert footer not in text and prompt not in text
        assert text.split("\n")[0] == bodies[i].split("\n")[0]
    assert articles["https://gazette.example/1"]["text"].endswith(footer)  # one article only
