"""Story JSON ↔ model: lossless both ways; invalid JSON names the field's path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from tests.strategies import stories
from wire.errors import StoryValidationError
from wire.model import Story
from wire.storyjson import dumps, loads, story_from_dict, story_to_dict


@given(stories)
def test_any_story_survives_json_both_ways(story: Story) -> None:
    assert loads(dumps(story)) == story


@given(stories)
def test_the_json_form_validates_against_the_schema(story: Story) -> None:
    story_from_dict(json.loads(json.dumps(story_to_dict(story))))


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"headline": "h", "pictures": [{"caption": "c", "colour": "red"}]}, "/pictures/0/colour"),
        ({"headline": "h", "byline": ["ok", 3]}, "/byline/1"),
        ({"headline": "h", "published_at": "yesterday"}, "/published_at"),
        ({"headline": "h", "pub_status": "gone"}, "/pub_status"),
        ({"headline": "h", "nonsense": 1}, "/nonsense"),
        ({"body": ["no headline"]}, "/"),
    ],
)
def test_invalid_story_json_names_the_field(doc: dict[str, object], path: str) -> None:
    with pytest.raises(StoryValidationError) as info:
        story_from_dict(doc)
    assert info.value.path == path


def test_text_that_is_not_json_is_refused_at_the_root() -> None:
    with pytest.raises(StoryValidationError) as info:
        loads(b"{not json")
    assert info.value.path == "/"


def test_nested_objects_carry_only_the_members_they_have() -> None:
    doc = story_to_dict(loads('{"headline": "h", "dateline": {"place": "Moscow"}}'))
    assert doc["dateline"] == {"place": "Moscow"}
    assert doc["summary"] is None
