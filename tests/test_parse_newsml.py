"""NewsML-G2 items become stories with rights, roles, embargo and signals kept."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest.newsml import parse_newsml
from wire.model import Dateline, InfoSource, Picture, Provider, PubStatus, Related, Rights, Story
from wire.storyjson import story_to_dict, validate_story_dict

FETCHED = datetime(2025, 7, 2, tzinfo=UTC)
IPTC_SAMPLES = (
    "LISTING_1_A_NewsML-G2_News_Item.xml",
    "LISTING_2_NewsML-G2_Text_Document.xml",
    "Receiver_View.xml",
)


def parse(path: Path) -> list[Story]:
    return parse_newsml(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="harbour")


@pytest.fixture
def message(fixtures: Path) -> list[Story]:
    return parse(fixtures / "formats" / "newsml_message.xml")


@pytest.fixture
def story(message: list[Story]) -> Story:
    return message[0]


def test_message_yields_the_text_item_with_the_picture_item_attached(
    message: list[Story],
) -> None:
    assert [s.guid for s in message] == ["urn:newsml:harbour.example:20250701:floods"]


def test_story_fits_the_schema(story: Story) -> None:
    validate_story_dict(story_to_dict(story))


def test_guid_version_and_times(story: Story) -> None:
    assert story.version == 4
    assert story.version_created == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert story.first_created == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)


def test_full_rights_info(story: Story) -> None:
    assert story.rights == Rights(
        copyright_holder="Harbour Wire Ltd",
        copyright_notice="Copyright 2025 Harbour Wire Ltd. All rights reserved.",
        usage_terms="Editorial use only. No archiving.",
    )


def test_provider_name_and_qcode(story: Story) -> None:
    assert story.provider == Provider("Harbour Wire", "HW")


def test_embargo_signal_and_ed_note(story: Story) -> None:
    assert story.embargoed_until == datetime(2025, 7, 1, 14, 0, tzinfo=UTC)
    assert story.signals == ("correction",)
    assert story.ed_note == "Corrects the number of evacuated villages."


def test_creditline_by_and_editor(story: Story) -> None:
    assert story.credit_line == "Harbour Wire (HW)"
    assert story.byline == ("Eva Novak",)
    assert story.editor == "Joost Bakker"


def test_info_sources_with_mapped_roles(story: Story) -> None:
    assert story.sources == (
        InfoSource(name="Rijkswaterstaat", role="original-source"),
        InfoSource(name="Regional Broadcaster Oost", role="original-source"),
        InfoSource(name="Flood Watch", role="reported-by"),
        InfoSource(name="Mayor's Office", role="quoted"),
    )


def test_located_and_printed_dateline(story: Story) -> None:
    assert story.dateline == Dateline(place="Arnhem", agency="HW")


def test_headline_slugline_summary_language(story: Story) -> None:
    assert story.headline == "Rhine floods force evacuation of six villages"
    assert story.slugline == "NETHERLANDS-FLOODS"
    assert story.summary == "Water levels reached a 30-year high on Tuesday."
    assert story.language == "en"


def test_subjects_by_qcode_else_name_and_keywords(story: Story) -> None:
    assert story.subjects == ("medtop:06000000", "river floods")
    assert story.keywords == ("flood", "Rhine")


def test_xhtml_body_paragraphs_exclude_figure_captions(story: Story) -> None:
    assert story.body == (
        "Six villages near Arnhem were evacuated on Tuesday as the Rhine rose.",
        '"We have never seen this," the mayor said.',
    )


def test_pictures_from_xhtml_figure_and_picture_item(story: Story) -> None:
    assert story.pictures == (
        Picture(
            caption="A flooded street in Arnhem",
            credit="Photo: Kees Vos / HW",
            url="https://img.harbour.example/floods.jpg",
        ),
        Picture(
            caption="Sandbags on the dike at Lobith",
            credit="Photo: Anna Smit / Polder Photo",
            url="https://img.polder.example/lobith.jpg",
            copyright="© 2025 Polder Photo Agency",
        ),
    )


def test_see_also_link_and_package_references_are_related(story: Story) -> None:
    assert story.related == (
        Related(title="Floods of 2024", url="https://harbour.example/floods-2024"),
        Related(title="Dikes hold after record rain", url="https://harbour.example/dikes"),
    )


def test_canceled_pub_status_is_a_kill_of_the_same_guid(fixtures: Path) -> None:
    (kill,) = parse(fixtures / "formats" / "newsml_canceled.xml")
    assert kill.guid == "urn:newsml:harbour.example:20250701:floods"
    assert kill.pub_status is PubStatus.CANCELED
    assert kill.version == 5
    assert kill.body == ("Withdrawn.", "Do not use.")


def test_package_only_message_is_no_content() -> None:
    doc = (
        b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
        b'<packageItem guid="p"><groupSet><group><itemRef residref="x"/></group></groupSet>'
        b"</packageItem></itemSet></newsMessage>"
    )
    with pytest.raises(NoContent, match="packageItem"):
        parse_newsml(doc, name="pkg", fetched_at=FETCHED)


def test_newsitem_outside_the_nar_namespace_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="namespace"):
        parse_newsml(b'<newsItem guid="x"/>', name="nons", fetched_at=FETCHED)


def test_embargoed_without_time_is_withheld() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta><embargoed/></itemMeta><contentMeta><headline>H</headline></contentMeta>"
        b"</newsItem>"
    )
    (story,) = parse_newsml(doc, name="e", fetched_at=FETCHED)
    assert story.pub_status is PubStatus.WITHHELD


@pytest.mark.shared
@pytest.mark.parametrize("sample", IPTC_SAMPLES)
def test_iptc_examples_parse_with_guid_headline_and_rights(shared: Path, sample: str) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / sample)
    validate_story_dict(story_to_dict(story))
    assert story.guid.startswith("urn:newsml:")
    assert story.version == 11
    assert story.headline == 'Fed to halt QE to avert "bubble"'
    assert story.byline == ("Meredith Jameson",)
    assert story.rights.copyright_holder


@pytest.mark.shared
def test_iptc_listing_1_embargo_signal_and_located(shared: Path) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / IPTC_SAMPLES[0])
    assert story.embargoed_until == datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
    assert story.signals == ("update",)
    assert story.dateline == Dateline(place="Berlin")
    assert story.provider == Provider("REUTERS")
    assert story.rights.usage_terms == "Not for use outside the United States"


@pytest.mark.shared
def test_iptc_listing_2_inline_nitf_body(shared: Path) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / IPTC_SAMPLES[1])
    assert len(story.body) == 2
    assert story.body[0].startswith("(New York, NY - October 21) Et, sent luptat")
    assert story.sources == (InfoSource(name="Associated Press", role="reported-by"),)
    assert story.language == "en-US"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_newsml(data, name="fuzz", fetched_at=FETCHED)


_text = (
    st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(holder=_text, notice=_text, credit=_text, source=_text)
def test_generated_items_keep_rights_credit_and_sources(
    holder: str, notice: str, credit: str, source: str
) -> None:
    doc = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="2">'
        f"<rightsInfo><copyrightHolder literal={quoteattr(holder)}/>"
        f"<copyrightNotice>{escape(notice)}</copyrightNotice></rightsInfo>"
        "<itemMeta/><contentMeta>"
        f'<infoSource role="cpprole:origProv"><name>{escape(source)}</name></infoSource>'
        f"<headline>H</headline><creditline>{escape(credit)}</creditline></contentMeta>"
        "</newsItem>"
    ).encode()
    (story,) = parse_newsml(doc, name="gen", fetched_at=FETCHED)
    assert story.rights.copyright_holder == holder
    assert story.rights.copyright_notice == notice
    assert story.credit_line == credit
    assert story.sources == (InfoSource(name=source, role="original-source"),)
