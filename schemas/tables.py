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
    ]
)

REJECTS = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("error", pa.string(), nullable=False),
    ]
)

TABLES = {"articles": ARTICLES, "clusters": CLUSTERS, "rejects": REJECTS}
