"""The same input on the in-process DirectRunner engine, the multi-process one, and
through Beam's portable job API (job service + SDK worker pool in other processes):
identical articles, duplicate groups and stories."""

import pytest

from benchmarks.syndication import load_bodies, make_corpus, write_jsonl
from runners.portable import LocalPortableServices
from runners.presets import expand_preset
from tests.conftest import SEEDS, read_table, run_pipeline


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("runners")
    docs = make_corpus(load_bodies(), n_stories=12, copies=3, n_unrelated=12, seed=11)
    write_jsonl(docs, root / "corpus.jsonl")
    return root


def outcome(out) -> set[tuple]:
    return {(a["article_id"], a["duplicate_group_id"], a["story_id"])
            for a in read_table(out, "articles")}


@pytest.fixture(scope="module")
def direct(corpus):
    out = run_pipeline(corpus / "direct", corpus / "corpus.jsonl", SEEDS,
                       extra=("--preset", "direct"))
    result = outcome(out)
    assert len(result) == 12 * 4 + 12 + 5
    assert len({group for _, group, _ in result}) == 12 + 12 + 5  # every copy joined
    return result


def test_multi_process_direct_runner_gives_the_same_result(corpus, direct):
    out = run_pipeline(corpus / "multi", corpus / "corpus.jsonl", SEEDS,
                       extra=("--preset", "direct-multiprocess", "--direct_num_workers", "2"))
    assert outcome(out) == direct


def test_portable_runner_gives_the_same_result(corpus, direct):
    with LocalPortableServices() as services:
        out = run_pipeline(corpus / "portable", corpus / "corpus.jsonl", SEEDS,
                           extra=tuple(services.options))
    assert outcome(out) == direct
    assert services.processes and all(p.poll() is not None for p in services.processes)


def test_presets_expand_before_the_options_that_override_them():
    argv = ["run", "--input", "x", "--preset", "direct-multiprocess", "--direct_num_workers", "2"]
    assert expand_preset(argv) == [
        "run", "--runner", "FnApiRunner", "--direct_num_workers", "0",
        "--direct_running_mode", "multi_processing", "--input", "x", "--direct_num_workers", "2",
    ]
    with pytest.raises(SystemExit):
        expand_preset(["run", "--preset", "nonsense"])
