"""Round trip: what wire publishes as NewsML-G2 or ninjs, wire's own parsers read back.

Each attribution field must survive render → parse unchanged; a field that does
not is a contract break between the renderer and the parser.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.validators import NAMES, fixture_story
from wire.model import Story
from wire.publish.newsml import render_newsml_story
from wire.publish.ninjs import render_ninjs_story

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
    }


def _body_text(story: Story) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p).strip() for p in story.body]


NEWSML_GAPS = frozenset({"byline", "provider", "related", "sources"})
"""Fields the NewsML-G2 parser does not yet read back as rendered: a byline joined in
``by`` (the parser prefers it over one ``creator`` per person), the provider
abbreviation in ``provider/@literal``, related links without ``href``, and the
source evidence in ``infoSource/wire:source/@evidence``."""

NINJS_GAPS = frozenset({"byline", "dateline", "editor", "pictures", "related", "signals"})
"""Fields the ninjs parser does not yet read back: ``by`` split into people, the
dateline agency (descriptions role ``dateline``), ``editor`` and ``signal``
descriptions, and ``urn:wire:picture:``/``urn:wire:related:`` association URIs
(which stand for "no URL")."""


def _newsml_back(name: str) -> tuple[Story, Story]:
    ingest = pytest.importorskip("wire.ingest.newsml")
    story = fixture_story(name)
    (back,) = ingest.parse_newsml(render_newsml_story(story), name=name, fetched_at=FETCHED)
    return story, back


def _ninjs_back(name: str) -> tuple[Story, Story]:
    ingest = pytest.importorskip("wire.ingest.ninjs")
    story = fixture_story(name)
    data = json.dumps(render_ninjs_story(story), ensure_ascii=False).encode()
    parsed = ingest.parse_ninjs(data, name=name, fetched_at=FETCHED)
    return story, parsed[0] if isinstance(parsed, list) else parsed


def _without(fields: dict[str, Any], gaps: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in gaps}


def _only(fields: dict[str, Any], gaps: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k in gaps}


@pytest.mark.parametrize("name", NAMES)
def test_newsml_round_trip_keeps_attribution(name: str) -> None:
    story, back = _newsml_back(name)
    assert _without(_fields(back), NEWSML_GAPS) == _without(_fields(story), NEWSML_GAPS)


@pytest.mark.xfail(strict=True, reason="NewsML-G2 parser gaps, see NEWSML_GAPS")
def test_newsml_round_trip_keeps_the_fields_the_parser_still_misses() -> None:
    for name in NAMES:
        story, back = _newsml_back(name)
        assert _only(_fields(back), NEWSML_GAPS) == _only(_fields(story), NEWSML_GAPS)


@pytest.mark.parametrize("name", NAMES)
def test_newsml_round_trip_keeps_the_body(name: str) -> None:
    story, back = _newsml_back(name)
    assert _body_text(back) == _body_text(story)


@pytest.mark.parametrize("name", NAMES)
def test_ninjs_round_trip_keeps_attribution(name: str) -> None:
    story, back = _ninjs_back(name)
    # ninjs has no property for a source's evidence phrase: it is not carried.
    mine, theirs = _fields(story, evidence=False), _fields(back, evidence=False)
    assert _without(theirs, NINJS_GAPS) == _without(mine, NINJS_GAPS)


@pytest.mark.xfail(strict=True, reason="ninjs parser gaps, see NINJS_GAPS")
def test_ninjs_round_trip_keeps_the_fields_the_parser_still_misses() -> None:
    for name in NAMES:
        story, back = _ninjs_back(name)
        mine, theirs = _fields(story, evidence=False), _fields(back, evidence=False)
        assert _only(theirs, NINJS_GAPS) == _only(mine, NINJS_GAPS)
