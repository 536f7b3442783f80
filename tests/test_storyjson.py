"""Story JSON ↔ model: lossless both ways; invalid JSON names the field's path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import stories
from wire.errors import StoryValidationError
from wire.model import Story
from wire.storyjson import (
    dumps,
    fast_validator,
    loads,
    schema_validator,
    story_from_dict,
    story_to_dict,
)


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
        ({"headline": "h", "urgency": 0}, "/urgency"),
        ({"headline": "h", "urgency": 10}, "/urgency"),
        ({"headline": "h", "urgency": "flash"}, "/urgency"),
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


SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\ufeff\u200b"


@given(
    story=stories,
    headline=st.text(alphabet=st.sampled_from(SPACES), min_size=1, max_size=3)
    | st.text(max_size=4),
    lang=st.text(alphabet="ab-1\n٣", max_size=6),
)
def test_the_quick_check_never_lets_in_what_the_schema_refuses(
    story: Story, headline: str, lang: str
) -> None:
    """``jsonschema_rs`` decides for the documents it finds valid: it must refuse
    every one ``jsonschema`` refuses (white space, digits and line ends are read
    differently by the two regex dialects)."""
    doc = {**story_to_dict(story), "headline": headline, "language": lang or None}
    python_refuses = any(True for _ in schema_validator().iter_errors(doc))
    if python_refuses:
        assert not fast_validator().is_valid(doc)
