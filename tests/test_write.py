"""Tests for transforms.write: staging with WriteTables, commit_run moving a run's files
into place, and recover removing what an interrupted run left behind."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import transforms.write as write_module
from schemas.tables import APPENDED, REPLACED, TABLES
from transforms.write import (
    RUNS,
    STAGING,
    WriteTables,
    commit_run,
    committed_runs,
    files_under,
    recover,
    replaced_file,
    row_count,
    staging_dir,
)

RUN_1 = "20261122T081500000001Z"
RUN_2 = "20261123T194415394755Z"
RUN_3 = "20261124T060000123456Z"
DATE_1, DATE_2 = "2026-11-22", "2026-11-23"
SHARD = "-00000-of-00001.parquet"


def when(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def article(article_id: str, run_id: str, day: int) -> dict:
    return {
        "article_id": article_id,
        "source_uri": f"in/{article_id}.txt",
        "url": f"https://news.example/{article_id}",
        "source": "news.example",
        "title": f"Title {article_id}",
        "text": "some words of text",
        "published": when(day - 1),
        "language": "en",
        "author": None,
        "word_count": 4,
        "boilerplate_lines": 0,
        "duplicate_group_id": article_id,
        "story_id": article_id,
        "is_representative": True,
        "ingested": when(day, 8),
        "run_id": run_id,
    }


def reject(source_uri: str, run_id: str, day: int) -> dict:
    return {
        "source_uri": source_uri,
        "stage": "extract",
        "error": "no text",
        "ingested": when(day, 8),
        "run_id": run_id,
    }


def cluster(story_id: str, *article_ids: str) -> dict:
    return {
        "story_id": story_id,
        "title": f"Title {story_id}",
        "size": len(article_ids),
        "duplicate_groups": len(article_ids),
        "article_ids": list(article_ids),
        "sources": ["news.example"],
        "first_published": when(21),
        "last_published": when(22),
        "terms": ["title", story_id],
    }


def index_row(article_id: str, run_id: str, day: int) -> dict:
    return {
        "article_id": article_id,
        "url": f"https://news.example/{article_id}",
        "source": "news.example",
        "title": f"Title {article_id}",
        "published": when(day - 1),
        "ingested": when(day, 8),
        "run_id": run_id,
        "word_count": 4,
        "text_signature": b"\x01\x02",
        "story_signature": b"\x03",
        "story_terms": ["title", article_id],
        "story_weights": [0.5, 0.75],
        "duplicate_group_id": article_id,
        "story_id": article_id,
    }


def write(path: Path, table: str, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=TABLES[table]), path)
    return path


def stage(out: Path, run_id: str, table: str, date: str, rows: list[dict], shard=SHARD) -> Path:
    """A file as WriteTables stages it for an appended table."""
    name = f"{run_id}{shard}"
    return write(out / STAGING / run_id / table / f"ingest_date={date}" / name, table, rows)


def stage_replaced(out: Path, run_id: str, clusters: list[dict], index: list[dict]) -> None:
    write(out / STAGING / run_id / "clusters" / "clusters.parquet", "clusters", clusters)
    write(out / STAGING / run_id / "_index" / "index.parquet", "_index", index)


def read(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def read_dataset(directory: Path) -> list[dict]:
    return ds.dataset(directory, format="parquet", partitioning="hive").to_table().to_pylist()


def tree(out: Path) -> set[str]:
    return {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}


def summary(run_id: str, articles: int) -> dict:
    return {"run_id": run_id, "articles": articles, "rejects": 1, "merges": 0}


def first_run(out: Path) -> None:
    """Run 1 staged and committed: 2 articles, 1 reject, no merges."""
    stage(out, RUN_1, "articles", DATE_1, [article("a1", RUN_1, 22), article("a2", RUN_1, 22)])
    stage(out, RUN_1, "rejects", DATE_1, [reject("in/r1", RUN_1, 22)])
    stage(out, RUN_1, "merges", DATE_1, [])
    stage_replaced(
        out,
        RUN_1,
        [cluster("a1", "a1"), cluster("a2", "a2")],
        [index_row("a1", RUN_1, 22), index_row("a2", RUN_1, 22)],
    )
    commit_run(str(out), RUN_1, summary(RUN_1, 2))


# --- small helpers -------------------------------------------------------------------------


def test_paths():
    assert staging_dir("/out", RUN_2) == f"/out/_staging/{RUN_2}"
    assert replaced_file("/out", "clusters") == "/out/clusters/clusters.parquet"
    assert replaced_file("/out", "_index") == "/out/_index/index.parquet"


def test_files_under_is_recursive_and_empty_for_a_missing_directory(tmp_path):
    assert files_under(str(tmp_path / "missing")) == []
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "a" / "b" / "y.txt").write_text("y")
    assert sorted(files_under(str(tmp_path / "a"))) == [
        str(tmp_path / "a" / "b" / "y.txt"),
        str(tmp_path / "a" / "x.txt"),
    ]


def test_row_count(tmp_path):
    rows = [article("a1", RUN_1, 22), article("a2", RUN_1, 22)]
    assert row_count(str(write(tmp_path / "two.parquet", "articles", rows))) == 2
    assert row_count(str(write(tmp_path / "none.parquet", "articles", []))) == 0


def test_committed_runs(tmp_path):
    assert committed_runs(str(tmp_path)) == set()
    (tmp_path / RUNS).mkdir()
    for run_id in (RUN_1, RUN_2):
        (tmp_path / RUNS / f"{run_id}.json").write_text("{}")
    assert committed_runs(str(tmp_path)) == {RUN_1, RUN_2}


# --- commit_run ----------------------------------------------------------------------------


def test_commit_first_run_moves_every_staged_file_into_place(tmp_path):
    out = tmp_path / "out"
    first_run(out)
    assert tree(out) == {
        f"articles/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"rejects/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        # empty, but the first file of the table: moved, so that the table can be read
        f"merges/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        "clusters/clusters.parquet",
        "_index/index.parquet",
        f"_runs/{RUN_1}.json",
    }
    assert not (out / STAGING).exists()
    assert read(out / "articles" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}") == [
        article("a1", RUN_1, 22),
        article("a2", RUN_1, 22),
    ]
    assert read(out / "rejects" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}") == [
        reject("in/r1", RUN_1, 22)
    ]
    merges = pq.read_table(out / "merges" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}")
    assert (merges.num_rows, merges.schema) == (0, TABLES["merges"])
    assert read(out / "clusters" / "clusters.parquet") == [cluster("a1", "a1"), cluster("a2", "a2")]
    assert [r["article_id"] for r in read(out / "_index" / "index.parquet")] == ["a1", "a2"]
    text = (out / RUNS / f"{RUN_1}.json").read_text()
    assert json.loads(text) == summary(RUN_1, 2)
    assert text == json.dumps(summary(RUN_1, 2), indent=2, sort_keys=True)


def test_commit_second_run_adds_files_replaces_the_single_files_and_drops_empty_ones(tmp_path):
    out = tmp_path / "out"
    first_run(out)
    stage(out, RUN_2, "articles", DATE_2, [article("a3", RUN_2, 23)])
    stage(out, RUN_2, "rejects", DATE_2, [])  # nothing new: dropped, the table has a file
    merge = {"kind": "story", "old_id": "a2", "new_id": "a1", "ingested": when(23, 8),
             "run_id": RUN_2}
    stage(out, RUN_2, "merges", DATE_2, [merge])
    stage_replaced(
        out,
        RUN_2,
        [cluster("a1", "a1", "a2", "a3")],
        [index_row(a, RUN_1, 22) for a in ("a1", "a2")] + [index_row("a3", RUN_2, 23)],
    )
    commit_run(str(out), RUN_2, summary(RUN_2, 1))
    assert tree(out) == {
        f"articles/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"articles/ingest_date={DATE_2}/{RUN_2}{SHARD}",
        f"rejects/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"merges/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"merges/ingest_date={DATE_2}/{RUN_2}{SHARD}",
        "clusters/clusters.parquet",
        "_index/index.parquet",
        f"_runs/{RUN_1}.json",
        f"_runs/{RUN_2}.json",
    }
    assert not (out / STAGING).exists()
    assert read(out / "articles" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}") == [
        article("a1", RUN_1, 22),
        article("a2", RUN_1, 22),
    ]
    assert read(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}") == [
        article("a3", RUN_2, 23)
    ]
    assert read(out / "merges" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}") == [merge]
    assert read(out / "clusters" / "clusters.parquet") == [cluster("a1", "a1", "a2", "a3")]
    assert [(r["article_id"], r["run_id"]) for r in read(out / "_index" / "index.parquet")] == [
        ("a1", RUN_1),
        ("a2", RUN_1),
        ("a3", RUN_2),
    ]
    assert json.loads((out / RUNS / f"{RUN_1}.json").read_text()) == summary(RUN_1, 2)
    assert json.loads((out / RUNS / f"{RUN_2}.json").read_text()) == summary(RUN_2, 1)


def test_commit_moves_an_empty_file_of_a_table_that_has_none_yet(tmp_path):
    out = tmp_path / "out"
    # Run 1 staged no merges file at all (as if the table did not exist then).
    stage(out, RUN_1, "articles", DATE_1, [article("a1", RUN_1, 22)])
    stage(out, RUN_1, "rejects", DATE_1, [])
    stage_replaced(out, RUN_1, [cluster("a1", "a1")], [index_row("a1", RUN_1, 22)])
    commit_run(str(out), RUN_1, summary(RUN_1, 1))
    assert not (out / "merges").exists()
    assert (out / "rejects" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}").exists()

    stage(out, RUN_2, "articles", DATE_2, [])
    stage(out, RUN_2, "rejects", DATE_2, [])
    stage(out, RUN_2, "merges", DATE_2, [])
    stage_replaced(out, RUN_2, [cluster("a1", "a1")], [index_row("a1", RUN_1, 22)])
    commit_run(str(out), RUN_2, summary(RUN_2, 0))
    appended = {p for p in tree(out) if p.split("/")[0] in APPENDED}
    assert appended == {
        f"articles/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"rejects/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"merges/ingest_date={DATE_2}/{RUN_2}{SHARD}",  # the table's first file
    }
    assert not (out / STAGING).exists()


def test_commit_first_run_with_two_empty_shards_moves_one(tmp_path):
    out = tmp_path / "out"
    for shard in ("-00000-of-00002.parquet", "-00001-of-00002.parquet"):
        stage(out, RUN_1, "articles", DATE_1, [], shard=shard)
    stage_replaced(out, RUN_1, [], [])
    commit_run(str(out), RUN_1, summary(RUN_1, 0))
    moved = [p for p in tree(out) if p.startswith("articles/")]
    assert len(moved) == 1
    assert re.fullmatch(rf"articles/ingest_date={DATE_1}/{RUN_1}-0000[01]-of-00002\.parquet",
                        moved[0])
    assert read(out / "clusters" / "clusters.parquet") == []
    assert read(out / "_index" / "index.parquet") == []


# --- recover -------------------------------------------------------------------------------


def test_recover_removes_uncommitted_runs_files_and_the_staging_directory(tmp_path):
    out = tmp_path / "out"
    first_run(out)  # committed: its summary is in _runs
    # RUN_2: its summary was never written, but the index holds its articles (the commit
    # stopped after replacing the index): committed.
    run_2_article = stage(out, RUN_2, "articles", DATE_2, [article("a3", RUN_2, 23)])
    kept_2 = out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}"
    kept_2.parent.mkdir(parents=True)
    run_2_article.rename(kept_2)
    # RUN_3: killed mid-commit: some files moved, the rest still staged.
    removed_3 = [
        write(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_3}-00000-of-00002.parquet",
              "articles", [article("a4", RUN_3, 24)]),
        write(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_3}-00001-of-00002.parquet",
              "articles", []),
        write(out / "rejects" / "ingest_date=2026-11-24" / f"{RUN_3}{SHARD}",
              "rejects", [reject("in/r3", RUN_3, 24)]),
    ]
    stage(out, RUN_3, "merges", "2026-11-24", [])
    stage_replaced(out, RUN_3, [], [])
    before = tree(out)

    removed = recover(str(out), {RUN_1, RUN_2})

    assert sorted(removed) == sorted([str(p) for p in removed_3] + [str(out / STAGING)])
    assert tree(out) == {
        p for p in before if not p.startswith(f"{STAGING}/") and RUN_3 not in p
    }
    assert tree(out) == {
        f"articles/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"articles/ingest_date={DATE_2}/{RUN_2}{SHARD}",
        f"rejects/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        f"merges/ingest_date={DATE_1}/{RUN_1}{SHARD}",
        "clusters/clusters.parquet",
        "_index/index.parquet",
        f"_runs/{RUN_1}.json",
    }
    assert recover(str(out), {RUN_1, RUN_2}) == []  # nothing left to remove


def test_recover_without_the_stored_run_ids_removes_a_run_with_no_summary(tmp_path):
    out = tmp_path / "out"
    first_run(out)
    orphan = write(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}", "articles",
                   [article("a3", RUN_2, 23)])
    assert recover(str(out), set()) == [str(orphan)]
    assert not orphan.exists()
    assert (out / "articles" / f"ingest_date={DATE_1}" / f"{RUN_1}{SHARD}").exists()


def test_recover_keeps_runs_committed_by_summary_only(tmp_path):
    out = tmp_path / "out"
    first_run(out)
    assert recover(str(out), set()) == []
    assert len(tree(out)) == 6


def test_recover_of_an_empty_or_missing_output(tmp_path):
    assert recover(str(tmp_path / "missing"), set()) == []
    assert recover(str(tmp_path), set()) == []


# --- WriteTables in a pipeline, then commit_run --------------------------------------------


def test_write_tables_stages_every_table_then_commit_moves_them(tmp_path):
    out = tmp_path / "out"
    staging = staging_dir(str(out), RUN_2)
    rows = {
        "articles": [article("a1", RUN_2, 23), article("a2", RUN_2, 23)],
        "rejects": [reject("in/r1", RUN_2, 23)],
        "merges": [],
        "clusters": [cluster("a1", "a1", "a2")],
        "_index": [index_row("a1", RUN_2, 23), index_row("a2", RUN_2, 23)],
        "_feeds": [{"feed_url": "http://h/feed.xml", "etag": '"e1"', "last_modified": None}],
    }
    assert set(rows) == set(TABLES)
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        tables = {
            name: pipeline | f"Create{name}" >> beam.Create(values, reshuffle=False)
            for name, values in rows.items()
        }
        written = tables | WriteTables(staging, RUN_2, DATE_2)
        assert set(written) == set(TABLES)

    staged = {str(Path(p).relative_to(staging)) for p in files_under(staging)}
    shards = {name: [p for p in staged if p.startswith(f"{name}/")] for name in TABLES}
    for name in APPENDED:
        assert shards[name], name
        for path in shards[name]:
            assert re.fullmatch(
                rf"{name}/ingest_date={DATE_2}/{RUN_2}-\d{{5}}-of-\d{{5}}\.parquet", path
            ), path
    for name in REPLACED:
        assert shards[name] == [f"{name}/{name.strip('_')}.parquet"]
    for name, values in rows.items():
        table = pa.concat_tables(
            [pq.read_table(Path(staging) / path) for path in sorted(shards[name])]
        )
        assert table.schema.equals(TABLES[name], check_metadata=False), name
        assert sorted(table.to_pylist(), key=str) == sorted(values, key=str), name

    commit_run(str(out), RUN_2, summary(RUN_2, 2))
    assert not (out / STAGING).exists()
    assert read(out / "clusters" / "clusters.parquet") == rows["clusters"]
    assert sorted(r["article_id"] for r in read(out / "_index" / "index.parquet")) == ["a1", "a2"]
    for name in APPENDED:
        files = sorted((out / name).rglob("*.parquet"))
        assert files and all(f.parent.name == f"ingest_date={DATE_2}" for f in files), name
        assert sum(pq.read_metadata(f).num_rows for f in files) == len(rows[name]), name


# --- a commit killed between its renames ---------------------------------------------------


def stage_second_run(out: Path) -> None:
    stage(out, RUN_2, "articles", DATE_2, [article("a3", RUN_2, 23)])
    stage(out, RUN_2, "rejects", DATE_2, [])
    stage(out, RUN_2, "merges", DATE_2, [])
    stage_replaced(
        out,
        RUN_2,
        [cluster("a1", "a1", "a3"), cluster("a2", "a2")],
        [index_row(a, RUN_1, 22) for a in ("a1", "a2")] + [index_row("a3", RUN_2, 23)],
    )


def kill_before(monkeypatch, target: str) -> None:
    """Make commit_run die when it is about to move a file onto `target`."""
    move = write_module._move

    def dying_move(source: str, destination: str) -> None:
        if destination.endswith(target):
            raise KeyboardInterrupt(f"killed before {target}")
        move(source, destination)

    monkeypatch.setattr(write_module, "_move", dying_move)


def stored_run_ids(out: Path) -> set[str]:
    return {row["run_id"] for row in read(out / "_index" / "index.parquet")}


def test_commit_killed_before_the_index_is_undone_by_recover(tmp_path, monkeypatch):
    out = tmp_path / "out"
    first_run(out)
    before = {path: (out / path).read_bytes() for path in tree(out)}
    stage_second_run(out)
    kill_before(monkeypatch, "index.parquet")
    with pytest.raises(KeyboardInterrupt):
        commit_run(str(out), RUN_2, summary(RUN_2, 1))
    monkeypatch.undo()
    assert f"articles/ingest_date={DATE_2}/{RUN_2}{SHARD}" in tree(out)  # moved already
    removed = recover(str(out), stored_run_ids(out))
    assert str(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}") in removed
    assert {path: (out / path).read_bytes() for path in tree(out)} == before
    articles = {row["article_id"] for row in read_dataset(out / "articles")}
    indexed = {row["article_id"] for row in read(out / "_index" / "index.parquet")}
    clustered = {a for row in read(out / "clusters" / "clusters.parquet")
                 for a in row["article_ids"]}
    assert articles == indexed == clustered == {"a1", "a2"}


def test_commit_killed_between_the_index_and_the_clusters_is_finished_by_recover(
    tmp_path, monkeypatch
):
    out = tmp_path / "out"
    first_run(out)
    stage_second_run(out)
    kill_before(monkeypatch, "clusters.parquet")
    with pytest.raises(KeyboardInterrupt):
        commit_run(str(out), RUN_2, summary(RUN_2, 1))
    monkeypatch.undo()
    assert stored_run_ids(out) == {RUN_1, RUN_2}  # the index says run 2 is stored
    assert recover(str(out), stored_run_ids(out)) == [str(out / STAGING)]
    articles = {row["article_id"] for row in read_dataset(out / "articles")}
    indexed = {row["article_id"] for row in read(out / "_index" / "index.parquet")}
    clustered = {a for row in read(out / "clusters" / "clusters.parquet")
                 for a in row["article_ids"]}
    assert articles == indexed == clustered == {"a1", "a2", "a3"}


def test_commit_killed_after_the_index_keeps_the_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    first_run(out)
    stage_second_run(out)

    def no_summary(path, *args, **kwargs):
        raise KeyboardInterrupt("killed before the summary")

    monkeypatch.setattr(write_module.FileSystems, "create", no_summary)
    with pytest.raises(KeyboardInterrupt):
        commit_run(str(out), RUN_2, summary(RUN_2, 1))
    monkeypatch.undo()
    assert stored_run_ids(out) == {RUN_1, RUN_2}  # the index says run 2 is stored
    assert recover(str(out), stored_run_ids(out)) == [str(out / STAGING)]
    assert read(out / "articles" / f"ingest_date={DATE_2}" / f"{RUN_2}{SHARD}") == [
        article("a3", RUN_2, 23)
    ]
    assert read(out / "clusters" / "clusters.parquet") == [
        cluster("a1", "a1", "a3"),
        cluster("a2", "a2"),
    ]
