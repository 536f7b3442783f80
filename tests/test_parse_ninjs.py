"""ninjs 1.x and 2.x objects become stories; JSON that is not ninjs is refused with a path."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wire.errors import IngestError, InputTooLarge, MalformedInput
from wire.ingest.ninjs import parse_ninjs
from wire.model import Dateline, InfoSource, Picture, Provider, PubStatus, Related, Rights, Story
from wire.storyjson import story_to_dict, validate_story_dict

FETCHED = datetime(2025, 7, 2, tzinfo=UTC)


def parse(data: bytes | Any) -> list[Story]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return parse_ninjs(raw, name="in.json", fetched_at=FETCHED, source="harbour")


@pytest.fixture
def v1(fixtures: Path) -> Story:
    (story,) = parse((fixtures / "formats" / "ninjs_v1.json").read_bytes())
    return story


@pytest.fixture
def v2(fixtures: Path) -> list[Story]:
    return parse((fixtures / "formats" / "ninjs_v2.json").read_bytes())


def test_stories_fit_the_schema(v1: Story, v2: list[Story]) -> None:
    for story in [v1, *v2]:
        validate_story_dict(story_to_dict(story))


def test_v1_uri_version_headline_byline(v1: Story) -> None:
    assert v1.guid == "http://harbour.example/ninjs/2025/tram-strike"
    assert v1.version == 2
    assert v1.headline == "Tram drivers walk out in Utrecht"
    assert v1.byline == ("Sanne Visser",)


def test_v1_rights_embargo_located(v1: Story) -> None:
    assert v1.rights == Rights(
        "Harbour Wire Ltd", "Copyright 2025 Harbour Wire Ltd", "Partners only"
    )
    assert v1.embargoed_until == datetime(2025, 7, 1, 11, 0, tzinfo=UTC)
    assert v1.dateline == Dateline(place="Utrecht")


def test_v1_body_html_and_description(v1: Story) -> None:
    assert v1.body == ("No trams ran in Utrecht on Wednesday.", "The union wants a 6% raise.")
    assert v1.summary == "No trams ran on Wednesday morning."


def test_v1_association_dict_gives_a_picture_with_its_credit(v1: Story) -> None:
    assert v1.pictures == (
        Picture(
            caption="Empty tram depot",
            credit="Photo: Lotte Kok / HW",
            url="http://harbour.example/img/tram.jpg",
            copyright="© Harbour Wire",
        ),
    )


def test_v2_wrapper_items_are_all_read(v2: list[Story]) -> None:
    assert [s.guid for s in v2] == ["urn:harbour:2025:heatwave", "urn:harbour:2025:wrong-report"]


def test_v2_main_headline_and_by_as_printed(v2: list[Story]) -> None:
    assert v2[0].headline == "Heat record broken in Maastricht"
    assert v2[0].byline == ("Noor de Wit and Bram Peters",)


def test_v2_credit_line_comes_from_descriptions(v2: list[Story]) -> None:
    assert v2[0].credit_line == "Harbour Wire (HW)"
    assert v2[0].summary == "Temperatures hit 39.1C."


def test_v2_infosources_split_into_provider_and_sources(v2: list[Story]) -> None:
    assert v2[0].provider == Provider("Harbour Wire", "HW")
    assert v2[0].sources == (
        InfoSource(name="KNMI", role="original-source", url="https://knmi.example"),
        InfoSource(name="Limburg Radio", role="reported-by"),
    )


def test_v2_associations_give_pictures_and_related(v2: list[Story]) -> None:
    assert v2[0].pictures == (
        Picture(
            caption="Sunbathers on the Maas",
            credit="Photo: Tim Hol / HW",
            url="https://img.harbour.example/heat.jpg",
            copyright="© HW",
        ),
    )
    assert v2[0].related == (
        Related(title="Heat record of 2019", url="https://harbour.example/heat-2019"),
    )


def test_v2_ednote_version_and_times(v2: list[Story]) -> None:
    assert v2[0].ed_note == "Updates temperature to 39.1C."
    assert v2[0].version == 5
    assert v2[0].version_created == datetime(2025, 7, 2, 6, 30, tzinfo=UTC)


def test_urgency_is_read_where_given_and_none_where_not(v1: Story, v2: list[Story]) -> None:
    assert (v1.urgency, v2[0].urgency) == (None, 2)


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("9", 9), (0, None), (True, None)])
def test_only_an_urgency_of_one_to_nine_is_kept(value: object, expected: int | None) -> None:
    (story,) = parse({"uri": "u", "headline": "h", "urgency": value})
    assert story.urgency == expected


def test_canceled_pubstatus_is_a_kill(v2: list[Story]) -> None:
    assert v2[1].pub_status is PubStatus.CANCELED


def test_author_people_are_the_byline_and_by_stays_printed_only() -> None:
    (story,) = parse(
        {
            "uri": "a",
            "headline": "A",
            "by": "Jane Doe, Ahmad Rahimi",
            "people": [
                {"name": "Jane Doe", "rel": "author"},
                {"name": "Mayor Smit", "rel": "subject"},
                {"name": "Ahmad Rahimi", "rel": "http://example.org/rel/author"},
            ],
        }
    )
    assert story.byline == ("Jane Doe", "Ahmad Rahimi")


def test_people_who_are_only_subjects_leave_by_as_the_byline() -> None:
    (story,) = parse(
        {"uri": "a", "headline": "A", "by": "Jane Doe, Staff", "people": [{"name": "Smit"}]}
    )
    assert story.byline == ("Jane Doe, Staff",)


def test_dateline_description_gives_agency_and_date_beside_located() -> None:
    (story,) = parse(
        {
            "uri": "a",
            "headline": "A",
            "located": "Port Town",
            "descriptions": [{"role": "dateline", "value": "Port Town, EWS, 2025-07-05"}],
        }
    )
    assert story.dateline == Dateline("Port Town", "EWS", "2025-07-05")


def test_editor_and_signal_descriptions_are_not_the_summary() -> None:
    (story,) = parse(
        {
            "uri": "a",
            "headline": "A",
            "descriptions": [
                {"role": "dateline", "value": "Moscow, MINA"},
                {"role": "editor", "value": "Shibgho"},
                {"role": "signal", "value": "correction"},
                {"role": "signal", "value": "update"},
            ],
        }
    )
    assert (story.editor, story.signals, story.summary) == (
        "Shibgho",
        ("correction", "update"),
        None,
    )


def test_wire_no_url_association_uris_give_no_url() -> None:
    (story,) = parse(
        {
            "uri": "a",
            "headline": "A",
            "associations": [
                {"name": "picture-1", "uri": "urn:wire:picture:a:1", "type": "picture",
                 "descriptions": [{"role": "caption", "value": "Boats"}]},
                {"name": "related-1", "uri": "urn:wire:related:a:1", "type": "text",
                 "title": "Weather outlook"},
                {"name": "related-2", "uri": "urn:other:story:9", "type": "text", "title": "Other"},
            ],
        }
    )  # fmt: skip
    assert story.pictures == (Picture(caption="Boats"),)
    assert story.related == (
        Related(title="Weather outlook"),
        Related(title="Other", url="urn:other:story:9"),
    )


def test_a_top_level_list_is_accepted() -> None:
    stories = parse([{"uri": "a", "headline": "A"}, {"uri": "b", "headline": "B"}])
    assert [s.guid for s in stories] == ["a", "b"]


def test_body_text_splits_on_blank_lines() -> None:
    (story,) = parse({"uri": "a", "headline": "A", "body_text": "One\nline.\n\nTwo."})
    assert story.body == ("One line.", "Two.")


def test_missing_uri_derives_a_guid() -> None:
    (story,) = parse({"headline": "A"})
    assert story.guid.startswith("urn:wire:harbour:")


def test_json_that_is_not_ninjs_is_malformed(fixtures: Path) -> None:
    with pytest.raises(MalformedInput, match="not ninjs"):
        parse((fixtures / "formats" / "hostile" / "not_ninjs.json").read_bytes())


def test_wrong_types_are_refused_naming_the_path() -> None:
    with pytest.raises(MalformedInput, match="/items/0/headline"):
        parse({"items": [{"uri": "a", "headline": ["not", "a", "string"]}]})


def test_a_scalar_is_not_ninjs() -> None:
    with pytest.raises(MalformedInput, match="not ninjs"):
        parse(b"42")


def test_invalid_json_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="not valid JSON"):
        parse(b'{"uri": "a", "headline": ')


def test_oversize_input_is_refused() -> None:
    with pytest.raises(InputTooLarge):
        parse_ninjs(b"{}" * 100, name="big", fetched_at=FETCHED, max_bytes=10)


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedInput):
        parse(b"[" * 100_000 + b"]" * 100_000)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1000))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_ninjs(data, name="fuzz", fetched_at=FETCHED)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["uri", "headline", "headlines", "bodies", "associations", "infosources", "version",
             "by", "descriptions", "value", "role", "type", "items", "embargoed", "subjects",
             "people", "name", "rel", "located"]
        ),
        inner,
        max_size=5,
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_json)
def test_arbitrary_json_shapes_raise_only_ingest_errors(doc: Any) -> None:
    with contextlib.suppress(IngestError):
        parse(doc)


_text = st.text(min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=100, deadline=None)
@given(holder=_text, notice=_text, by=_text, credit=_text, source=_text)
def test_generated_ninjs_keeps_its_attribution(
    holder: str, notice: str, by: str, credit: str, source: str
) -> None:
    (story,) = parse(
        {
            "uri": "u",
            "headlines": [{"value": "H"}],
            "by": by,
            "copyrightholder": holder,
            "copyrightnotice": notice,
            "descriptions": [{"role": "creditline", "value": credit}],
            "infosources": [{"name": source, "role": "original-source"}],
        }
    )
    assert story.byline == (by,)
    assert story.rights.copyright_holder == holder
    assert story.rights.copyright_notice == notice
    assert story.credit_line == credit
    assert story.sources == (InfoSource(name=source, role="original-source"),)


def test_a_language_that_is_not_a_tag_is_dropped_for_review() -> None:
    (story,) = parse({"uri": "a", "headline": "A", "language": "en[]"})
    assert story.language is None
    assert any("language" in note for note in story.review)


@pytest.mark.parametrize(
    ("fixture", "headlines"),
    [
        ("ninjs_total_item.json", ["Ferry crews strike in Harbour Town"]),
        (
            "ninjs_data_items.json",
            ["Spring tide floods the quay", "Lighthouse reopens to visitors"],
        ),
    ],
)
def test_an_api_envelope_around_ninjs_is_taken_off(
    fixtures: Path, fixture: str, headlines: list[str]
) -> None:
    stories = parse((fixtures / "formats" / fixture).read_bytes())
    assert [s.headline for s in stories] == headlines


@pytest.mark.parametrize(
    "doc",
    [
        {"data": {"uri": "u", "headline": "H"}},
        {"data": [{"uri": "u", "headline": "H"}]},
        {"total": 1, "item": {"uri": "u", "headline": "H"}},
        {"result": "ok", "data": {"item": {"uri": "u", "headline": "H"}}},
    ],
)
def test_every_usual_envelope_gives_the_one_story(doc: dict[str, Any]) -> None:
    (story,) = parse(doc)
    assert (story.guid, story.headline) == ("u", "H")


def test_an_envelope_error_names_the_path_inside_it() -> None:
    with pytest.raises(MalformedInput, match="/data/items/0/headline"):
        parse({"data": {"items": [{"uri": "u", "headline": 5}]}})
