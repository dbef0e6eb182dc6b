"""Where the benchmark data lives: ../shared beside the repository."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = REPO / "seeds"
AEB = SHARED / "benchmarks" / "aeb"
AEB_HTML = AEB / "html"
AEB_GROUND_TRUTH = AEB / "ground-truth.json"
SEMEVAL = SHARED / "benchmarks" / "semeval-stories"
