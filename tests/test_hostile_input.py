"""One bad story never takes a feed down: text is clean at the door, rendering is
isolated, and hostile protocol input gets a precise 4xx, never a 500."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.desk_client import (
    ADMIN,
    EDITOR,
    Client,
    problem,
    push,
    story_doc,
)
from tests.strategies import stories
from tests.validators import feed_meta
from wire.errors import StoryValidationError
from wire.model import Origin, Story
from wire.publish.atom import render_atom
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs
from wire.publish.rss import render_rss
from wire.publish.storyhtml import render_story_html
from wire.sanitize import sanitize_story, xml_text
from wire.web.keys import WIRE

HOSTILE = "\x00\x01\x07\x1b\x7f\ufffe\uffff\ud800\udfff\u2028\x85"
hostile_text = st.text(st.sampled_from(HOSTILE) | st.characters(), max_size=20)


# the door -------------------------------------------------------------------------------------

TEXT_FIELDS = [f.name for f in fields(Story) if f.type in ("str", "str | None")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=stories, field=st.sampled_from(TEXT_FIELDS), value=hostile_text)
def test_whatever_the_door_lets_in_renders_in_every_format(
    story: Story, field: str, value: str
) -> None:
    changes: dict[str, Any] = {field: value} if field != "guid" else {}
    dirty = replace(story, guid="urn:t:1", **changes)
    dirty = replace(dirty, body=(*dirty.body, value), byline=(value, *dirty.byline))
    try:
        clean = sanitize_story(dirty)
    except StoryValidationError:
        return  # refused at the door, with the field named
    if not clean.headline.strip():
        return  # the schema refuses a blank headline
    meta = feed_meta()
    for render in (render_rss, render_newsml, render_ninjs):
        render(meta, [clean])
    render_atom(feed_meta("atom"), [clean])
    render_newsml_story(clean)
    render_story_html(clean)


def test_characters_xml_cannot_carry_are_removed_and_the_rest_kept() -> None:
    assert xml_text("a\x00b\x1bc\ufffed\tе\n") == "abcd\tе\n"


def test_a_guid_holding_a_control_character_is_refused_not_changed() -> None:
    with pytest.raises(StoryValidationError) as caught:
        sanitize_story(Story(headline="x", guid="urn:t:\x1b"))
    assert caught.value.path == "/guid"


async def test_control_characters_in_pushed_json_never_reach_a_feed(client: Client) -> None:
    doc = story_doc(
        guid="urn:ctl:1",
        headline="Head\x00line\x1b",
        body=["Body\x07 text\ufffe"],
        byline=["Writer\x01"],
        credit_line="Credit\uffff",
        summary="Sum\x0bmary",
    )
    stored = await push(client, doc)
    assert stored["headline"] == "Headline"
    for url in ("/feeds/all.rss", "/feeds/all.atom", "/feeds/all.xml", "/feeds/all.json"):
        resp = await client.get(url)
        assert resp.status == 200, url
    assert (await client.get("/stories/urn:ctl:1.html")).status == 200


async def test_a_lone_surrogate_in_story_json_is_a_422_naming_the_field(client: Client) -> None:
    body = json.dumps(story_doc(guid="urn:sur:1")).replace('"urn:sur:1"', '"urn:\\ud800"')
    resp = await client.post(
        "/api/v1/stories", data=body, headers={**EDITOR, "Content-Type": "application/json"}
    )
    doc = await problem(resp, 422)
    assert doc["pointer"] == "/guid"
    patch = '{"ed_note": "fix", "byline": ["\\udfff"]}'
    await push(client, story_doc(guid="urn:sur:2"))
    resp = await client.post(
        "/api/v1/stories/urn:sur:2/correct",
        data=patch,
        headers={**EDITOR, "Content-Type": "application/json"},
    )
    assert (await problem(resp, 422))["pointer"] == "/byline/0"


async def test_a_ninjs_item_with_controls_stores_and_renders(client: Client) -> None:
    item = {"uri": "urn:ninjs:ctl", "headlines": [{"role": "main", "value": "Ctl\x1b head"}]}
    item["bodies"] = [{"role": "main", "contenttype": "text/plain", "value": "a\x00b"}]
    resp = await client.post(
        "/api/v1/stories?format=ninjs",
        data=json.dumps(item),
        headers={**EDITOR, "Content-Type": "application/json"},
    )
    assert resp.status in (200, 201), await resp.text()
    for url in ("/feeds/all.rss", "/feeds/all.atom", "/feeds/all.xml", "/feeds/all.json"):
        assert (await client.get(url)).status == 200, url


# rendering is isolated ------------------------------------------------------------------------


async def test_a_story_that_does_not_render_is_left_out_and_recorded_not_a_500(
    client: Client,
) -> None:
    app = client.app
    assert app is not None
    await push(client, story_doc(guid="urn:good:1", headline="Good story"))
    # straight into the store, past the door: XML cannot carry an ESC character
    await app[WIRE].store.save(
        Story(guid="urn:bad:1", headline="Bad \x1b story", origin=Origin(source="agency")),
        now=app[WIRE].clock(),
    )
    for fmt in ("rss", "atom", "xml", "json"):
        resp = await client.get(f"/feeds/all.{fmt}")
        assert resp.status == 200, fmt
        body = await resp.text()
        assert "Good story" in body
        if fmt != "json":  # JSON can carry it, so ninjs keeps it
            assert "urn:bad:1" not in body
    failures = await (await client.get("/api/v1/failures", headers=EDITOR)).json()
    assert any("urn:bad:1" in f["name"] for f in failures["failures"])
    page = await client.get("/stories/urn:bad:1.html")
    assert page.status == 503
    assert page.content_type == "application/problem+json"


# protocol hygiene -----------------------------------------------------------------------------


async def test_a_token_that_is_not_utf8_is_a_401_on_every_endpoint(client: Client) -> None:
    raw = b"Bearer \xff\xfe\xfa"
    for path in ("/feeds/all.rss", "/api/v1/stories/urn:x", "/stories/urn:x.json"):
        resp = await client.get(path, headers={"Authorization": raw.decode("latin-1")})
        assert resp.status == 401, path


@pytest.mark.parametrize("token", ["wire pt", "tok\x01en", "ünïcode", "a" * 10 + "\u2028"])
async def test_a_token_outside_the_bearer_grammar_is_a_401(client: Client, token: str) -> None:
    resp = await client.get("/feeds/all.rss", params={"token": token})
    assert resp.status == 401


async def test_a_kill_by_an_admin_still_works_with_clean_keys(client: Client) -> None:
    await push(client, story_doc(guid="urn:k:ok"))
    resp = await client.post("/api/v1/stories/urn:k:ok/kill", headers=ADMIN)
    assert resp.status == 200
