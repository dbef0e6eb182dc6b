"""Command-line options of the pipeline, as a Beam PipelineOptions subclass."""

from apache_beam.options.pipeline_options import PipelineOptions

from transforms.settings import FetchSettings, SimilaritySettings

DEFAULT_RUNNER = "FnApiRunner"  # the DirectRunner's engine, without its Prism download attempt
DEFAULTS = SimilaritySettings()
FETCH = FetchSettings()
DEFAULT_RETENTION_DAYS = 7


class NewsOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--input",
            action="append",
            default=None,
            help="A file, a directory (read recursively) or a glob; repeat for more.",
        )
        parser.add_argument("--feeds", default=None,
                            help="A file of RSS/Atom feed URLs, one per line (# comments).")
        parser.add_argument("--urls", default=None,
                            help="A file of article URLs, one per line (# comments).")
        parser.add_argument("--output", default=None, help="Directory of the Parquet tables.")
        parser.add_argument("--fetch_user_agent", default=FETCH.user_agent,
                            help="User-Agent of every request, also the robots.txt agent.")
        parser.add_argument("--fetch_timeout", type=float, default=FETCH.timeout,
                            help="Seconds to connect, and between bytes of a response.")
        parser.add_argument("--host_concurrency", type=int, default=FETCH.host_concurrency,
                            help="Requests in flight to one host.")
        parser.add_argument("--host_delay", type=float, default=FETCH.host_delay,
                            help="Seconds between the starts of two requests to one host.")
        parser.add_argument("--num_perm", type=int, default=DEFAULTS.num_perm,
                            help="MinHash permutations per signature.")
        parser.add_argument("--shingle_words", type=int, default=DEFAULTS.shingle_words,
                            help="Words per shingle of the near-duplicate fingerprint.")
        parser.add_argument("--duplicate_threshold", type=float,
                            default=DEFAULTS.duplicate_threshold,
                            help="Estimated Jaccard of shingles that makes two near-duplicates.")
        parser.add_argument("--story_threshold", type=float, default=DEFAULTS.story_threshold,
                            help="Mean cosine of weighted story terms over the pairs of two "
                            "clusters of articles that makes them one story.")
        parser.add_argument("--story_window_days", type=float,
                            default=DEFAULTS.story_window_days,
                            help="The most days between the published dates of one story.")
        parser.add_argument("--retention_days", type=float, default=DEFAULT_RETENTION_DAYS,
                            help="Earlier articles within this many days (by published date, "
                            "else ingest time) can join this run's groups and stories.")

    def similarity_settings(self) -> SimilaritySettings:
        return DEFAULTS._replace(
            num_perm=self.num_perm,
            shingle_words=self.shingle_words,
            duplicate_threshold=self.duplicate_threshold,
            story_threshold=self.story_threshold,
            story_window_days=self.story_window_days,
        )

    def fetch_settings(self) -> FetchSettings:
        return FETCH._replace(
            user_agent=self.fetch_user_agent,
            timeout=self.fetch_timeout,
            host_concurrency=self.host_concurrency,
            host_delay=self.host_delay,
        )
