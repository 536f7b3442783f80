"""Property tests: any story wire can hold renders to valid RSS, Atom, NewsML-G2 and ninjs."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import renderable_stories
from tests.validators import feed_meta, validate_atom, validate_newsml, validate_ninjs
from wire.model import (
    Story,
)
from wire.publish.atom import render_atom
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs_story
from wire.publish.rss import render_rss
from wire.publish.storyhtml import render_story_html
from wire.visibility import as_shown

PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(story=renderable_stories)
def test_any_story_is_a_valid_news_item(shared: Path, story: Story) -> None:
    validate_newsml(render_newsml_story(story))


@PROPS
@given(stories=st.lists(renderable_stories, min_size=1, max_size=3))
def test_any_stories_make_a_valid_news_message(shared: Path, stories: list[Story]) -> None:
    validate_newsml(render_newsml(feed_meta("xml"), stories))


@PROPS
@given(story=renderable_stories)
def test_any_story_is_valid_ninjs(shared: Path, story: Story) -> None:
    validate_ninjs(json.loads(json.dumps(render_ninjs_story(story))))


@PROPS
@given(stories=st.lists(renderable_stories, max_size=3))
def test_any_stories_make_a_valid_atom_feed(shared: Path, stories: list[Story]) -> None:
    data = render_atom(feed_meta("atom"), stories)
    validate_atom(data)
    assert not feedparser.parse(data).bozo


@PROPS
@given(stories=st.lists(renderable_stories, max_size=3))
def test_any_stories_make_rss_feedparser_reads(stories: list[Story]) -> None:
    parsed = feedparser.parse(render_rss(feed_meta(), stories))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [s.guid for s in stories]
    for entry, story in zip(parsed.entries, stories, strict=True):
        assert entry.title.strip() == as_shown(story).headline.strip()


@PROPS
@given(story=renderable_stories)
def test_any_story_page_renders_the_same_bytes_twice(story: Story) -> None:
    assert render_story_html(story) == render_story_html(story)
