"""A short, human summary of an output directory."""

import pyarrow.compute as pc
import pyarrow.dataset as ds

from schemas.tables import TABLES

SHOWN = 20  # rows of each list printed


def read_table(output: str, name: str):
    return ds.dataset(f"{output}/{name}", format="parquet", schema=TABLES[name]).to_table()


def summarize(output: str) -> str:
    articles = read_table(output, "articles")
    clusters = read_table(output, "clusters")
    rejects = read_table(output, "rejects")
    groups = pc.count_distinct(articles["duplicate_group_id"]).as_py()
    lines = [
        f"articles: {articles.num_rows}   duplicate groups: {groups}   "
        f"stories: {clusters.num_rows}   rejects: {rejects.num_rows}"
    ]
    stories = sorted(clusters.to_pylist(), key=lambda c: (-c["size"], c["story_id"]))
    shared = [story for story in stories if story["size"] > 1]
    lines.append(
        f"stories with more than one article: {len(shared)}"
        f" (single-article stories: {len(stories) - len(shared)})"
    )
    for story in shared[:SHOWN]:
        lines.append(
            f"  {story['size']:>4} articles  {story['duplicate_groups']:>4} groups  "
            f"{story['story_id']}  {story['title'][:70]}"
        )
    if len(shared) > SHOWN:
        lines.append(f"  ... and {len(shared) - SHOWN} more")
    if rejects.num_rows:
        lines.append("rejects:")
    for reject in rejects.to_pylist()[:SHOWN]:
        lines.append(f"  [{reject['stage']}] {reject['source_uri']}: {reject['error']}")
    return "\n".join(lines)
