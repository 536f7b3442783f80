"""AP Media API responses (feed pages and single items) become stories: AP's
JSON read as the ninjs dialect it is, with what only AP says mapped.

The responses in ``tests/fixtures/apmedia/`` were written for these tests after
AP's published field list: a feed page of a text story with a linked picture
and a picture item, an item with its NITF body and an embargo, and a canceled
item with an XHTML body. Each ``<name>.expected.json`` holds what must come out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.matching import subset
from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest.apmedia import parse_apmedia
from wire.ingest.detect import detect_format
from wire.ingest.pipeline import parse_input
from wire.model import Story
from wire.storyjson import story_to_dict, validate_story_dict

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apmedia"
RESPONSES = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))
FETCHED = datetime(2025, 7, 6, tzinfo=UTC)


def parsed(path: Path) -> list[Story]:
    return parse_input(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="ap")


def item_response(**item: Any) -> bytes:
    base = {"uri": "https://api.ap.org/media/v/content/abc?qt=1&et=2", "altids": {"itemid": "abc"}}
    return json.dumps({"api_version": "2.2", "data": {"item": base | item}}).encode()


@pytest.mark.parametrize("path", RESPONSES, ids=lambda p: p.name)
def test_each_item_becomes_the_story_it_tells(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
    assert subset([story_to_dict(s) for s in parsed(path)], expected) == expected


@pytest.mark.parametrize("path", RESPONSES, ids=lambda p: p.name)
def test_an_ap_response_is_told_by_its_shape(path: Path) -> None:
    assert detect_format(path.read_bytes()) == "apmedia"


@pytest.mark.parametrize("path", RESPONSES, ids=lambda p: p.name)
def test_every_story_fits_the_story_schema(path: Path) -> None:
    for story in parsed(path):
        validate_story_dict(story_to_dict(story))
        assert story.origin.format == "apmedia"


def test_an_ap_item_alone_is_told_by_its_altids() -> None:
    item = {"uri": "u", "altids": {"itemid": "abc"}, "version": 0, "headline": "H"}
    assert detect_format(json.dumps(item).encode()) == "apmedia"
    (story,) = parse_input(json.dumps(item).encode(), name="i", fetched_at=FETCHED)
    assert (story.guid, story.version) == ("u", 1)


def test_ap_versions_count_from_zero_and_every_version_is_the_same_guid() -> None:
    (first,) = parse_apmedia(item_response(version=0, headline="H"), name="a", fetched_at=FETCHED)
    later = item_response(
        uri="https://api.ap.org/media/v/content/abc?qt=9&et=8", version=3, headline="H"
    )
    (fourth,) = parse_apmedia(later, name="b", fetched_at=FETCHED)
    assert (first.version, fourth.version) == (1, 4)
    assert first.guid == fourth.guid == "https://api.ap.org/media/v/content/abc"


def test_without_a_uri_the_item_id_is_the_guid() -> None:
    doc = {"api_version": "2", "data": {"item": {"altids": {"itemid": "xyz"}, "headline": "H"}}}
    (story,) = parse_apmedia(json.dumps(doc).encode(), name="n", fetched_at=FETCHED)
    assert story.guid == "urn:ap:item:xyz"


def test_byline_people_are_split_in_title_case_without_their_title() -> None:
    (story, _) = parsed(FIXTURES / "ap-feed-page.json")
    assert story.byline == ("Jose Estevez", "Marta Diaz")


def test_the_linked_picture_has_its_caption_and_photographer() -> None:
    (story, _) = parsed(FIXTURES / "ap-feed-page.json")
    (picture,) = story.pictures
    assert picture.caption is not None
    assert picture.caption.startswith("Fishing boats")
    assert picture.credit == "Steven Senne"


def test_a_picture_item_is_a_story_with_its_main_rendition() -> None:
    (_, photo) = parsed(FIXTURES / "ap-feed-page.json")
    (picture,) = photo.pictures
    assert picture.url is not None
    assert "type=photo" in picture.url
    assert picture.credit == "Matt Rourke"


def test_the_nitf_body_is_read_as_nitf_with_its_pictures() -> None:
    (story,) = parsed(FIXTURES / "ap-item-body-nitf.json")
    assert story.body[0].startswith("The Federal Reserve")
    assert [p.credit for p in story.pictures] == ["AP Photo/Jacquelyn Martin"]


def test_a_body_nitf_that_is_not_nitf_is_refused() -> None:
    with pytest.raises(MalformedInput, match="body_nitf"):
        parse_apmedia(
            item_response(headline="H", body_nitf="<html/>"), name="b", fetched_at=FETCHED
        )


def test_usage_terms_written_as_a_list_are_joined() -> None:
    data = item_response(headline="H", usageterms=["Editorial use only.", "No archiving."])
    (story,) = parse_apmedia(data, name="u", fetched_at=FETCHED)
    assert story.rights.usage_terms == "Editorial use only. No archiving."


def test_an_empty_feed_page_is_no_content() -> None:
    doc = {"api_version": "2.2", "data": {"items": [], "next_page": "https://api.ap.org/next"}}
    assert detect_format(json.dumps(doc).encode()) == "apmedia"
    with pytest.raises(NoContent):
        parse_input(json.dumps(doc).encode(), name="e", fetched_at=FETCHED)


def test_json_of_another_shape_is_not_ap() -> None:
    with pytest.raises(MalformedInput, match="not an AP Media API response"):
        parse_apmedia(b'{"api_version": "2", "data": "nothing"}', name="x", fetched_at=FETCHED)


def test_other_apis_data_wrappers_stay_ninjs() -> None:
    doc = {"data": {"items": [{"uri": "u", "headline": "H"}]}}
    assert detect_format(json.dumps(doc).encode()) == "ninjs"


_VALUE = st.none() | st.booleans() | st.integers(-2, 12) | st.text(max_size=20)
_KEYS = st.sampled_from(
    [
        "version", "urgency", "headline", "title", "bylines", "located", "datelinelocation",
        "usageterms", "provider", "infosource", "subject", "associations", "body_nitf",
        "body_xhtml", "type", "pubstatus", "firstcreated", "photographer", "renditions",
    ]
)  # fmt: skip
_JSON = st.recursive(_VALUE, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["by", "name", "city", "href", "main", "type", "uri"]), inner, max_size=3
), max_leaves=8)  # fmt: skip


@given(st.dictionaries(_KEYS, _JSON, max_size=8))
def test_any_ap_shaped_item_gives_a_valid_story_or_a_named_refusal(item: dict[str, Any]) -> None:
    try:
        stories = parse_input(item_response(**item), name="gen", fetched_at=FETCHED)
    except IngestError:
        return
    for story in stories:
        validate_story_dict(story_to_dict(story))
