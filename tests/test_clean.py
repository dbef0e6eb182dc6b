"""The clean stage in a real pipeline: rules plus boilerplate learned per source."""

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article
from transforms.clean import CleanArticles, LearnBoilerplate
from transforms.clean_rules import clean_text, line_key

FOOTER = "CityBeat has covered the riverside neighbourhoods since 1998 with reader support."
PROMPT = "Got a story we should chase? Write to the newsroom at tips@citybeat.example"
STORIES = [
    "The council approved the new bus lanes on Tuesday after a two-hour debate.",
    "Flood barriers along the river were tested overnight and held, engineers said.",
    "The old cinema on Market Street will reopen in May under a community trust.",
    "Volunteers planted four hundred trees in the park over the weekend.",
]


def article(number: int, source: str, lines: list[str]) -> Article:
    return Article(f"id{number}", f"in/{number}.txt", None, source, f"Story {number}",
                   "\n".join(lines), None, "en", None, 0)


def body(story: str) -> list[str]:
    return [story, f"Residents asked about it: {story.lower()}", f"Officials replied: {story}"]


def site_corpus() -> list[Article]:
    """Four CityBeat articles share a footer and a prompt; another site quotes the footer
    once; a third publishes the same text three times (updates), which is no boilerplate."""
    citybeat = [
        article(i, "CityBeat", [*body(story), FOOTER, PROMPT]) for i, story in enumerate(STORIES)
    ]
    other = [article(10, "Gazette", [STORIES[0], FOOTER])]
    updates = [article(20 + i, "Wire", STORIES[:3]) for i in range(3)]
    return citybeat + other + updates


def run_clean(articles: list[Article]) -> None:
    with beam.Pipeline(runner="FnApiRunner") as pipeline:
        created = pipeline | beam.Create(articles)
        cleaned, rejects = created | CleanArticles()
        learned = created | "LearnAgain" >> LearnBoilerplate()
        assert_that(rejects, equal_to([]), label="NoRejects")
        assert_that(
            learned,
            equal_to([
                ("CityBeat", frozenset({line_key(FOOTER), line_key(PROMPT)})),
                # The updates' lines recur too; the articles keep them (all lines learned).
                ("Wire", frozenset(line_key(story) for story in STORIES[:3])),
            ]),
            label="Learned",
        )
        assert_that(
            cleaned | beam.Map(lambda a: (a.article_id, a.text, a.boilerplate_lines)),
            equal_to(
                [(f"id{i}", "\n".join(body(story)), 2) for i, story in enumerate(STORIES)]
                + [("id10", f"{STORIES[0]}\n{FOOTER}", 0)]
                + [(f"id{20 + i}", "\n".join(STORIES[:3]), 0) for i in range(3)]
            ),
            label="Cleaned",
        )


def test_lines_a_source_repeats_are_learned_and_removed():
    run_clean(site_corpus())


def test_learned_lines_are_matched_by_words_and_numbers_as_zero():
    learned = {line_key("© 2019 CityBeat Media")}
    text = "The council met on Tuesday evening.\nIt voted twice.\n© 2024 CityBeat media"
    assert clean_text(text, "", learned).removed == ("© 2024 CityBeat media",)
    assert line_key("  • Read: 12 Things!") == "read 0 things"


def test_an_article_made_mostly_of_learned_lines_keeps_them():
    learned = {line_key(STORIES[0]), line_key(STORIES[1])}
    assert clean_text("\n".join(STORIES[:3]), "", learned).removed == ()  # two of three
    assert clean_text("\n".join(STORIES), "", learned).removed == tuple(STORIES[:2])  # half
