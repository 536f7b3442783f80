"""Raw copy → story, end to end: golden files, provenance, policy, bad input."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.matching import subset
from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, MalformedInput, NoContent
from wire.ingest.textcopy import extract_text
from wire.instants import parse_instant
from wire.model import Provider
from wire.storyjson import story_to_dict, validate_story_dict

RAW = Path(__file__).resolve().parent / "fixtures" / "raw"
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)
GOLDEN = sorted(p for p in RAW.glob("*.txt") if p.with_suffix(".json").exists())


@pytest.mark.parametrize("raw", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_copy_gives_the_expected_story(raw: Path) -> None:
    expected = json.loads(raw.with_suffix(".json").read_text("utf-8"))
    call = expected.pop("input")
    fetched_at = parse_instant(call["fetched_at"])
    assert fetched_at is not None
    story = extract_text(
        raw.read_bytes(),
        name=raw.name,
        fetched_at=fetched_at,
        source=call.get("source"),
    )
    got = story_to_dict(story)
    assert subset(got, expected) == expected


@pytest.mark.parametrize("raw", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_story_fits_the_story_schema(raw: Path) -> None:
    story = extract_text(raw.read_bytes(), name=raw.name, fetched_at=FETCHED, source="s")
    validate_story_dict(story_to_dict(story))


def test_golden_fixtures_exist_for_every_language() -> None:
    languages = {
        json.loads(p.with_suffix(".json").read_text("utf-8")).get("language") for p in GOLDEN
    }
    assert {"en", "id", "ar"} <= languages


def test_origin_guid_and_version_time_come_from_the_call() -> None:
    data = b"Headline\n\nBody text of the story, which runs on well past its opening words."
    story = extract_text(data, name="a.txt", fetched_at=FETCHED, source="drop")
    assert story.origin.source == "drop"
    assert story.origin.format == "text"
    assert story.origin.fetched_at == FETCHED
    assert story.origin.raw_sha256 == hashlib.sha256(data).hexdigest()
    assert story.version_created == FETCHED
    # a headline typo, and an edit after the lead's opening words: the same story
    later = b"Headlien\n\nBody text of the story, which runs on well past its opening, edited."
    assert story.guid == extract_text(later, name="b.txt", fetched_at=FETCHED, source="drop").guid
    other = b"Headline\n\nAnother story under the same headline."
    assert story.guid != extract_text(other, name="c.txt", fetched_at=FETCHED, source="drop").guid


def test_text_input_is_hashed_as_utf8() -> None:
    story = extract_text("Headline\n\nBody – text.", name="a", fetched_at=FETCHED)
    assert (
        story.origin.raw_sha256 == hashlib.sha256("Headline\n\nBody – text.".encode()).hexdigest()
    )


def test_policy_fills_what_the_copy_does_not_say() -> None:
    policy = SourcePolicy(
        provider="Mi’raj News Agency",
        abbreviation="MINA",
        credit_line="Mi’raj News Agency (MINA)",
        copyright_holder="MINA",
        usage_terms="Partners only",
        language="en",
    )
    story = extract_text(b"Headline\n\nBody text.", name="a", fetched_at=FETCHED, policy=policy)
    assert story.provider == Provider("Mi’raj News Agency", "MINA")
    assert story.credit_line == "Mi’raj News Agency (MINA)"
    assert story.rights.usage_terms == "Partners only"
    assert story.review == ()


def test_a_different_signature_in_the_copy_wins_and_is_flagged() -> None:
    policy = SourcePolicy(provider="Antara", credit_line="ANTARA")
    data = "Headline\n\nBody text.\n\nMi’raj News Agency (MINA)".encode()
    story = extract_text(data, name="a", fetched_at=FETCHED, policy=policy)
    assert story.provider == Provider("Mi’raj News Agency", "MINA")
    assert story.credit_line == "Mi’raj News Agency (MINA)"
    assert len(story.review) == 2


def test_windows_1252_copy_is_read() -> None:
    data = "Headline\n\n“Quoted,” he said – as reported by Al Jazeera.".encode("cp1252")
    story = extract_text(data, name="old.txt", fetched_at=FETCHED)
    assert story.body == ("“Quoted,” he said – as reported by Al Jazeera.",)


def test_copy_that_is_only_furniture_is_no_content() -> None:
    with pytest.raises(NoContent, match=r"furniture\.txt"):
        extract_text(b"ADVERTISEMENT\n\n10 Views\n", name="furniture.txt", fetched_at=FETCHED)


def test_empty_copy_is_no_content() -> None:
    with pytest.raises(NoContent, match=r"empty\.txt"):
        extract_text(b"", name="empty.txt", fetched_at=FETCHED)


def test_binary_is_no_content() -> None:
    with pytest.raises(NoContent, match="binary"):
        extract_text(b"\x00\x01\x02PK\x03\x04" * 10, name="a.zip", fetched_at=FETCHED)


def test_undecodable_bytes_are_malformed() -> None:
    with pytest.raises(MalformedInput, match=r"bad\.txt"):
        extract_text(b"Head\x81\x8d line", name="bad.txt", fetched_at=FETCHED)


def test_input_over_the_cap_is_refused_by_size() -> None:
    with pytest.raises(InputTooLarge, match=r"huge\.txt"):
        extract_text(b"a" * (MAX_INPUT_BYTES + 1), name="huge.txt", fetched_at=FETCHED)
