"""Round trip: what wire publishes as NewsML-G2 or ninjs, wire's own parsers read back.

Each attribution field must survive render → parse unchanged, for every fixture
story, alone and in a feed; a field that does not is a contract break between the
renderer and the parser.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import clean_stories
from tests.validators import NAMES, feed_meta, fixture_story
from wire.ingest.newsml import parse_newsml
from wire.ingest.ninjs import parse_ninjs
from wire.model import (
    Story,
)
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs, render_ninjs_story
from wire.visibility import as_shown

FETCHED = datetime(2025, 7, 7, tzinfo=UTC)


def _line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


def _fields(story: Story, *, evidence: bool = True) -> dict[str, Any]:
    sources = [(s.name, s.role, s.evidence if evidence else None, s.url) for s in story.sources]
    return {
        "guid": story.guid,
        "version": story.version,
        "headline": story.headline,
        "byline": list(story.byline),
        "credit_line": " ".join(story.credit_line.split()) if story.credit_line else None,
        "provider": story.provider,
        "rights": story.rights,
        "sources": sources,
        "dateline": story.dateline,
        "pictures": [(p.caption, _line(p.credit), p.url) for p in story.pictures],
        "related": [(r.title, r.url) for r in story.related],
        "pub_status": story.pub_status,
        "embargoed_until": story.embargoed_until,
        "signals": list(story.signals),
        "ed_note": story.ed_note,
        "editor": story.editor,
        "language": story.language,
        "published_at": story.published_at,
        "first_created": story.first_created,
        "body": _body_text(story),
    }


def _body_text(story: Story) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p).strip() for p in story.body]


def _newsml_back(name: str) -> tuple[Story, Story]:
    story = fixture_story(name)
    (back,) = parse_newsml(render_newsml_story(story), name=name, fetched_at=FETCHED)
    return story, back


def _ninjs_back(name: str) -> tuple[Story, Story]:
    story = fixture_story(name)
    data = json.dumps(render_ninjs_story(story), ensure_ascii=False).encode()
    parsed = parse_ninjs(data, name=name, fetched_at=FETCHED)
    return story, parsed[0] if isinstance(parsed, list) else parsed


@pytest.mark.parametrize("name", NAMES)
def test_newsml_round_trip_keeps_attribution(name: str) -> None:
    story, back = _newsml_back(name)
    assert _fields(back) == _fields(story)


@pytest.mark.parametrize("name", NAMES)
def test_newsml_round_trip_keeps_the_body(name: str) -> None:
    story, back = _newsml_back(name)
    assert _body_text(back) == _body_text(story)


def test_newsml_feed_round_trip_gives_back_every_story_in_order() -> None:
    stories = [fixture_story(n) for n in NAMES]
    data = render_newsml(feed_meta("xml"), stories)
    back = parse_newsml(data, name="feed", fetched_at=FETCHED)
    assert [_fields(s) for s in back] == [_fields(as_shown(s)) for s in stories]


@pytest.mark.parametrize("name", NAMES)
def test_ninjs_round_trip_keeps_attribution(name: str) -> None:
    story, back = _ninjs_back(name)
    # ninjs has no property for a source's evidence phrase: it is not carried.
    assert _fields(back, evidence=False) == _fields(story, evidence=False)


def test_ninjs_feed_round_trip_gives_back_every_story_in_order() -> None:
    stories = [fixture_story(n) for n in NAMES]
    back = parse_ninjs(render_ninjs(feed_meta("json"), stories), name="feed", fetched_at=FETCHED)
    assert [_fields(s, evidence=False) for s in back] == [
        _fields(as_shown(s), evidence=False) for s in stories
    ]


def test_newsml_wire_wrote_before_xhtml_1_0_still_reads_back(fixtures: Path) -> None:
    # Until 2026-12 wire's bodies were <article> with HTML5 <figure>s, and the feed
    # group had only a roleuri: such messages still read back story for story.
    data = (fixtures / "formats" / "newsml_wire_2025_message.xml").read_bytes()
    back = parse_newsml(data, name="old", fetched_at=FETCHED)
    assert [_fields(s) for s in back] == [
        _fields(as_shown(fixture_story(n))) for n in ("full", "mina")
    ]


def test_newsml_body_reads_back_the_same_from_the_old_and_the_new_shape(fixtures: Path) -> None:
    old = parse_newsml(
        (fixtures / "formats" / "newsml_wire_2025_message.xml").read_bytes(),
        name="old",
        fetched_at=FETCHED,
    )
    new = parse_newsml(
        render_newsml(feed_meta("xml"), [fixture_story("full"), fixture_story("mina")]),
        name="new",
        fetched_at=FETCHED,
    )
    assert [(s.body, s.pictures) for s in old] == [(s.body, s.pictures) for s in new]


_PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(story=clean_stories)
def test_any_clean_story_survives_newsml(story: Story) -> None:
    (back,) = parse_newsml(render_newsml_story(story), name="prop", fetched_at=FETCHED)
    assert _fields(back) == _fields(story)


@_PROPS
@given(story=clean_stories)
def test_any_clean_story_survives_ninjs(story: Story) -> None:
    data = json.dumps(render_ninjs_story(story), ensure_ascii=False).encode()
    (back,) = parse_ninjs(data, name="prop", fetched_at=FETCHED)
    assert _fields(back, evidence=False) == _fields(story, evidence=False)
