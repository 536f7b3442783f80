"""Property tests: any story wire can hold renders to valid RSS, Atom, NewsML-G2 and ninjs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.validators import feed_meta, validate_atom, validate_newsml, validate_ninjs
from wire.model import (
    Dateline,
    InfoSource,
    Picture,
    Provider,
    PubStatus,
    Related,
    Rights,
    SourceRole,
    Story,
)
from wire.publish.atom import render_atom
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs_story
from wire.publish.rss import render_rss
from wire.publish.storyhtml import render_story_html

# XML 1.0 characters only: no C0 controls (tab/newline/CR allowed), no surrogates.
_CHAR = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("\n\t ")
TEXT = st.text(_CHAR, max_size=40)
RTL = st.sampled_from(["مرحبا بالعالم", "שלום עולם", "سجادي\nفاطمة", "‏RLM‏ mixed عربي"])
ANY_TEXT = TEXT | RTL
WORD = st.text(_CHAR, min_size=1, max_size=30).filter(lambda t: t.strip() != "")
OPT = st.none() | ANY_TEXT
URL = st.none() | st.sampled_from(["https://example.org/a", "https://example.org/b?x=1&y=2"])
INSTANT = st.none() | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))

STORIES = st.builds(
    Story,
    headline=WORD | RTL,
    guid=st.from_regex(r"urn:wire:[a-z]{1,8}:[0-9a-f]{1,16}", fullmatch=True),
    version=st.integers(min_value=1, max_value=50),
    pub_status=st.sampled_from(list(PubStatus)),
    version_created=INSTANT,
    first_created=INSTANT,
    published_at=INSTANT,
    embargoed_until=INSTANT,
    language=st.none() | st.sampled_from(["en", "ar", "he", "pt-BR"]),
    summary=OPT,
    body=st.lists(ANY_TEXT | st.just("<p>x <em>y</em></p>") | st.just("<p>broken"), max_size=3).map(
        tuple
    ),
    byline=st.lists(WORD | RTL, max_size=3).map(tuple),
    provider=st.none() | st.builds(Provider, WORD | RTL, OPT),
    credit_line=OPT,
    dateline=st.none() | st.builds(Dateline, ANY_TEXT, OPT, st.none() | st.just("2025-07-03")),
    editor=OPT,
    pictures=st.lists(st.builds(Picture, OPT, OPT, URL, OPT), max_size=2).map(tuple),
    sources=st.lists(
        st.builds(InfoSource, WORD | RTL, st.sampled_from([r.value for r in SourceRole]), OPT, URL),
        max_size=3,
    ).map(tuple),
    related=st.lists(st.builds(Related, ANY_TEXT, URL), max_size=2).map(tuple),
    rights=st.builds(Rights, OPT, OPT, OPT),
    subjects=st.lists(WORD, max_size=2).map(tuple),
    keywords=st.lists(WORD, max_size=2).map(tuple),
    signals=st.lists(st.sampled_from(["correction", "update"]), max_size=2, unique=True).map(tuple),
    ed_note=OPT,
)

PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(story=STORIES)
def test_any_story_is_a_valid_news_item(shared: Path, story: Story) -> None:
    validate_newsml(render_newsml_story(story))


@PROPS
@given(stories=st.lists(STORIES, min_size=1, max_size=3))
def test_any_stories_make_a_valid_news_message(shared: Path, stories: list[Story]) -> None:
    validate_newsml(render_newsml(feed_meta("xml"), stories))


@PROPS
@given(story=STORIES)
def test_any_story_is_valid_ninjs(shared: Path, story: Story) -> None:
    validate_ninjs(json.loads(json.dumps(render_ninjs_story(story))))


@PROPS
@given(stories=st.lists(STORIES, max_size=3))
def test_any_stories_make_a_valid_atom_feed(shared: Path, stories: list[Story]) -> None:
    data = render_atom(feed_meta("atom"), stories, stories)
    validate_atom(data)
    assert not feedparser.parse(data).bozo


@PROPS
@given(stories=st.lists(STORIES, max_size=3))
def test_any_stories_make_rss_feedparser_reads(stories: list[Story]) -> None:
    parsed = feedparser.parse(render_rss(feed_meta(), stories))
    assert not parsed.bozo, parsed.get("bozo_exception")
    usable = [s for s in stories if s.pub_status is PubStatus.USABLE]
    assert [e.id for e in parsed.entries] == [s.guid for s in usable]


@PROPS
@given(story=STORIES)
def test_any_story_page_renders_the_same_bytes_twice(story: Story) -> None:
    assert render_story_html(story) == render_story_html(story)
