"""Tests for transforms.clean_rules: the real seeds, then each rule on invented text."""

from pathlib import Path

import pytest

from transforms.clean_rules import CleanedText, clean_text, content_stems, shares_content

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TITLE_PREFIX = "date 2025-01-12 "  # seed 004 carries its date on the title line


def load_seed(prefix: str) -> tuple[str, str]:
    """(title, body): the first non-empty line is the title, the rest the raw body."""
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    head, _, body = text.lstrip().partition("\n")
    return head.strip().removeprefix(TITLE_PREFIX), body


def clean_seed(prefix: str) -> CleanedText:
    title, body = load_seed(prefix)
    return clean_text(body, title)


def body_lines(prefix: str) -> int:
    return sum(1 for line in load_seed(prefix)[1].splitlines() if line.strip())


EXPECTED_REMOVED = {
    "000": (
        "JOIN US ON TELEGRAM",
        "Follow our coverage of the war on the @Kyivpost_official.",
        "Polish General Sacked After Missing Anti-Tank Mines Found in IKEA Railway Wagon",
        "You can also highlight the text and press Ctrl + Enter",
    ),
    "001": (),
    "002": (),
    "003": (
        "Source link",
        "Related Posts",
        "FBI Director Christopher Wray reveals reasons for resignation",
        "In an interview with CBS’s “60 Minutes” on Sunday, FBI Director Christopher Wray revealed"
        " why he decided to resign “at such a dangerous time” with nearly three years left in…",
        "1/12: CBS News for the weekend – CBS News",
        "1/12: CBS News for the weekend – CBS News Watch CBS news Eaton Fire Hits Historically"
        " Black Neighborhoods; A look at efforts to rescue pets and animals from the wildfires…",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
    ),
    "004": (),
}

MUST_STAY = {
    "000": [
        "Zelensky offers Ukrainian firefighters to aid wildfire-ravaged Los Angeles",
        "Russian forces capture new villages amid intensifying eastern offensive",
    ],
    "001": ["Trump announces plans to meet with Putin", "Contributing: Reuters"],
    "002": [
        "Taking North Korean soldiers alive ‘not easy,’ Zelensky says",
        "Russian strike on Kherson leaves thousands without power",
        "North Korean troop casualties exceed 3,000 in Ukraine, Seoul says",
        "Britain must learn from Ukraine and use AI for warfare, MPs say",
    ],
    "003": [
        "North Korea is preparing to send more troops to Ukraine due to troop losses,"
        " according to Seoul’s military."
    ],
    "004": [
        "What's the story",
        "Interrogation process",
        "Identity disclosure",
        "Presidential address",
        "Conflict update",
        "Captured soldiers' interrogation and identity details revealed",
        "Russia claims control over village, Ukraine reports attacks",
    ],
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_seed_removes_exactly_the_boilerplate(prefix: str) -> None:
    result = clean_seed(prefix)
    assert result.removed == EXPECTED_REMOVED[prefix]
    kept = result.text.split("\n")
    assert len(kept) + len(result.removed) == body_lines(prefix)  # nothing else lost
    assert all(line == line.strip() and not line.startswith("•") for line in kept)
    for line in MUST_STAY[prefix]:
        assert line in kept


def test_seed_boilerplate_gone_everywhere() -> None:
    texts = [clean_seed(prefix).text for prefix in EXPECTED_REMOVED]
    for prefix in ("000", "003"):
        for line in EXPECTED_REMOVED[prefix]:
            assert all(line not in text for text in texts), line


def test_seed_003_bullets_and_blank_lines() -> None:
    kept = clean_seed("003").text.split("\n")
    assert kept[0].startswith("The offer came after Ukraine announced")
    assert kept[-1].startswith("North Korea is preparing to send more troops")
    assert "" not in kept


# --- Invented text, one group per rule --------------------------------------------------------

BODY = "The ministry said on Monday that talks with its neighbours would continue next week."
AFTER = "Officials from both sides are expected to meet in Vienna before the end of the month."


def removed_of(line: str) -> tuple[str, ...]:
    return clean_text(f"{BODY}\n{line}\n{AFTER}").removed


@pytest.mark.parametrize(
    "line",
    [
        "JOIN US ON TELEGRAM",
        "Follow us on X and Facebook",
        "Subscribe to our newsletter",
        "Follow our coverage of the war on the @SomeOutlet_official.",
        "Share this article",
        "Click here to read more",
        "Download our app for breaking news alerts!",
        "Like us on Facebook",
        "Follow Kyiv Post on Telegram",
        "Sign up for our morning briefing",
    ],
)
def test_cta_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "Zelensky said on Telegram that 12 people were killed.",
        "Follow-up talks are planned for March, the ministry said.",
        "Get ready for a cold night, the mayor said on Telegram.",
        "Join us on the streets on Sunday, the opposition leader told followers on Telegram.",
        "Facebook and Instagram were blocked in the country on Sunday.",
        "Share prices of our largest banks fell 4% after the announcement by the central bank.",
        "Join the army, the posters on every bus stop in the capital urge young men.",
    ],
)
def test_news_about_platforms_kept(line: str) -> None:
    assert removed_of(line) == ()


@pytest.mark.parametrize(
    "line",
    [
        "Source link",
        "Read more",
        "Read also: Russia strikes Kharkiv overnight",
        "Found a typo? Select it and press Ctrl+Enter",
        "Report a mistake",
        "Advertisement",
        "© 2025 Example Media. All rights reserved.",
        "Copyright © 2025 Example Media",
        "Photo: Reuters",
        "Image: Getty Images/AFP",
    ],
)
def test_site_notice_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "Officials found a mistake in the ballot count, the commission said.",
        "Copyright lawsuits against AI firms are mounting in several countries.",
        "Advertisement spending rose 5% last year.",
        "Photographers were barred from the courtroom.",
        "Read the full statement below, the spokesman told reporters on Monday.",
    ],
)
def test_site_notice_lookalikes_kept(line: str) -> None:
    assert removed_of(line) == ()


def test_comment_form_dropped_until_real_text() -> None:
    form = [
        "3 Comments",
        "Leave a comment",
        "Cancel reply",
        "Your email address will not be published. Required fields are marked *",
        "Comment *",
        "Name *",
        "Email *",
        "Website",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Post Comment",
        "Δ",
    ]
    result = clean_text("\n".join([BODY, *form, AFTER]))
    assert result == CleanedText(f"{BODY}\n{AFTER}", tuple(form))


def test_comment_words_in_news_kept() -> None:
    line = "Comments from the minister drew criticism across all parties on Monday."
    assert removed_of(line) == ()


def test_related_block_ends_at_real_paragraph() -> None:
    block = [
        "• Related Articles",
        "Kyiv hit by massive drone attack overnight",
        "Officials say the strike damaged energy infrastructure in the capital and…",
        "January 12, 2025 – Fire crews battle blazes in California",
        "3 hours ago",
    ]
    real = "The talks resumed on Monday in Geneva, where both delegations met for six hours."
    result = clean_text("\n".join([BODY, *block, real]))
    assert result.removed == ("Related Articles", *block[1:])
    assert result.text == f"{BODY}\n{real}"


def test_related_block_ends_at_short_sentence() -> None:
    result = clean_text("You may also like:\nMarkets Rally As Inflation Cools\nHe did not comment.")
    assert result == CleanedText(
        "He did not comment.", ("You may also like:", "Markets Rally As Inflation Cools")
    )


def test_inserted_headline_removed() -> None:
    text = (
        "Kyiv residents queued for water on Monday after the strike cut supplies to three "
        "districts of the city.\n"
        "Polish Farmers Block Border Crossing Over Grain Imports Again\n"
        "The city council said repairs to the pumping station would take a week or more."
    )
    assert clean_text(text).removed == (
        "Polish Farmers Block Border Crossing Over Grain Imports Again",
    )


def test_list_items_and_sentence_case_lines_are_not_inserted_headlines() -> None:
    # Tour dates, recipe steps and embedded-post credits look like headlines unrelated
    # to the next line, but they stand among short lines or are not Title Case.
    text = (
        "The band will play these dates next summer across the country, the promoter said.\n"
        "June 30 – Wantagh, NY @ Northwell Health at Jones Beach Theater\n"
        "August 30 – Denver, CO @ Pepsi Center\n"
        "Eat a small snack with some protein before your workout\n"
        "Drink a glass of water within thirty minutes after your workout\n"
        "Robert Maguire (@RobertMaguire_) November 18, 2019\n"
        "Later that week the committee published the full transcript of the hearing online."
    )
    assert clean_text(text).removed == ()


def test_real_subheading_kept() -> None:
    text = (
        "Talks over grain exports resume in Istanbul\n"
        "Negotiators met on Tuesday to discuss the export of grain through Black Sea ports."
    )
    assert clean_text(text) == CleanedText(text, ())


@pytest.mark.parametrize(
    "line",
    [
        "What's the story",  # short section label
        "Background and context",
        "Polish farmers block the border crossing over grain imports.",  # a sentence
        "Polish farmers block the border crossing over grain imports:",  # introduces a list
    ],
)
def test_not_inserted_headlines(line: str) -> None:
    assert removed_of(line) == ()


def test_headline_as_last_line_kept() -> None:
    assert clean_text(f"{BODY}\nPolish Farmers Block Border Crossing Over Grain").removed == ()


@pytest.mark.parametrize(
    ("head", "body"),
    [
        ("capture", "captured"),
        ("villages", "village"),
        ("meet", "meeting"),
        ("Zelensky's", "Zelensky"),
    ],
)
def test_stemming_matches(head: str, body: str) -> None:
    assert shares_content(head, [body])


def test_stopwords_do_not_count() -> None:
    assert content_stems("The president says he will be there") == {"president"}
    assert not shares_content("what they said about it", ["They said it was about time."])


def test_title_line_and_bullets() -> None:
    text = "  ukraine captures   North Korean soldiers \n  • First point.\n\n  * Second point.\n"
    text += "- Third point.\n-5 degrees was the low."
    result = clean_text(text, title="Ukraine captures North Korean soldiers")
    assert result == CleanedText(
        "First point.\nSecond point.\nThird point.\n-5 degrees was the low.",
        ("ukraine captures   North Korean soldiers",),
    )


def test_empty_input() -> None:
    assert clean_text("") == CleanedText("", ())
    assert clean_text("\n  \n\t\n", title="") == CleanedText("", ())


def test_cut_echoes_are_removed_and_whole_repeats_stay() -> None:
    # An extractor that reads the article twice (AMP copy, teaser) leaves a cut echo;
    # whole repeats are often real (a question asked of each interviewee).
    text = (
        f"{BODY}\n{AFTER}\n{BODY}\n"
        "The ministry said on Monday that talks with its...\n"
        "Eat a snack before your workout\nEat a snack before your workout"
    )
    assert clean_text(text).removed == ("The ministry said on Monday that talks with its...",)


@pytest.mark.parametrize(
    "line",
    [
        "2019-11-19T08:57:40+01:00",
        "2024-03-01",
        "-",
        "|---|---|---|",
        "Order Reprints",
        "Print Article",
        "This copy is for your personal, non-commercial use only.",
        "Thanks for signing up!",
        "There was an error processing your subscription.",
        "An error has occurred, please try again later.",
        "Keep an eye on your inbox for the latest news.",
        "Tags: elections, parliament, budget",
        "copyright Inexhibit 2019 - ISSN: 2283-5474",
    ],
)
def test_metadata_and_site_furniture_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "http://example.com/reading-list",  # link lists are part of some articles
        "The vote is set for 2024-03-01, officials said.",
        "Copyright lawsuits against the studio were settled in 2019.",
        "The error was found by an auditor in March.",
    ],
)
def test_prose_with_dates_links_and_furniture_words_stays(line: str) -> None:
    assert removed_of(line) == ()


def test_title_repeated_in_body_with_or_without_the_site_name() -> None:
    title = "Is Football Violence a Crime? | Sports Daily"
    text = f"{BODY}\nIs football violence a crime?\n{AFTER}\nSports Daily"
    assert clean_text(text, title).removed == ("Is football violence a crime?",)


def test_tag_block_and_foreign_read_also_headings() -> None:
    text = (
        f"{BODY}\nLeggi anche\nI Cavalieri dello Zodiaco: ecco gli attori\n{AFTER}\n"
        "Tags\ncalendar 2018, stock car brasil, interlagos, santa cruz do sul, cascavel"
    )
    assert clean_text(text).removed == (
        "Leggi anche",
        "I Cavalieri dello Zodiaco: ecco gli attori",
        "Tags",
        "calendar 2018, stock car brasil, interlagos, santa cruz do sul, cascavel",
    )


def test_a_comma_rich_sentence_is_not_a_keyword_list() -> None:
    line = (
        "He visited Paris, Berlin, Rome, Madrid and Vienna during a week of talks "
        "with ministers, bankers, and union leaders about the budget."
    )
    assert removed_of(line) == ()


@pytest.mark.parametrize(
    "line",
    [
        "Sign up to FREE daily email alerts from birminghammail - daily Subscribe Thank you for"
        " subscribing We have more newsletters Show me See our privacy notice Could not"
        " subscribe, try again later Invalid Email",
        "Get more of the Star in your inbox Never miss the latest news from the Star. Sign up for"
        " our newsletters to get today's top stories, your favourite columnists and lots more in"
        " your inbox Sign Up Now",
        "EXPERT ADVICE. IN YOUR INBOX: Sign up for the Star’s advice newsletter, get the latest on"
        " relationships, etiquette and more.",
        "Would you like to sign up to an email alert when a new Moneyist column has been"
        " published? If so, click on this link.",
        "If you're new here, you may want to subscribe to my RSS feed. Thanks for visiting!",
        "Get the day’s top headlines delivered to your inbox every morning by subscribing to our"
        " newsletter.",
        "Our best stories, by email every morning: sign up here.",
    ],
)
def test_newsletter_signup_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "Subscribers to the newsletter fell by 20% last year, the company said.",
        "The council said 3,000 residents signed up for email alerts after the flood.",
        "Readers are asked to subscribe to its email newsletter after the print edition closed.",
        "US readers can subscribe to the newsletter from next month.",  # "US" is no "us"
        # a sign-up form is not this long
        "Local papers that closed their print editions have tried to keep readers by asking"
        " them to sign up for a daily email newsletter instead, but most of you who subscribe"
        " open it less than once a week, and advertisers who paid for space in print have been"
        " slow to follow them into the inbox, where rates are lower and the competition for"
        " attention is fierce.",
    ],
)
def test_news_about_newsletters_kept(line: str) -> None:
    assert removed_of(line) == ()


@pytest.mark.parametrize(
    "line",
    [
        "The video will start in 8 Cancel",
        "Video will play in 5 seconds",
        "Please enable Javascript to watch this video",
        "Text Size: A- A+",
        "Font size",
        "Show Full Article",
        "Click here to read the full story",
        "Share This On:",
        "Share this:",
        "Share on Facebook",
        "Pin 11 Shares",
        "Pin 3 7K Shares",
        "1.2K Shares",
        "Share Tweet Email Copy Link Copied",
    ],
)
def test_player_page_controls_and_share_counters_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "The video shows the officer ordering him to stop.",
        "The video will be released in two weeks, the band said.",
        "Shares in the company rose 5% on Monday.",
        "Share prices fell.",
        "Shares of Facebook and Twitter fell 3% on Monday.",
        "Text size matters when designing for older readers, experts say.",
        "Read the full statement below.",
    ],
)
def test_player_page_and_share_lookalikes_kept(line: str) -> None:
    assert removed_of(line) == ()


@pytest.mark.parametrize(
    "line",
    [
        "9 Officers outside her home today Credit: SWNS:South West News Service",
        "9 Helen had three children under the age of 10 Credit: Facebook",
        "Shoppers queue outside the store Credit: AP Photo/J. Scott Applewhite",
        "The launch pad at dawn Photo credit: U.S. Navy",
        "(Image: Downdetector)",
        "(Image: Jacob King/PA Wire)",
        "(Photo: AP)",
        "(Picture: Getty Images)",
        "(Photo by Jane Doe/Getty Images)",
    ],
)
def test_photo_captions_and_bracketed_credits_removed(line: str) -> None:
    assert removed_of(line) == (line,)


@pytest.mark.parametrize(
    "line",
    [
        "Credit card debt hit a record in 2019, the Federal Reserve said.",
        "He gave them credit: they had worked hard all year.",
        "The bank extended him credit: a loan of $5,000 at 3%.",
        "The firm was owed money by one client Credit: Acme Inc.",  # a sentence ends the line
        "Police at the scene outside the house (Image: PA) were seen talking to neighbours.",
        # caption-shaped, but a paragraph is longer than a caption
        "Banks tightened lending after the crisis, and households that had relied on cheap loans"
        " found themselves squeezed as lenders cut limits, raised rates and demanded collateral"
        " for every new line of Credit: Smith",
    ],
)
def test_credit_lookalikes_kept(line: str) -> None:
    assert removed_of(line) == ()


def test_related_heading_without_also_starts_a_related_block() -> None:
    block = [
        "YOU MIGHT BE INTERESTED IN...",
        "Markets Rally As Inflation Cools",
        "January 12, 2025 – Fire crews battle blazes in California",
    ]
    real = "The talks resumed on Monday in Geneva, where both delegations met for six hours."
    result = clean_text("\n".join([BODY, *block, real]))
    assert result == CleanedText(f"{BODY}\n{real}", tuple(block))
