"""NITF 3.x documents become one story with byline, dateline, rights and status kept."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest.nitf import parse_nitf
from wire.instants import basic_instant
from wire.model import Dateline, Picture, PubStatus, Rights, Story
from wire.storyjson import story_to_dict, validate_story_dict

FETCHED = datetime(2025, 7, 2, tzinfo=UTC)


@pytest.fixture
def story(fixtures: Path) -> Story:
    data = (fixtures / "formats" / "nitf_full.xml").read_bytes()
    (only,) = parse_nitf(data, name="nitf_full.xml", fetched_at=FETCHED, source="harbour")
    return only


def nitf(body: str, docdata: str = "") -> bytes:
    return (
        f"<nitf><head><docdata {docdata}/></head><body><body.head><hedline><hl1>H</hl1>"
        f"</hedline></body.head><body.content>{body}</body.content></body></nitf>"
    ).encode()


def test_story_fits_the_schema(story: Story) -> None:
    validate_story_dict(story_to_dict(story))


def test_doc_id_is_the_guid_and_du_key_the_version(story: Story) -> None:
    assert (story.guid, story.version) == ("HW-2025-0701-bridge", 3)


def test_ed_urg_is_the_urgency(story: Story) -> None:
    assert story.urgency == 4


@pytest.mark.parametrize("value", ["0", "10", "high", ""])
def test_an_ed_urg_outside_one_to_nine_is_no_urgency(value: str) -> None:
    data = (
        f'<nitf><head><docdata><urgency ed-urg="{value}"/></docdata></head>'
        "<body><body.head><hedline><hl1>H</hl1></hedline></body.head></body></nitf>"
    ).encode()
    (story,) = parse_nitf(data, name="u", fetched_at=FETCHED)
    assert story.urgency is None


def test_hedline_and_abstract(story: Story) -> None:
    assert story.headline == "Old bridge reopens after two-year repair"
    assert story.summary == "The Willems bridge reopens to traffic."


def test_byline_lists_each_person_without_title(story: Story) -> None:
    assert story.byline == ("Eva Novak", "Piet de Vries")


def test_byline_without_person_markup_drops_by_and_title() -> None:
    data = (
        b"<nitf><body><body.head><hedline><hl1>H</hl1></hedline><byline>By Jan Smit, "
        b"<byttl>Correspondent</byttl></byline></body.head></body></nitf>"
    )
    (story,) = parse_nitf(data, name="b", fetched_at=FETCHED)
    assert story.byline == ("Jan Smit",)


def test_dateline_location_agency_and_story_date(story: Story) -> None:
    assert story.dateline == Dateline(place="Rotterdam", agency="HW", date="2025-07-01")


def test_copyright_holder_and_usage_limits(story: Story) -> None:
    assert story.rights == Rights(
        copyright_holder="Harbour Wire Ltd",
        copyright_notice="Copyright 2025 Harbour Wire Ltd",
        usage_terms="Not for use in Denmark",
    )


def test_distributor_is_the_provider(story: Story) -> None:
    assert story.provider is not None
    assert story.provider.name == "Harbour Wire"


def test_embargoed_status_uses_the_release_date(story: Story) -> None:
    assert story.pub_status is PubStatus.USABLE
    assert story.embargoed_until == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert story.ed_note == "Embargoed until 12:00 CEST."


def test_canceled_management_status_is_a_kill() -> None:
    (story,) = parse_nitf(
        nitf("<p>x</p>", 'management-status="canceled"'), name="k", fetched_at=FETCHED
    )
    assert story.pub_status is PubStatus.CANCELED


def test_body_paragraphs_skip_captions_and_pictures_keep_credit(story: Story) -> None:
    assert story.body == (
        "The Willems bridge reopens to traffic on Monday after a two-year repair.",
        "The city said the work came in under budget.",
    )
    assert story.pictures == (
        Picture(
            caption="The bridge at dusk",
            credit="Photo: Kees Vos / HW",
            url="https://img.harbour.example/bridge.jpg",
        ),
    )


def test_subjects_and_keywords(story: Story) -> None:
    assert story.subjects == ("11000000", "04000000")
    assert story.keywords == ("bridge", "transport")


def test_missing_doc_id_derives_a_guid_and_flags_it() -> None:
    (story,) = parse_nitf(nitf("<p>x</p>"), name="n", fetched_at=FETCHED, source="s")
    assert story.guid.startswith("urn:wire:s:")
    assert any("doc-id" in note for note in story.review)


def test_nitf_with_nothing_in_it_is_no_content() -> None:
    with pytest.raises(NoContent):
        parse_nitf(b"<nitf><head/><body/></nitf>", name="e", fetched_at=FETCHED)


def test_other_xml_is_not_nitf() -> None:
    with pytest.raises(MalformedInput, match="not <nitf>"):
        parse_nitf(b"<rss/>", name="r", fetched_at=FETCHED)


def test_a_doctype_naming_the_nitf_dtd_is_read_without_loading_it(fixtures: Path) -> None:
    data = (fixtures / "formats" / "hostile" / "external_dtd.xml").read_bytes()
    [story] = parse_nitf(data, name="d", fetched_at=FETCHED)
    assert story.body == ("x",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20250701T120000+0200", datetime(2025, 7, 1, 10, tzinfo=UTC)),
        ("20250701T1200Z", datetime(2025, 7, 1, 12, tzinfo=UTC)),
        ("2025-07-01T12:00:00-05:00", datetime(2025, 7, 1, 17, tzinfo=UTC)),
        ("20250701", datetime(2025, 7, 1, tzinfo=UTC)),
        ("20251301", None),
        ("July 1", None),
    ],
)
def test_norm_instants(text: str, expected: datetime | None) -> None:
    assert basic_instant(text) == expected


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_nitf(data, name="fuzz", fetched_at=FETCHED)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_paragraph_text_raises_only_ingest_errors(text: str) -> None:
    with contextlib.suppress(IngestError):
        parse_nitf(nitf(f"<p>{escape(text)}</p>"), name="fuzz", fetched_at=FETCHED)


def test_preformatted_copy_and_tables_are_kept() -> None:
    doc = b"""<nitf><head><title>Results</title></head><body><body.head><hedline><hl1>Results
</hl1></hedline></body.head><body.content><p>Final standings:</p>
<pre>1. Jakarta   12
2. Bandung    9</pre>
<table><tr><th>Team</th><th>Points</th></tr><tr><td>Surabaya</td><td><p>7</p></td></tr></table>
</body.content></body></nitf>"""
    [story] = parse_nitf(doc, name="r", fetched_at=FETCHED)
    assert story.body == (
        "Final standings:",
        "1. Jakarta   12",
        "2. Bandung    9",
        "Team | Points",
        "Surabaya | 7",
    )
