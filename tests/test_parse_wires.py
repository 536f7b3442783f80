"""The older agency wires, ANPA 1312 (AP) and IPTC 7901 (dpa), become stories
with their headline, printed byline, dateline, sign-off and notes in place.

The copy in ``tests/fixtures/wires/`` was written for these tests after the
published layouts: control-character framing, LF and CR LF line ends,
Windows-1252 and ISO-8859-1 bytes, tables, alerts without a headline, two
messages in one file, German month names. Each ``<name>.expected.json`` holds
what must come out of ``<name>``, story by story.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.matching import subset
from tests.strategies import SURROGATES
from wire.attribution import SourcePolicy
from wire.config import Config, ServerSettings
from wire.errors import IngestError, MalformedInput
from wire.ingest.anpa import parse_anpa
from wire.ingest.detect import detect_format
from wire.ingest.iptc7901 import parse_iptc7901
from wire.ingest.pipeline import parse_input
from wire.model import Provider, Story
from wire.service import Wire
from wire.store import SQLStore
from wire.storyjson import story_to_dict, validate_story_dict

WIRES = Path(__file__).resolve().parent / "fixtures" / "wires"
FETCHED = datetime(2025, 7, 4, tzinfo=UTC)
FORMAT_OF = {".anpa": "anpa", ".7901": "iptc7901"}
COPY = sorted(p for p in WIRES.iterdir() if p.suffix in FORMAT_OF)


def parsed(path: Path) -> list[Story]:
    return parse_input(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="agency")


@pytest.mark.parametrize("path", COPY, ids=lambda p: p.name)
def test_each_message_becomes_the_story_it_tells(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
    assert subset([story_to_dict(s) for s in parsed(path)], expected) == expected


@pytest.mark.parametrize("path", COPY, ids=lambda p: p.name)
def test_each_format_is_told_by_its_content_alone(path: Path) -> None:
    assert detect_format(path.read_bytes()) == FORMAT_OF[path.suffix]


@pytest.mark.parametrize("path", COPY, ids=lambda p: p.name)
def test_every_story_fits_the_story_schema_and_names_its_format(path: Path) -> None:
    for story in parsed(path):
        validate_story_dict(story_to_dict(story))
        assert story.origin.format == FORMAT_OF[path.suffix]


def test_a_later_take_of_the_same_keyword_and_day_is_the_same_story() -> None:
    first, lead = parsed(WIRES / "anpa-two-messages.anpa")
    assert first.guid == lead.guid
    assert first.version_created is not None
    assert lead.version_created is not None
    assert lead.version_created > first.version_created


def test_stories_of_different_keywords_are_different_stories() -> None:
    guids = {s.guid for p in COPY for s in parsed(p)}
    assert len(guids) == len(COPY)  # one story a file (the two messages: one story)


def test_eight_bit_copy_is_read_as_windows_1252() -> None:
    (story,) = parsed(WIRES / "anpa-writethru-crlf.anpa")
    assert story.byline == ("Jose Éstevez",)
    assert story.body[1].startswith("“Nobody goes out in this,”")


def test_wire_typing_is_printed_as_partners_print_it() -> None:
    (story,) = parsed(WIRES / "anpa-byline-lf.anpa")
    assert "``" not in " ".join(story.body)
    assert story.body[1].startswith("“We lost a third")
    assert story.byline == ("Marta Diaz", "Paul Renner")  # capitals as printed: title case


def test_an_alert_without_a_headline_line_is_headed_by_its_text_and_flagged() -> None:
    (story,) = parsed(WIRES / "anpa-alert.anpa")
    assert story.headline == story.body[0]
    assert any("alert" in note for note in story.review)


def test_a_time_stamp_in_a_us_zone_is_read_in_that_zone() -> None:
    (story,) = parsed(WIRES / "anpa-byline-lf.anpa")  # AP-NY-04-15-92 1256EDT
    assert story.first_created == datetime(1992, 4, 15, 16, 56, tzinfo=UTC)


def test_a_german_month_in_a_time_stamp_is_read() -> None:
    (story,) = parsed(WIRES / "iptc7901-dpa-lead.7901")  # 071341 GMT Okt 18
    assert story.first_created == datetime(2018, 10, 7, 13, 41, tzinfo=UTC)


def test_what_is_not_for_publication_goes_to_the_editors_note_not_the_body() -> None:
    (story,) = parsed(WIRES / "iptc7901-dpa-lead.7901")
    assert not any("Contact" in p or "NOTEBOOK" in p for p in story.body)
    assert story.ed_note is not None
    assert "Contact: desk Geneva" in story.ed_note


def test_a_message_without_a_time_stamp_takes_the_time_of_receipt() -> None:
    data = (WIRES / "iptc7901-sports.7901").read_bytes().replace(b"211259 Nov 18", b"")
    (story,) = parse_iptc7901(data, name="n", fetched_at=FETCHED)
    assert story.version_created == FETCHED
    assert story.first_created is None


def _anpa(priority: str, version: str = "") -> bytes:
    return (
        f"\x16\x16\x01a0001\x1fglbsm\n{priority} a\x13\x11 BC-US--Fire {version}  01-02 0100\n"
        "\x02^Fire at the docks<\n\t   The docks burned.\n\x03AP-NY-01-02-24 1000EST\n\x04"
    ).encode()


@pytest.mark.parametrize(
    ("letter", "urgency"),
    [("f", 1), ("b", 2), ("u", 3), ("r", 5), ("d", 6), ("a", 7), ("x", None)],
)
def test_the_anpa_priority_letter_is_the_urgency(letter: str, urgency: int | None) -> None:
    (story,) = parse_anpa(_anpa(letter), name="p", fetched_at=FETCHED)
    assert story.urgency == urgency


@pytest.mark.parametrize(
    ("version", "signals"),
    [
        ("", ()),
        ("1stLd-Writethru", ("update",)),
        ("2ndAdd", ("update",)),
        ("Correction", ("correction",)),
        ("1stLd-Writethru-Correction", ("correction", "update")),
    ],
)
def test_the_anpa_version_says_update_or_correction(version: str, signals: tuple[str, ...]) -> None:
    (story,) = parse_anpa(_anpa("r", version), name="v", fetched_at=FETCHED)
    assert story.signals == signals


def _7901(header: str) -> bytes:
    text = "\x02Fire at the docks =\r\n\r\nIt burned.\r\n\x03"
    return f"\x01{header}\r\n\r\nPort/fire/\r\n{text}".encode()


@pytest.mark.parametrize(
    ("digit", "urgency"), [("1", 1), ("2", 2), ("3", 3), ("4", 5), ("5", 6), ("6", 7), ("7", None)]
)
def test_the_7901_priority_digit_is_the_urgency(digit: str, urgency: int | None) -> None:
    (story,) = parse_iptc7901(_7901(f"eca001 {digit} i 10  dpa 001"), name="p", fetched_at=FETCHED)
    assert story.urgency == urgency


@pytest.mark.parametrize(
    ("header", "provider"),
    [
        ("eca062 4 i 211 ccccb   dpa 061", "dpa"),
        ("bkn014 4 pl 171 vvvvb KNA 170123-89-00065#2", "KNA"),
        ("ecp0124 3 s 96  dpa-tns 0908", "dpa-tns"),
        ("eca062 4 i 211 ccccb", None),  # a lone selector names no agency
        ("eca062 4 i 211", None),
    ],
)
def test_the_7901_originator_is_the_provider(header: str, provider: str | None) -> None:
    (story,) = parse_iptc7901(_7901(header), name="o", fetched_at=FETCHED)
    assert (story.provider.name if story.provider else None) == provider


@pytest.mark.parametrize(("code", "subject"), [("pl", "Politics"), ("s", "Sports"), ("zz", None)])
def test_the_7901_category_is_a_subject_when_it_is_known(code: str, subject: str | None) -> None:
    (story,) = parse_iptc7901(_7901(f"eca001 4 {code} 10  dpa 001"), name="c", fetched_at=FETCHED)
    assert story.subjects == ((subject,) if subject else ())


def test_an_agency_named_by_the_policy_abbreviation_is_the_policy_agency() -> None:
    policy = SourcePolicy(provider="Deutsche Presse-Agentur", abbreviation="dpa")
    data = (WIRES / "iptc7901-dpa-politics.7901").read_bytes()
    (story,) = parse_iptc7901(data, name="d", fetched_at=FETCHED, policy=policy)
    assert story.provider == Provider("Deutsche Presse-Agentur", "dpa")
    assert not any("provider" in note for note in story.review)


def test_another_agency_than_the_policy_names_is_flagged() -> None:
    policy = SourcePolicy(provider="Agence France-Presse", abbreviation="AFP")
    data = (WIRES / "iptc7901-dpa-politics.7901").read_bytes()
    (story,) = parse_iptc7901(data, name="d", fetched_at=FETCHED, policy=policy)
    assert story.provider == Provider("dpa")
    assert any("differs from source policy" in note for note in story.review)


@pytest.mark.parametrize(
    "data",
    [
        b"\x01ZCZC 123 garbled routing\r\n\x02Some text\r\n\x03\x04",
        b"\x16\x16\x01 not a header at all\n\x02text\x03\x04",
        b"Plain words with a stray \x02 framed \x03 part in them.",
    ],
)
def test_framing_of_no_known_layout_is_refused_by_name(data: bytes) -> None:
    with pytest.raises(MalformedInput, match="framed by control characters"):
        parse_input(data, name="odd", fetched_at=FETCHED)


def test_a_header_without_text_is_refused() -> None:
    data = b"\x16\x16\x01a0001\x1fglbsm\nr a\x13\x11 BC-US--Nothing     01-01 0000\n\x04"
    with pytest.raises(MalformedInput, match="no STX"):
        parse_anpa(data, name="empty", fetched_at=FETCHED)


def test_plain_copy_is_never_taken_for_a_wire_format() -> None:
    for path in sorted((WIRES.parent / "raw").glob("*.txt")):
        assert detect_format(path.read_bytes()) not in FORMAT_OF.values()


_ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=SURROGATES, exclude_characters="\x00"),
    max_size=400,
)


@given(header=_ANY_TEXT, body=_ANY_TEXT, trailer=_ANY_TEXT)
def test_any_anpa_framed_bytes_give_stories_or_a_named_refusal(
    header: str, body: str, trailer: str
) -> None:
    data = b"\x16\x16\x01" + f"{header}\x02{body}\x03{trailer}\x04".encode()
    try:
        stories = parse_input(data, name="fuzz", fetched_at=FETCHED)
    except IngestError:
        return
    for story in stories:
        validate_story_dict(story_to_dict(story))


@given(header=_ANY_TEXT, body=_ANY_TEXT)
def test_any_7901_message_with_a_valid_header_gives_a_story_or_a_named_refusal(
    header: str, body: str
) -> None:
    data = f"\x01eca062 4 i 211 {header}\r\n\nKey/\r\n\x02{body}\x03\x04".encode()
    try:
        stories = parse_input(data, name="fuzz", fetched_at=FETCHED)
    except IngestError:
        return
    for story in stories:
        validate_story_dict(story_to_dict(story))


# through the desk, on each backend -------------------------------------------------


@pytest.fixture
def wire(tmp_path: Path, store: SQLStore) -> Wire:
    return Wire(Config(server=ServerSettings(data_dir=tmp_path)), store)


async def test_a_file_of_a_story_and_its_lead_is_stored_as_two_versions(wire: Wire) -> None:
    data = (WIRES / "anpa-two-messages.anpa").read_bytes()
    outcome = await wire.ingest(data, name="two", fetched_at=FETCHED)
    assert outcome.error is None
    (guid,) = {s.guid for s in outcome.stories}
    history = await wire.store.history(guid)
    assert [v.headline for v in history] == [
        "Copper climbs on supply worries",
        "Copper climbs to a one-year high on supply worries",
    ]


async def test_a_refused_framing_is_recorded_with_its_raw_bytes(wire: Wire) -> None:
    data = b"\x01ZCZC 123 garbled routing\r\n\x02Some text\r\n\x03\x04"
    outcome = await wire.ingest(data, name="odd", fetched_at=FETCHED)
    assert isinstance(outcome.error, MalformedInput)
    assert [f.name for f in await wire.store.failures()] == ["odd"]
    assert await wire.store.get_raw(outcome.raw_sha256) is not None
