"""The pipeline: stages wired in flow order (see DESIGN.md), and run(argv)."""

import json
import time
from datetime import UTC, datetime, timedelta

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult

from pipeline.options import DEFAULT_RUNNER, NewsOptions
from schemas.records import Link
from transforms.assemble import AssembleTables, RunInfo
from transforms.clean import CleanArticles
from transforms.cluster import ConnectedComponents, StableIds, StoryClusters
from transforms.extract import ExtractArticles
from transforms.fetch import DistinctLinks, FetchFeeds, FetchPages
from transforms.fingerprint import FingerprintArticles, term_arrays, term_vector
from transforms.history import (
    ReadStored,
    SkipKnown,
    article_key,
    feeds_path,
    index_path,
    recent_fingerprint,
    reject_key,
    rejects_pattern,
)
from transforms.lsh import SimilarPairs, cosine_scores
from transforms.read import ReadInputs
from transforms.settings import SimilaritySettings
from transforms.write import WriteTables, commit_run, files_under, recover, staging_dir

# A missed candidate splits a story, a false one costs one cosine: favour recall.
STORY_BAND_WEIGHTS = (0.3, 0.7)


class FindDuplicatesAndStories(beam.PTransform):
    """{fingerprints, previous_stories: (article id, story id)} ->
    {duplicate_groups, stories}: (article id, root id)."""

    def __init__(self, settings: SimilaritySettings):
        super().__init__()
        self._settings = settings

    def expand(self, inputs):
        s = self._settings
        fingerprints = inputs["fingerprints"]
        duplicate_edges = (
            fingerprints
            # Duplicates are verified on the signatures themselves.
            | "TextSignatures"
            >> beam.Map(lambda f: (f.article_id, f.text_signature, f.text_signature))
            | "DuplicatePairs" >> SimilarPairs(s.duplicate_threshold, s.num_perm)
        )
        story_edges = (
            fingerprints
            | "StorySignatures"
            >> beam.Map(
                lambda f: (
                    f.article_id,
                    f.story_signature,
                    term_arrays(term_vector(f.story_terms, f.story_weights)),
                )
            )
            | "StoryPairs"
            >> SimilarPairs(
                s.story_threshold,
                s.num_perm,
                cosine_scores,
                band_threshold=s.story_candidate_threshold,
                weights=STORY_BAND_WEIGHTS,
            )
        )
        story_components = (
            # Copies of one text are one story, whatever their terms say.
            (story_edges, duplicate_edges)
            | "AllStoryEdges" >> beam.Flatten()
            | "StoryComponents" >> ConnectedComponents()
        )
        duplicate_groups = duplicate_edges | "DuplicateGroups" >> ConnectedComponents()
        return {
            "duplicate_groups": duplicate_groups,
            "stories": {
                "components": story_components,
                "fingerprints": fingerprints,
                "previous": inputs["previous_stories"],
                "duplicate_groups": duplicate_groups,
            }
            | "Stories" >> StoryClusters(s.story_threshold, s.story_window_days),
        }


STORED_ARTICLES = "stored_articles"  # Beam counters of inputs an earlier run already stored
STORED_REJECTS = "stored_rejects"
STORED_LINKS = "stored_links"


def previous_ids(stored, column: str, label: str):
    return stored | label >> beam.Map(lambda row: (row["article_id"], row[column]))


def url_lines(pipeline: beam.Pipeline, path: str | None, label: str):
    """The URLs of a --feeds or --urls file: one per line, blank lines and # comments out."""
    if not path:
        return pipeline | f"No{label}" >> beam.Create([])
    return (
        pipeline
        | f"Read{label}" >> beam.io.ReadFromText(path)
        | f"Strip{label}" >> beam.Map(str.strip)
        | f"Only{label}" >> beam.Filter(lambda line: line and not line.startswith("#"))
    )


def build_fetch(pipeline: beam.Pipeline, options: NewsOptions, stored):
    """Feeds and article URLs -> (pages as RawDocuments, Rejects, feed validator rows)."""
    settings = options.fetch_settings()
    stored_states = pipeline | "ReadFeedStates" >> ReadStored(feeds_path(options.output))
    feed_urls = url_lines(pipeline, options.feeds, "Feeds")
    links, states, feed_rejects = feed_urls | "Feeds" >> FetchFeeds(settings, stored_states)
    listed = url_lines(pipeline, options.urls, "Urls") | "AsLinks" >> beam.Map(Link)
    links = (
        (links, listed) | "AllLinks" >> beam.Flatten() | "DistinctLinks" >> DistinctLinks(),
        stored | "StoredUrls" >> beam.FlatMap(lambda row: [row["url"]] if row["url"] else []),
    ) | "SkipStoredUrls" >> SkipKnown(lambda link: link.url, STORED_LINKS)
    pages, page_rejects = links | "Pages" >> FetchPages(settings)
    kept_states = (
        stored_states,
        feed_urls,
    ) | "StatesOfOtherFeeds" >> SkipKnown(lambda row: row["feed_url"], "stored_feed_states")
    feed_states = (
        states | "StateRows" >> beam.Map(lambda state: state._asdict()),
        kept_states,
    ) | "AllStates" >> beam.Flatten()
    rejects = (feed_rejects, page_rejects) | "FetchRejects" >> beam.Flatten()
    return pages, rejects, feed_states


def build(pipeline: beam.Pipeline, options: NewsOptions, run: RunInfo) -> None:
    stored = pipeline | "ReadIndex" >> ReadStored(index_path(options.output))
    stored_rejects = pipeline | "ReadRejects" >> ReadStored(rejects_pattern(options.output))

    documents, read_rejects = pipeline | "Read" >> ReadInputs(options.input or [])
    pages, fetch_rejects, feed_states = build_fetch(pipeline, options, stored)
    documents = (documents, pages) | "AllDocuments" >> beam.Flatten()
    articles, extract_rejects = documents | "Extract" >> ExtractArticles()
    articles, clean_rejects = articles | "Clean" >> CleanArticles()
    articles = (
        articles,
        stored | "StoredIds" >> beam.Map(lambda row: row["article_id"]),
    ) | "SkipStoredArticles" >> SkipKnown(article_key, STORED_ARTICLES)

    settings = options.similarity_settings()
    fingerprints = articles | "Fingerprint" >> FingerprintArticles(settings)
    recent = stored | "RecentSignatures" >> beam.FlatMap(
        recent_fingerprint, run.retention_cutoff
    )
    previous_stories = previous_ids(stored, "story_id", "PreviousStories")
    components = {
        "fingerprints": (fingerprints, recent) | "WithRecent" >> beam.Flatten(),
        "previous_stories": previous_stories,
    } | "Similarity" >> FindDuplicatesAndStories(settings)
    duplicate_ids = {
        "components": components["duplicate_groups"],
        "previous": previous_ids(stored, "duplicate_group_id", "PreviousGroups"),
    } | "StableGroupIds" >> StableIds()
    story_ids = {
        "components": components["stories"],
        "previous": previous_stories,
    } | "StableStoryIds" >> StableIds()

    tables = {
        "articles": articles,
        "fingerprints": fingerprints,
        "stored": stored,
        "duplicate_groups": duplicate_ids["ids"],
        "stories": story_ids["ids"],
    } | "Assemble" >> AssembleTables(run)
    rejects = (
        read_rejects, fetch_rejects, extract_rejects, clean_rejects
    ) | "AllRejects" >> beam.Flatten()
    tables["rejects"] = (
        (rejects, stored_rejects | "StoredRejectKeys" >> beam.Map(reject_key))
        | "SkipStoredRejects" >> SkipKnown(reject_key, STORED_REJECTS)
        | "RejectRows" >> beam.Map(
            lambda reject: {**reject._asdict(), "ingested": run.ingested, "run_id": run.run_id}
        )
    )
    tables["merges"] = (
        duplicate_ids["merges"] | "GroupMerges" >> beam.Map(lambda m: ("duplicate_group", *m)),
        story_ids["merges"] | "StoryMerges" >> beam.Map(lambda m: ("story", *m)),
    ) | "AllMerges" >> beam.Flatten() | "MergeRows" >> beam.MapTuple(
        lambda kind, old, new: {"kind": kind, "old_id": old, "new_id": new,
                                "ingested": run.ingested, "run_id": run.run_id}
    )
    tables["_feeds"] = feed_states
    _ = tables | "Write" >> WriteTables(
        staging_dir(options.output, run.run_id), run.run_id, run.ingested.date().isoformat()
    )


def stored_state(output: str) -> tuple[set[str], set[str], set[str]]:
    """Run ids, group ids and story ids in the stored index (empty on a first run)."""
    path = index_path(output)
    if not FileSystems.exists(path):
        return set(), set(), set()
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, columns=["run_id", "duplicate_group_id", "story_id"])
    return tuple(set(table.column(name).to_pylist()) for name in table.column_names)


def staged_columns(directory: str, *columns: str) -> dict[str, list]:
    """Values of some columns across the Parquet files of a staged table, read once."""
    values: dict[str, list] = {column: [] for column in columns}
    for path in files_under(directory):
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, columns=list(columns))
        for column in columns:
            values[column] += table.column(column).to_pylist()
    return values


def run_summary(output: str, run: RunInfo, before: tuple, result: PipelineResult,
                seconds: float) -> dict:
    staging = staging_dir(output, run.run_id)
    _, groups_before, stories_before = before
    new = staged_columns(FileSystems.join(staging, "articles"), "duplicate_group_id", "story_id")
    groups, stories = set(new["duplicate_group_id"]), set(new["story_id"])
    counters = {
        counter.key.metric.name: counter.committed or counter.attempted or 0
        for counter in result.metrics().query(
            beam.metrics.MetricsFilter().with_namespace("history")
        )["counters"]
    }
    skipped = counters.get(STORED_ARTICLES, 0) + counters.get(STORED_LINKS, 0)
    articles = len(new["story_id"])
    rejects = len(staged_columns(FileSystems.join(staging, "rejects"), "stage")["stage"])
    return {
        "run_id": run.run_id,
        "started": run.ingested.isoformat(),
        "elapsed_seconds": round(seconds, 2),
        "inputs": articles + rejects + skipped + counters.get(STORED_REJECTS, 0),
        "articles": articles,
        "rejects": rejects,
        "already_stored": skipped,
        "rejected_before": counters.get(STORED_REJECTS, 0),
        "new_groups": len(groups - groups_before),
        "joined_groups": len(groups & groups_before),
        "new_stories": len(stories - stories_before),
        "joined_stories": len(stories & stories_before),
        "merges": len(staged_columns(FileSystems.join(staging, "merges"), "old_id")["old_id"]),
    }


def run(argv: list[str] | None = None) -> dict:
    """Run the pipeline into --output, commit the run, return its summary."""
    options = PipelineOptions(argv)
    if not options.view_as(StandardOptions).runner:
        options.view_as(StandardOptions).runner = DEFAULT_RUNNER
    news = options.view_as(NewsOptions)
    if not (news.input or news.feeds or news.urls) or not news.output:
        raise SystemExit("--output and at least one of --input, --feeds, --urls are required")
    started = datetime.now(UTC)
    run_info = RunInfo(
        run_id=started.strftime("%Y%m%dT%H%M%S%fZ"),
        ingested=started,
        retention_cutoff=started - timedelta(days=news.retention_days),
    )
    before = stored_state(news.output)
    recover(news.output, before[0])
    clock = time.perf_counter()
    pipeline = beam.Pipeline(options=options)
    build(pipeline, news, run_info)
    result = pipeline.run()
    result.wait_until_finish()
    summary = run_summary(news.output, run_info, before, result, time.perf_counter() - clock)
    commit_run(news.output, run_info.run_id, summary)
    return summary


def print_summary(summary: dict) -> None:
    print(json.dumps(summary, indent=2))
