"""Scheduled runs into one output directory: joins with what is stored, stable ids,
idempotence, merges, the retention window, and a run killed mid-way."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.syndication import load_bodies, make_corpus, write_jsonl
from tests.conftest import AEB_HTML, REPO, query, read_table, run_pipeline


def runs(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "_runs").glob("*.json"))]


def by_url(out: Path) -> dict[str, dict]:
    return {a["url"]: a for a in read_table(out, "articles")}


def test_copies_join_the_stored_groups_and_stories_and_a_rerun_adds_nothing(tmp_path):
    docs = make_corpus(load_bodies(), n_stories=8, copies=2, n_unrelated=4, seed=3)
    originals = [d for d in docs if d.doc_id.endswith("c00") or d.doc_id.startswith("u")]
    copies = [d for d in docs if d not in originals]
    write_jsonl(originals, tmp_path / "originals.jsonl")
    write_jsonl(copies, tmp_path / "copies.jsonl")
    out = tmp_path / "out"

    run_pipeline(out, tmp_path / "originals.jsonl")
    first = by_url(out)
    assert len(first) == len(originals)
    clusters_after_first = query(f"select count(*) from '{out}/clusters/*.parquet'")

    run_pipeline(out, tmp_path / "copies.jsonl")
    second = by_url(out)
    assert len(second) == len(docs)
    for doc in copies:
        original = next(d for d in originals if d.group == doc.group)
        url, original_url = f"https://{doc.source}/{doc.doc_id}", f"https://{original.source}/{original.doc_id}"
        # Today's copy joins yesterday's group and story, which keep their ids.
        assert second[url]["duplicate_group_id"] == first[original_url]["duplicate_group_id"]
        assert second[url]["story_id"] == first[original_url]["story_id"]
    assert {u: a["duplicate_group_id"] for u, a in second.items() if u in first} == {
        u: a["duplicate_group_id"] for u, a in first.items()
    }
    summary = runs(out)[-1]
    assert summary["articles"] == len(copies)
    assert summary["joined_groups"] == 8 and summary["new_groups"] == 0
    assert summary["merges"] == 0
    clusters = query(f"select count(*), sum(size) from '{out}/clusters/*.parquet'")
    assert clusters == [(clusters_after_first[0][0], len(docs))]

    run_pipeline(out, tmp_path / "copies.jsonl")
    assert by_url(out) == second
    summary = runs(out)[-1]
    assert (summary["articles"], summary["rejects"], summary["already_stored"]) == (
        0, 0, len(copies)
    )
    assert query(f"select count(*) from read_parquet('{out}/articles/**/*.parquet')") == [
        (len(docs),)
    ]


def paragraphs(n: int) -> list[str]:
    body = load_bodies()[20]
    words = body.split()
    return [" ".join(words[i * 25 : (i + 1) * 25]) for i in range(n)]


def test_a_bridging_article_merges_two_known_groups_and_records_it(tmp_path):
    p = paragraphs(9)
    record = lambda key, part: {  # noqa: E731
        "url": f"https://site.example/{key}", "title": key, "text": "\n".join(part)}
    (tmp_path / "one.jsonl").write_text(
        json.dumps(record("a", p[0:6])) + "\n" + json.dumps(record("b", p[3:9])) + "\n"
    )
    (tmp_path / "two.jsonl").write_text(json.dumps(record("c", p[1:8])) + "\n")
    out = tmp_path / "out"
    run_pipeline(out, tmp_path / "one.jsonl")
    before = by_url(out)
    group_a = before["https://site.example/a"]["duplicate_group_id"]
    group_b = before["https://site.example/b"]["duplicate_group_id"]
    assert group_a != group_b

    run_pipeline(out, tmp_path / "two.jsonl")
    merged = min(group_a, group_b)
    assert by_url(out)["https://site.example/c"]["duplicate_group_id"] == merged
    merges = query(
        f"select kind, old_id, new_id from read_parquet('{out}/merges/**/*.parquet') "
        "where kind = 'duplicate_group'"
    )
    assert merges == [("duplicate_group", max(group_a, group_b), merged)]
    (members,) = query(
        f"select list_sort(article_ids) from '{out}/clusters/*.parquet' where size = 3"
    )
    assert len(members[0]) == 3
    assert runs(out)[-1]["merges"] >= 1


def test_articles_outside_the_retention_window_start_new_groups(tmp_path):
    body = load_bodies()[30]
    old = {"url": "https://site.example/old", "title": "Old", "text": body,
           "published": "2020-01-01T00:00:00Z"}
    new = {"url": "https://site.example/new", "title": "New", "text": body + "\nUpdated."}
    (tmp_path / "old.jsonl").write_text(json.dumps(old) + "\n")
    (tmp_path / "new.jsonl").write_text(json.dumps(new) + "\n")
    out = tmp_path / "out"
    run_pipeline(out, tmp_path / "old.jsonl")
    run_pipeline(out, tmp_path / "new.jsonl")
    articles = by_url(out)
    assert articles["https://site.example/new"]["duplicate_group_id"] != (
        articles["https://site.example/old"]["duplicate_group_id"]
    )
    out2 = tmp_path / "out2"
    run_pipeline(out2, tmp_path / "old.jsonl")
    run_pipeline(out2, tmp_path / "new.jsonl", extra=("--retention_days", "100000"))
    articles = by_url(out2)
    assert articles["https://site.example/new"]["duplicate_group_id"] == (
        articles["https://site.example/old"]["duplicate_group_id"]
    )


def test_a_run_killed_mid_way_leaves_the_previous_state_readable(tmp_path):
    out = run_pipeline(tmp_path / "out", REPO / "seeds")
    articles_before = read_table(out, "articles")
    clusters_before = read_table(out, "clusters")

    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--input", str(AEB_HTML), "--output", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any((out / "_staging").rglob("*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any((out / "_staging").rglob("*")), "the run never started writing"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    assert read_table(out, "articles") == articles_before
    assert read_table(out, "clusters") == clusters_before
    assert query(f"select count(*) from read_parquet('{out}/articles/**/*.parquet')") == [(5,)]
    # The next run cleans up after the killed one and completes.
    run_pipeline(out, REPO / "seeds")
    assert not (out / "_staging").exists()
    assert read_table(out, "articles") == articles_before
