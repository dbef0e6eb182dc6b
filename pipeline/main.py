"""The pipeline: stages wired in flow order (see DESIGN.md), and run(argv)."""

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult

from pipeline.options import DEFAULT_RUNNER, NewsOptions
from transforms.assemble import AssembleTables
from transforms.clean import CleanArticles
from transforms.cluster import ConnectedComponents
from transforms.extract import ExtractArticles
from transforms.fingerprint import FingerprintArticles
from transforms.lsh import SimilarPairs
from transforms.read import ReadInputs
from transforms.settings import SimilaritySettings
from transforms.write import WriteTables, clear_tables


class FindDuplicatesAndStories(beam.PTransform):
    """Articles -> {duplicate_groups, stories}: (article id, component id) pairs."""

    def __init__(self, settings: SimilaritySettings):
        super().__init__()
        self._settings = settings

    def expand(self, articles):
        s = self._settings
        fingerprints = articles | "Fingerprint" >> FingerprintArticles(s)
        duplicate_edges = (
            fingerprints
            | "TextSignatures" >> beam.Map(lambda f: (f.article_id, f.text_signature))
            | "DuplicatePairs" >> SimilarPairs(s.duplicate_threshold, s.num_perm)
        )
        story_edges = (
            fingerprints
            | "StorySignatures" >> beam.Map(lambda f: (f.article_id, f.story_signature))
            | "StoryPairs" >> SimilarPairs(s.story_threshold, s.num_perm)
        )
        return {
            "duplicate_groups": duplicate_edges | "DuplicateGroups" >> ConnectedComponents(),
            # Copies of one text are one story, whatever their story terms say.
            "stories": (story_edges, duplicate_edges)
            | "AllStoryEdges" >> beam.Flatten()
            | "Stories" >> ConnectedComponents(),
        }


def build(pipeline: beam.Pipeline, options: NewsOptions) -> None:
    documents, read_rejects = pipeline | "Read" >> ReadInputs(options.input)
    articles, extract_rejects = documents | "Extract" >> ExtractArticles()
    articles, clean_rejects = articles | "Clean" >> CleanArticles()
    components = articles | "Similarity" >> FindDuplicatesAndStories(
        options.similarity_settings()
    )
    tables = {"articles": articles, **components} | "Assemble" >> AssembleTables()
    tables["rejects"] = (
        (read_rejects, extract_rejects, clean_rejects)
        | "AllRejects" >> beam.Flatten()
        | "RejectRows" >> beam.Map(lambda reject: reject._asdict())
    )
    _ = tables | "Write" >> WriteTables(options.output)


def run(argv: list[str] | None = None) -> PipelineResult:
    options = PipelineOptions(argv)
    if not options.view_as(StandardOptions).runner:
        options.view_as(StandardOptions).runner = DEFAULT_RUNNER
    news = options.view_as(NewsOptions)
    if not news.input or not news.output:
        raise SystemExit("--input and --output are required")
    clear_tables(news.output)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, news)
    result = pipeline.run()
    result.wait_until_finish()
    return result
