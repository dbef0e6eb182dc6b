"""The Parquet tables of the output contract: the one definition of their columns."""

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source", pa.string()),
        pa.field("title", pa.string()),
        pa.field("text", pa.string()),
        pa.field("published", TIMESTAMP),
        pa.field("language", pa.string()),
        pa.field("author", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("boilerplate_lines", pa.int32()),
        pa.field("duplicate_group_id", pa.string(), nullable=False),
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("is_representative", pa.bool_()),
        pa.field("ingested", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

CLUSTERS = pa.schema(
    [
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("size", pa.int32()),
        pa.field("duplicate_groups", pa.int32()),
        pa.field("article_ids", pa.list_(pa.string())),
        pa.field("sources", pa.list_(pa.string())),
        pa.field("first_published", TIMESTAMP),
        pa.field("last_published", TIMESTAMP),
        # What ties the story together: the terms most of its articles weigh most.
        pa.field("terms", pa.list_(pa.string())),
    ]
)

REJECTS = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
        pa.field("ingested", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

# Ids that a run merged into another (a new article bridged two known groups or stories):
# downstream maps old ids to new ones with this table.
MERGES = pa.schema(
    [
        pa.field("kind", pa.string(), nullable=False),  # "duplicate_group" or "story"
        pa.field("old_id", pa.string(), nullable=False),
        pa.field("new_id", pa.string(), nullable=False),
        pa.field("ingested", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

# What later runs need of every article: its signatures (within the retention window),
# its current ids, and what the clusters table shows. Internal: OUT/_index.
INDEX = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source", pa.string()),
        pa.field("title", pa.string()),
        pa.field("published", TIMESTAMP),
        pa.field("ingested", TIMESTAMP, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("word_count", pa.int32()),
        pa.field("text_signature", pa.binary()),
        pa.field("story_signature", pa.binary()),
        pa.field("story_terms", pa.list_(pa.string())),
        pa.field("story_weights", pa.list_(pa.float32())),
        pa.field("duplicate_group_id", pa.string(), nullable=False),
        pa.field("story_id", pa.string(), nullable=False),
    ]
)

# Validators of each feed, for conditional GET on the next run. Internal: OUT/_feeds.
FEEDS = pa.schema(
    [
        pa.field("feed_url", pa.string(), nullable=False),
        pa.field("etag", pa.string()),
        pa.field("last_modified", pa.string()),
    ]
)

# Tables every run adds files to (partitioned by ingest date), and tables it replaces.
APPENDED = {"articles": ARTICLES, "rejects": REJECTS, "merges": MERGES}
REPLACED = {"clusters": CLUSTERS, "_index": INDEX, "_feeds": FEEDS}
TABLES = {**APPENDED, **REPLACED}
