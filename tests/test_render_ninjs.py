"""ninjs 2.2 rendering: schema validity, the attribution mapping, and the feed wrapper."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.validators import NAMES, feed_meta, fixture_story, validate_ninjs
from wire.formats import story_links
from wire.publish.ninjs import render_ninjs, render_ninjs_story


def _doc(name: str) -> dict[str, object]:
    return render_ninjs_story(fixture_story(name))


def _descriptions(name: str) -> list[tuple[str, str]]:
    return [(d["role"], d["value"]) for d in _doc(name)["descriptions"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_validates(shared: Path, name: str) -> None:
    validate_ninjs(_doc(name))


def test_every_item_in_the_feed_wrapper_validates(shared: Path) -> None:
    wrapper = json.loads(render_ninjs(feed_meta("json"), [fixture_story(n) for n in NAMES]))
    for item in wrapper["items"]:
        validate_ninjs(item)


def test_wrapper_carries_feed_metadata_and_items_in_order() -> None:
    wrapper = json.loads(
        render_ninjs(feed_meta("json"), [fixture_story("full"), fixture_story("mina")])
    )
    assert {k: wrapper[k] for k in ("name", "title", "self", "updated")} == {
        "name": "world",
        "title": "World desk",
        "self": "https://wire.example/feeds/world.json",
        "updated": "2025-07-06T12:00:00Z",
    }
    assert [i["uri"] for i in wrapper["items"]] == [
        "urn:wire:desk:full-0001",
        "urn:wire:mina-en:5f1c0a9e2b7d4c1e8a3f6b0d9c2e7a41",
    ]


def test_guid_is_uri_and_version_is_a_string() -> None:
    doc = _doc("correction")
    assert (doc["uri"], doc["version"], doc["versioncreated"]) == (
        "urn:wire:desk:corr-0002",
        "3",
        "2025-07-06T08:00:00Z",
    )


def test_byline_is_by() -> None:
    assert _doc("full")["by"] == "Jane Doe, Ahmad Rahimi"


def test_each_byline_person_is_an_author_in_people() -> None:
    assert _doc("full")["people"] == [
        {"name": "Jane Doe", "rel": "author"},
        {"name": "Ahmad Rahimi", "rel": "author"},
    ]


def test_no_byline_means_no_people() -> None:
    story = replace(fixture_story("full"), byline=())
    assert "people" not in render_ninjs_story(story)
    assert "by" not in render_ninjs_story(story)


def test_rights_map_to_their_own_properties() -> None:
    doc = _doc("full")
    assert (doc["copyrightholder"], doc["copyrightnotice"], doc["usageterms"]) == (
        "Example Wire Service",
        "© 2025 Example Wire Service",
        "Editorial use only; no archiving.",
    )


def test_credit_line_is_a_description_on_one_line() -> None:
    assert ("creditline", "Example Wire Service (EWS) / Harbour Desk") in _descriptions("full")


def test_dateline_is_located_plus_the_printed_form() -> None:
    assert _doc("mina")["located"] == "Moscow"
    assert ("dateline", "Moscow, MINA") in _descriptions("mina")


def test_provider_and_sources_are_infosources_with_roles() -> None:
    assert _doc("full")["infosources"] == [
        {"name": "Example Wire Service", "role": "provider", "literal": "EWS"},
        {
            "name": "Port Authority Gazette",
            "role": "according-to",
            "uri": "https://gazette.example/item/1",
        },
        {"name": "Radio Coast", "role": "quoted"},
        {
            "name": "Coastal Times",
            "role": "original-source",
            "uri": "https://coastal.example/story",
        },
    ]


def test_pictures_are_associations_with_their_own_credit() -> None:
    pictures = [a for a in _doc("full")["associations"] if a["type"] == "picture"]  # type: ignore[attr-defined]
    assert [(p["by"], p["copyrightnotice"]) for p in pictures] == [
        ("Jane Doe/EWS", "© 2025 EWS"),
        ("Reader photo via\nSocial Media", "© the photographer"),
    ]
    assert pictures[0]["uri"] == "https://img.example/boats.jpg"


def test_related_are_text_associations() -> None:
    related = [a for a in _doc("full")["associations"] if a["type"] == "text"]  # type: ignore[attr-defined]
    assert [(r["title"], r["uri"]) for r in related] == [
        ("Storm closes harbour", "https://news.example/storm-closes"),
        ("Weather outlook", "urn:wire:related:urn%3Awire%3Adesk%3Afull-0001:2"),
    ]


def test_correction_carries_version_ednote_and_signal() -> None:
    doc = _doc("correction")
    assert doc["ednote"] == "Corrects the name of the port authority spokesperson."
    assert ("signal", "correction") in _descriptions("correction")


def test_kill_is_pubstatus_canceled() -> None:
    assert _doc("killed")["pubstatus"] == "canceled"


def test_embargo_is_embargoed() -> None:
    assert _doc("embargoed")["embargoed"] == "2025-07-07T06:00:00Z"


def test_editor_is_a_description() -> None:
    assert ("editor", "Shibgho") in _descriptions("mina")


def test_empty_optional_fields_are_left_out() -> None:
    doc = _doc("arabic")
    assert "usageterms" not in doc
    assert "embargoed" not in doc


def test_rendering_is_deterministic() -> None:
    stories = [fixture_story(n) for n in NAMES]
    assert render_ninjs(feed_meta("json"), stories) == render_ninjs(feed_meta("json"), stories)


def test_instants_are_whole_seconds_in_utc(shared: Path) -> None:
    moment = datetime(2026, 12, 1, 10, 0, 0, 987654, tzinfo=UTC)
    story = replace(
        fixture_story("embargoed"),
        version_created=moment,
        first_created=moment,
        published_at=moment,
        embargoed_until=moment,
    )
    doc = render_ninjs_story(story)
    validate_ninjs(doc)
    assert [doc[k] for k in ("versioncreated", "firstcreated", "contentcreated", "embargoed")] == [
        "2026-12-01T10:00:00Z"
    ] * 4


def test_associations_are_the_2_x_array_of_named_objects() -> None:
    associations = _doc("full")["associations"]
    assert isinstance(associations, list)
    assert [a["name"] for a in associations] == [
        "picture-1",
        "picture-2",
        "related-1",
        "related-2",
    ]


def test_urgency_is_ninjs_urgency() -> None:
    assert render_ninjs_story(fixture_story("full"))["urgency"] == 3


def test_a_feed_item_names_the_story_in_every_other_single_story_format(shared: Path) -> None:
    story = fixture_story("full")
    doc = json.loads(render_ninjs(feed_meta("json"), [story]))
    [item] = doc["items"]
    renditions = {r["name"]: (r["href"], r["contenttype"]) for r in item["renditions"]}
    links = story_links(feed_meta("json").site_url, story.guid)
    assert renditions["web"] == (story.link, "text/html")
    assert renditions["nitf"] == (links["nitf"], "text/vnd.iptc.nitf")
    assert renditions["text"] == (links["text"], "text/plain")
    assert "ninjs" not in renditions  # the item is that rendition
    validate_ninjs(item)
