"""One table of formats: everything named after a format is derived from it,
and each format's vocabulary is read the way it is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wire.formats import (
    FEED_FORMATS,
    INPUT_CHOICES,
    STORY_FORMATS,
    Format,
    by_extension,
    feed_path,
    story_extensions,
    story_links,
    story_type,
)
from wire.formats.roles import IPTC_ROLE, role_of_code
from wire.model import SourceRole
from wire.publish.publisher import _LAYOUTS, _STORY_RENDERERS

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "schemas" / "config.schema.json").read_text()
)


def test_every_format_has_a_feed_renderer_and_every_story_format_a_story_renderer() -> None:
    assert set(_LAYOUTS) == set(Format)
    assert set(_STORY_RENDERERS) == {s.name for s in STORY_FORMATS}


@pytest.mark.parametrize("fmt", list(Format))
def test_a_feed_is_found_again_by_its_extension(fmt: Format) -> None:
    assert by_extension(fmt.extension) is fmt
    assert feed_path("all", fmt) == f"/feeds/all.{fmt.extension}"


def test_single_stories_are_served_in_the_story_formats_and_as_a_page() -> None:
    assert story_type("xml") == "application/vnd.iptc.g2.newsitem+xml; charset=utf-8"
    assert story_type("json") == "application/json"
    assert story_type("nitf") == "text/vnd.iptc.nitf; charset=utf-8"
    assert story_type("txt") == "text/plain; charset=utf-8"
    assert story_type("html") == "text/html; charset=utf-8"
    assert story_type("rss") is None


def test_the_story_formats_have_distinct_names_and_extensions() -> None:
    assert len({s.name for s in STORY_FORMATS}) == len(STORY_FORMATS)
    assert set(story_extensions()) == {s.extension for s in STORY_FORMATS}
    assert len(story_extensions()) == len(STORY_FORMATS)


def test_a_story_link_is_one_per_story_format_with_the_guid_encoded_whole() -> None:
    links = story_links("https://wire.example/", "urn:a/b c")
    assert list(links) == [s.name for s in STORY_FORMATS]
    assert links["nitf"] == "https://wire.example/stories/urn%3Aa%2Fb%20c.nitf"


def test_the_config_schema_offers_exactly_the_formats_there_are() -> None:
    feed = SCHEMA["properties"]["feeds"]["items"]["properties"]["formats"]["items"]["enum"]
    source = SCHEMA["properties"]["sources"]["items"]["properties"]["format"]["enum"]
    assert sorted(feed) == sorted(FEED_FORMATS)
    assert sorted(source) == sorted(INPUT_CHOICES)


@pytest.mark.parametrize("role", list(SourceRole))
def test_every_role_is_read_back_from_the_code_wire_writes_for_it(role: SourceRole) -> None:
    read = role_of_code(IPTC_ROLE[role])
    assert read is not None
    assert IPTC_ROLE[read] == IPTC_ROLE[role]  # the same IPTC meaning, the broadest wire role


def test_other_agencies_role_codes_are_understood() -> None:
    assert role_of_code("cpprole:origcont") is SourceRole.ORIGINAL_SOURCE
    assert role_of_code("xyz:origprov") is SourceRole.ORIGINAL_SOURCE
    assert role_of_code("wirerole:told") is SourceRole.TOLD
    assert role_of_code("cpprole:somethingelse") is None
