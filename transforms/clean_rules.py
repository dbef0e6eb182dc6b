"""Boilerplate rules for article bodies: plain functions, no Beam.

Extractors such as trafilatura keep some page furniture inside the body: social and newsletter
prompts, site notices, player and page controls, share counters, photo captions, comment forms,
related-post lists and related-post headlines inserted between paragraphs. `clean_text` drops
those lines and reports what it dropped.

The rules match classes of lines (regexes and word lists below), never exact strings of one site.
"""

import re
from collections.abc import Collection
from typing import NamedTuple

# --- Settings -----------------------------------------------------------------------------

# Bullets that are never text are stripped always; dashes/asterisks only before whitespace.
BULLET_RE = re.compile(r"^(?:[•·▪◦‣►●■]\s*|[*\-–—]\s+)+")

# Calls to action: short, start with an imperative, address the reader via a channel/us/our.
CTA_MAX_WORDS = 25
CTA_VERB_RE = re.compile(
    r"^(?:please\s+)?(?:join|follow|subscribe|sign\s+up|like|download|click|tap|get|share|read"
    r"|watch|listen|check\s+out|stay\s+(?:tuned|updated|informed)|don'?t\s+miss|support)(?![\w-])",
    re.I,
)
CTA_TARGET_RE = re.compile(
    r"(?:\b(?:telegram|facebook|twitter|x|instagram|youtube|tiktok|whatsapp|viber|linkedin"
    r"|threads|bluesky|mastodon|reddit|newsletters?|podcasts?|channel|app|rss|google\s+news"
    r"|us|our|here|this\s+(?:article|story|post|page|video))\b|@\w+)",
    re.I,
)
# The word right after the verb: an object or particle, so the verb is an imperative.
CTA_NEXT_WORDS = frozenset(
    "us our this these the here now to for on and more today me your".split()
)
# Reported speech is news, not a prompt ("Get ready, the mayor said on Telegram.").
ATTRIBUTION_RE = re.compile(r"\b(?:said|says|told|reported|according\s+to)\b", re.I)

# Newsletter sign-up forms and prompts, often long one-liners ("Sign up to FREE daily email
# alerts from ... Subscribe Thank you for subscribing ... Invalid Email"): a sign-up phrase, a
# newsletter channel, and the reader addressed (or the line opens with the sign-up verb).
SIGNUP_MAX_WORDS = 60
SIGNUP_RE = re.compile(r"\b(?:sign(?:ing)?[\s-]?up|subscrib(?:e|ing))\b", re.I)
NEWSLETTER_RE = re.compile(
    r"\b(?:newsletters?|inbox(?:es)?|e-?mail\s+(?:alerts?|updates|briefings?|digests?)|rss"
    r"|mailing\s+lists?|by\s+e-?mail)\b",
    re.I,
)
# "you/your/our/we" in any case; "us" only lowercase ("US residents" is a country).
READER_RE = re.compile(r"\b(?i:you|your|yours|our|my|we)\b|\bus\b")

# Site notices; matched against the whole line (lowercased, spaces collapsed).
NOTICE_RES = [
    re.compile(p)
    for p in (
        r"source link",
        r"read (?:also|more|next)\s*:.*",
        r"(?:see|watch|listen) also\s*:.*",
        r"(?:advertisement|advertising|sponsored(?: content)?|scroll to continue.*)",
        r"continue reading.{0,40}",
        r".*\bctrl\s*\+\s*enter\b.*",
        r"(?:found|spotted|noticed|see) (?:a|an) (?:typo|mistake|error)\?.*",
        r"(?:click (?:here )?to )?report (?:a|an) (?:typo|mistake|error)\W*",
        r"sign up (?:for|to)\b.*",
        r".*\ball rights reserved\b.*",
        r"(?:copyright\s*)?(?:©|\(c\)\s*\d).*|copyright\b.{0,40}\b\d{4}\b.*",
        # reprint, print and newsletter-form furniture
        r"order reprints|print (?:this )?article|this copy is for your personal.*",
        r"thanks? (?:you )?for (?:signing up|subscribing)\W*",
        r"(?:there was an?|an) error (?:has )?(?:occurred|processing).*",
        r"keep an eye on your inbox.*",
        # "Tags: a, b, c" and its siblings
        r"(?:tags|tagged|topics|filed under|categories)\s*:.*",
        r"(?:image|photo|photograph|picture|illustration|video|credit)s?"
        r"(?: credits?)?\s*[:|]\s*.*",
        # the same credit in brackets on its own line: "(Image: Jacob King/PA Wire)"
        r"\((?:image|photo|photograph|picture|illustration|video|credit)s?(?: credits?)?"
        r"(?:\s*:|\s+by\b|\s+courtesy\b)[^()]*\)",
        # video player furniture: "The video will start in 8 Cancel"
        r"(?:the )?(?:next )?video (?:will )?(?:start|begin|play)s? in \d+"
        r"(?: ?(?:s|secs?|seconds?))?(?: cancel)?",
        r"(?:please )?enable javascript to (?:watch|view|play) (?:this|the) video.*",
        # page controls: "Text Size: A- A+", "Show Full Article"
        r"(?:text|font)[ -]size\s*:?(?:\s*(?:a[-+−]?|aa|[-+−]|reset|small|medium|large"
        r"|larger|smaller))*",
        r"(?:click (?:here )?to )?(?:show|read|view|see|open)(?: the)? (?:full|whole|entire"
        r"|complete)(?: article| story| text| post)?(?: here)?",
    )
]
NOTICE_MAX_WORDS = 30  # a notice is short; long paragraphs quoting these phrases stay
CREDIT_RE = re.compile(r"^\(?(?:image|photo|photograph|picture|illustration|video|credit)", re.I)
CREDIT_MAX_WORDS = 12

# Photo captions that end in a credit: "Officers outside her home today Credit: SWNS". The
# credit is a short name: capitalised, no sentence punctuation.
CAPTION_MAX_WORDS = 30
# a word of the name ends in no period, save an initial's ("J.", "AP Photo/J.", "U.S.")
CREDIT_NAME_WORD = r"[^\s!?;\"“”]*(?:[^\s.!?;\"“”]|(?<![^\W\d_])[A-Z]\.)"
CAPTION_CREDIT_RE = re.compile(
    rf"\b(?i:credits?)\s*:\s*(?=[A-Z0-9©@]){CREDIT_NAME_WORD}(?:\s+{CREDIT_NAME_WORD}){{0,7}}$"
)

# Share buttons and counters: "Share This On:", "Pin 11 Shares", "1.2K Shares",
# "Share Tweet Email Copy Link Copied". Every word is a share-bar word or a count.
SHARE_BAR_MAX_WORDS = 12
SHARE_VERBS = frozenset("share shares sharing tweet".split())
SHARE_BAR_WORDS = SHARE_VERBS | frozenset(
    """this on via it item article story post page with friends pin email e mail print copy
    link copied save comment comments facebook twitter x whatsapp linkedin reddit pinterest
    telegram messenger sms flipboard tumblr""".split()
)
COUNT_RE = re.compile(r"\d+[km]?")

# Comment forms: a heading starts the block; form lines are dropped anywhere.
COMMENT_HEADING_RE = re.compile(
    r"(?:leave|post|add|write) a (?:reply|comment|response)|comments?|(?:\d+|no|one) "
    r"(?:comments?|responses?|replies)|(?:\d+|one) thoughts? on .*"
    r"|join the (?:discussion|conversation)|discussion"
)
COMMENT_FORM_RE = re.compile(
    r"cancel reply|post comment|submit(?: comment)?|δ|(?:name|e-?mail|website|comment)\s*\*?"
    r"|your email address will not be published.*|required fields are marked.*"
    r"|save my name, email,? and website in this browser.*|notify me of .*by email.*"
    r"|this site uses akismet.*|you must be logged in to post a comment.*"
)
COMMENT_LABEL_MAX_WORDS = 4  # short labels after a comment heading belong to the form

# Related-post blocks: a heading, then teaser lines until real body text comes back.
RELATED_HEADING_RE = re.compile(
    r"(?:related|more)(?: posts| articles| stories| news| content| coverage| reading)?"
    r"|read (?:more|next|also)|see also|more from .{1,40}|you (?:may|might) (?:also )?"
    r"(?:like|enjoy|be interested in)|recommended(?: for you| stories| articles)?"
    r"|most (?:read|popular|viewed|shared)|(?:popular|trending|latest)(?: posts| stories| news)?"
    r"|tags|topics|filed under"
    r"|what to read next|don'?t miss"
    # the same headings in the languages of the benchmark's pages
    r"|leggi anche|lesen sie auch|mehr zum thema|leia (?:também|mais)|veja também"
    r"|lea también|lee también|(?:à )?lire aussi|voir aussi"
)
TEASER_MAX_WORDS = 25
ECHO_MIN_WORDS = 6  # an echo cut with "..." must be long enough to be sure it is one
KEYWORD_LIST_ITEMS = 4  # a tag list: at least this many comma-separated items...
KEYWORD_ITEM_WORDS = 4  # ...of at most this many words on average
ELLIPSIS_RE = re.compile(r"(?:…|\.\.\.)[\]\)]?$")
MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATED_RE = re.compile(
    rf"^(?:\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\d{{4}}-\d{{2}}-\d{{2}}|{MONTHS} \d{{1,2}}\b"
    rf"|\d{{1,2}} {MONTHS}(?:\s|$))|\b\d+ (?:minutes?|hours?|days?|weeks?) ago\b",
    re.I,
)

# Headline shape: no terminal . ! ? (optionally before closing quotes/brackets).
SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’»)\]]*$")
OPENING_QUOTES = "\"'“‘«"
SENTENCE_BREAK_RE = re.compile(r"[.!?][\"'”’»]?\s+[A-Z]")
HEADLINE_MIN_WORDS = 6  # shorter lines are section labels ("Interrogation process")
HEADLINE_MAX_WORDS = 20
# Sentence-case lines unrelated to the next lines are too often list items, recipe steps or
# Q&A lines of the article itself: only Title Case lines count as inserted headlines.
TITLE_CASE_SHARE = 0.7
PARAGRAPH_WORDS = 12  # the lines around an inserted headline are running text
CONTEXT_LINES = 2  # an inserted headline shares no content word with this many lines after it
STEM_PREFIX = 5
SUFFIXES = ("ing", "ed", "es", "s")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my new no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your amid says say said us mr ms""".split()  # say/said: every news line has them
)
WORD_RE = re.compile(r"[^\W\d_]+")
TOKEN_RE = re.compile(r"\w+")
# Lines that are only an ISO date or timestamp: page metadata, not prose. (Bare URLs stay:
# link lists are part of some articles.)
NON_PROSE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?\S*)?")
TITLE_SEPARATOR_RE = re.compile(r"\s+[|–—-]\s+")
DIGITS_RE = re.compile(r"\d+")
LEARNED_MAX_SHARE = 0.5  # more of an article than this in learned lines: a copy, keep it


class CleanedText(NamedTuple):
    text: str  # the kept lines joined with "\n"
    removed: tuple[str, ...]  # the removed lines (stripped), in order


# --- Line predicates ----------------------------------------------------------------------


def _norm(line: str) -> str:
    """Lowercase, collapse spaces, drop a trailing colon or ellipsis: whole-line matching."""
    return " ".join(line.lower().split()).rstrip(":.…").strip()


def _tokens(line: str) -> list[str]:
    return TOKEN_RE.findall(line.lower())


def is_non_prose(line: str) -> bool:
    """A bare timestamp or a row of punctuation: metadata that leaked into the body."""
    return bool(NON_PROSE_RE.fullmatch(line.strip())) or not TOKEN_RE.search(line)


def title_variants(title: str) -> set[tuple[str, ...]]:
    """The title's tokens, whole and split at " | " or " - " (site names ride along)."""
    parts = TITLE_SEPARATOR_RE.split(title)
    variants = {tuple(tokens) for tokens in map(_tokens, parts) if len(tokens) >= 3}
    return variants | {tuple(_tokens(title))} - {()}


def _words(line: str) -> int:
    return len(line.split())


def strip_line(raw: str) -> str:
    """The line without surrounding whitespace and leading bullets."""
    return BULLET_RE.sub("", raw.strip()).strip()


def is_cta(line: str) -> bool:
    """Join us on Telegram / Follow @handle / Share this article, but not news about platforms."""
    verb = CTA_VERB_RE.match(line)
    if not verb or _words(line) > CTA_MAX_WORDS or ATTRIBUTION_RE.search(line):
        return False
    after = line[verb.end() :].split()
    # "Share prices fell": the verb is a noun when a plain lowercase word follows it.
    imperative = bool(after) and (
        after[0].lower().strip(",.!") in CTA_NEXT_WORDS
        or after[0].startswith("@")
        or after[0].istitle()
    )
    return imperative and bool(CTA_TARGET_RE.search(line))


def is_signup_prompt(line: str) -> bool:
    """Newsletter sign-up forms and prompts, but not news about subscribers or email alerts."""
    if _words(line) > SIGNUP_MAX_WORDS or ATTRIBUTION_RE.search(line):
        return False
    signup = SIGNUP_RE.search(line)
    addressed = bool(READER_RE.search(line)) or (signup is not None and signup.start() == 0)
    return signup is not None and addressed and bool(NEWSLETTER_RE.search(line))


def is_caption(line: str) -> bool:
    """A short photo caption ending in "Credit: <name>"."""
    return _words(line) <= CAPTION_MAX_WORDS and bool(CAPTION_CREDIT_RE.search(line))


def is_share_bar(line: str) -> bool:
    """A row of share buttons or a share counter: share words and counts only."""
    tokens = _tokens(line)
    return (
        len(tokens) <= SHARE_BAR_MAX_WORDS
        and any(t in SHARE_VERBS for t in tokens)
        and all(t in SHARE_BAR_WORDS or COUNT_RE.fullmatch(t) for t in tokens)
    )


def is_notice(line: str) -> bool:
    """Site furniture: source link, read also, ctrl+enter, copyright, photo credits..."""
    words = _words(line)
    if words > NOTICE_MAX_WORDS or (CREDIT_RE.match(line) and words > CREDIT_MAX_WORDS):
        return False
    return any(p.fullmatch(_norm(line)) for p in NOTICE_RES)


def is_comment_heading(line: str) -> bool:
    return bool(COMMENT_HEADING_RE.fullmatch(_norm(line)))


def is_comment_form(line: str) -> bool:
    return bool(COMMENT_FORM_RE.fullmatch(_norm(line)))


def is_related_heading(line: str) -> bool:
    return bool(RELATED_HEADING_RE.fullmatch(_norm(line)))


def looks_like_headline(line: str) -> bool:
    """One unpunctuated sentence starting with a capital: a headline or teaser title."""
    starts_like_title = line[:1].isupper() or line[:1] in OPENING_QUOTES
    ends_open = not (SENTENCE_END_RE.search(line) or line.endswith((":", ",", ";")))
    return starts_like_title and ends_open and not SENTENCE_BREAK_RE.search(line)


def is_keyword_list(line: str) -> bool:
    """ "stock car 2018, stock car brasil, interlagos, ...": tags, not a sentence."""
    items = line.split(",")
    return len(items) >= KEYWORD_LIST_ITEMS and _words(line) <= KEYWORD_ITEM_WORDS * len(items)


def is_teaser(line: str) -> bool:
    """A related-post item: a short headline, a paragraph cut with '…', or a dated line."""
    if ELLIPSIS_RE.search(line) or is_keyword_list(line):
        return True
    short = _words(line) <= TEASER_MAX_WORDS
    return short and (looks_like_headline(line) or bool(DATED_RE.search(line)))


# --- Inserted headlines ---------------------------------------------------------------------


def stem(word: str) -> str:
    """Crude stemmer: strip one common suffix, keeping at least 3 letters."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(line: str) -> set[str]:
    """Lowercased, stemmed words minus stopwords; apostrophes split off the "s" of "Kyiv's"."""
    tokens = (w.lower() for w in WORD_RE.findall(line))
    return {stem(w) for w in tokens if len(w) > 1 and w not in STOPWORDS}


def _related(a: str, b: str) -> bool:
    """Equal stems, or a common prefix long enough (capture/captured, villages/village)."""
    return a == b or (min(len(a), len(b)) >= STEM_PREFIX and a[:STEM_PREFIX] == b[:STEM_PREFIX])


def shares_content(head: str, context: list[str]) -> bool:
    theirs = set().union(*(content_stems(line) for line in context))
    return any(_related(a, b) for a in content_stems(head) for b in theirs)


def is_title_case(line: str) -> bool:
    """Most longer words capitalised, as headlines of inserted related posts are."""
    words = [w for w in WORD_RE.findall(line) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


def is_headline_candidate(line: str) -> bool:
    return (
        HEADLINE_MIN_WORDS <= _words(line) <= HEADLINE_MAX_WORDS
        and looks_like_headline(line)
        and is_title_case(line)
        and "@" not in line  # "Name (@handle) November 18, 2019" closes an embedded post
    )


# --- Driver --------------------------------------------------------------------------------


def is_furniture(line: str) -> bool:
    """Whether a line rule alone drops the line, wherever it stands."""
    return (
        is_non_prose(line)
        or is_notice(line)
        or is_cta(line)
        or is_signup_prompt(line)
        or is_caption(line)
        or is_share_bar(line)
        or is_comment_form(line)
    )


def _first_pass(lines: list[str], title: str) -> list[bool]:
    """Keep flags from the line rules and the comment/related block state machine."""
    titles = title_variants(title)
    keep: list[bool] = []
    mode = "body"
    for line in lines:
        in_form = is_comment_form(line) or _words(line) <= COMMENT_LABEL_MAX_WORDS
        if mode == "comments" and in_form:
            keep.append(False)
            continue
        if mode == "related" and not is_comment_heading(line) and is_teaser(line):
            keep.append(False)
            continue
        mode = "body"
        if is_comment_heading(line):
            mode = "comments"
        elif is_related_heading(line):
            mode = "related"
        keep.append(
            mode == "body" and tuple(_tokens(line)) not in titles and not is_furniture(line)
        )
    return keep


def between_paragraphs(before: list[str], after: list[str]) -> bool:
    """Inserted headlines interrupt running text; list items stand among short lines."""
    return bool(before and after) and min(_words(before[-1]), _words(after[0])) >= PARAGRAPH_WORDS


def _drop_inserted_headlines(lines: list[str], keep: list[bool]) -> None:
    """Unset keep for headline-shaped lines unrelated to the kept lines that follow them."""
    kept = [i for i, k in enumerate(keep) if k]
    for pos, i in enumerate(kept):
        before = [lines[j] for j in kept[max(0, pos - 1) : pos]]
        context = [lines[j] for j in kept[pos + 1 : pos + 1 + CONTEXT_LINES]]
        if (
            is_headline_candidate(lines[i])
            and between_paragraphs(before, context)
            and content_stems(lines[i])
        ):
            keep[i] = shares_content(lines[i], context)


def _drop_cut_echoes(lines: list[str], keep: list[bool]) -> None:
    """Unset keep for a paragraph that repeats an earlier one cut short with an ellipsis.

    Extractors that read a page's article twice (AMP copy, teaser) leave such echoes.
    Whole repeats stay: interviews repeat questions and meal plans repeat meals.
    """
    seen: list[str] = []
    for i, line in enumerate(lines):
        if not keep[i] or _words(line) < ECHO_MIN_WORDS:
            continue
        key = " ".join(_tokens(line))
        if ELLIPSIS_RE.search(line) and any(earlier.startswith(key) for earlier in seen):
            keep[i] = False
        else:
            seen.append(key)


def line_key(line: str) -> str:
    """What makes two lines the same line: their words, lowercased, any number as 0."""
    return DIGITS_RE.sub("0", " ".join(_tokens(strip_line(line))))


def _drop_learned(lines: list[str], keep: list[bool], learned: Collection[str]) -> None:
    """Unset keep for lines the article's source repeats across its articles.

    An article made mostly of such lines is a copy of another one, not boilerplate:
    it keeps them.
    """
    hits = [i for i, line in enumerate(lines) if line_key(line) in learned]
    if len(hits) <= LEARNED_MAX_SHARE * len(lines):
        for i in hits:
            keep[i] = False


def clean_text(text: str, title: str = "", learned: Collection[str] = ()) -> CleanedText:
    """Drop boilerplate lines from an article body (one paragraph per line).

    `learned` holds line keys (see line_key) that the article's source repeats across
    many of its articles: site footers and prompts no rule knows.
    """
    lines = [s for s in (strip_line(raw) for raw in text.splitlines()) if s]
    keep = _first_pass(lines, title)
    if learned:
        _drop_learned(lines, keep, learned)
    _drop_cut_echoes(lines, keep)
    _drop_inserted_headlines(lines, keep)
    kept = [line for line, k in zip(lines, keep, strict=True) if k]
    removed = tuple(line for line, k in zip(lines, keep, strict=True) if not k)
    return CleanedText("\n".join(kept), removed)
