"""Search for partners: the desk's text index, and the visibility rule over each
story found, so a search never shows a reader what its feeds would not.

A query is words (every one must be in the headline or body), ``"quoted
phrases"`` (their words in that order), and filters: ``source:NAME``,
``lang:TAG``, ``from:DATE`` and ``to:DATE`` (publication day, inclusive, UTC).
``parse_query`` is pure; ``search`` asks the store's index for candidates (every
word of the query, the filters it has columns for) and keeps those the reader may
see, as ``Publisher.story_decision`` says for the story URLs: the same rule as
every other channel. Phrases are checked on the story's own words, cut as the
index cuts them (``wire.store.search.word_run``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from wire.model import Audience, PubStatus, Story
from wire.publish.publisher import Publisher
from wire.store.base import DeskQuery
from wire.store.search import word_run, words
from wire.visibility import Verdict

MAX_WORDS = 16
SCAN_FACTOR = 4  # candidates examined per result asked, at most, before a page ends
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class BadQuery(ValueError):
    """A query that cannot be searched, with the reason in words."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    source: str | None = None
    language: str | None = None
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}: must be a day, YYYY-MM-DD") from None


def parse_query(text: str) -> SearchQuery:
    """The query ``text`` as words, phrases and filters. Raises ``BadQuery``."""
    found: dict[str, None] = {}
    phrases: list[tuple[str, ...]] = []
    source = language = None
    since = until = None
    for quoted, bare in _TOKEN.findall(text):
        if quoted or bare.startswith('"'):
            phrase = tuple(word_run(quoted or bare.strip('"')))
            if len(phrase) > 1:
                phrases.append(phrase)
            found.update(dict.fromkeys(phrase))
            continue
        name, colon, value = bare.partition(":")
        if colon and name in {"source", "lang", "from", "to"} and value:
            if name == "source":
                source = value
            elif name == "lang":
                if not _LANGUAGE.fullmatch(value):
                    raise BadQuery("lang: must be a language tag, e.g. en or pt-BR")
                language = value
            elif name == "from":
                since = datetime.combine(_day(value, "from"), time(), UTC)
            else:
                until = datetime.combine(_day(value, "to"), time(), UTC) + timedelta(days=1)
            continue
        found.update(dict.fromkeys(words(bare)))
    if not found and source is None and language is None and since is None and until is None:
        raise BadQuery("holds nothing to search for: words, a phrase or a filter")
    if len(found) > MAX_WORDS:
        raise BadQuery(f"must hold at most {MAX_WORDS} distinct words")
    if since is not None and until is not None and since >= until:
        raise BadQuery("from: must be before to")
    return SearchQuery(tuple(found), tuple(phrases), source, language, since, until)


def _holds_phrase(run: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(run[i : i + size]) == phrase for i in range(len(run) - size + 1))


def matches(story: Story, query: SearchQuery) -> bool:
    """The checks the index does not make: phrases in order, the publication days."""
    when = story.sort_time
    if query.since is not None and (when is None or when < query.since):
        return False
    if query.until is not None and (when is None or when >= query.until):
        return False
    if query.phrases:
        run = word_run(" ".join([story.headline, *story.body]))
        if not all(_holds_phrase(run, p) for p in query.phrases):
            return False
    return True


async def search(
    publisher: Publisher,
    audience: Audience,
    query: SearchQuery,
    *,
    limit: int,
    before: tuple[datetime, str] | None,
) -> tuple[list[Story], tuple[datetime, str] | None]:
    """Up to ``limit`` stories the reader may see, newest first, older than
    ``before``; and where the next page starts (None: no more). The position is
    that of the last candidate examined, so a page cut short by the scan bound
    goes on where it stopped."""
    if query.until is not None and (before is None or before[0] > query.until):
        before = (query.until, "")
    desk = DeskQuery(
        source=query.source,
        status=PubStatus.USABLE,
        language=query.language,
        words=query.words,
    )
    store, now = publisher.store, publisher.clock()
    shown: list[Story] = []
    scanned = 0
    while len(shown) < limit and scanned < limit * SCAN_FACTOR:
        batch = await store.find_stories(desk, now=now, limit=limit, before=before)
        if not batch:
            return shown, None
        for listed in batch:
            scanned += 1
            story = listed.story
            assert story.sort_time is not None  # every stored version has one
            before = (story.sort_time, story.guid)
            if query.since is not None and story.sort_time < query.since:
                return shown, None  # newest first: nothing older can match
            if not matches(story, query):
                continue
            decision = await publisher.story_decision(story.guid, audience)
            if decision.verdict is Verdict.VISIBLE and decision.story is not None:
                shown.append(decision.story)
                if len(shown) == limit:
                    return shown, before
        if len(batch) < limit:
            return shown, None
    return shown, before
