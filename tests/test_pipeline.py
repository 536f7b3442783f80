"""``parse_input``: one entry point for every format, recognised by content."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from wire.errors import InputTooLarge, MalformedInput
from wire.ingest.pipeline import parse_input

FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)
URL = "https://agency.example/feeds/world"


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("rss_full.xml", "rss"),
        ("atom_full.xml", "atom"),
        ("newsml_message.xml", "newsml"),
        ("nitf_full.xml", "nitf"),
        ("ninjs_v2.json", "ninjs"),
    ],
)
def test_every_format_is_recognised_and_keeps_where_it_came_from(
    fixtures: Path, fixture: str, fmt: str
) -> None:
    data = (fixtures / "formats" / fixture).read_bytes()
    stories = parse_input(data, name=fixture, fetched_at=FETCHED, source="agency", url=URL)
    assert stories
    for story in stories:
        assert story.origin.format == fmt
        assert story.origin.source == "agency"
        assert story.origin.url == URL


def test_an_input_over_the_cap_is_refused_before_parsing() -> None:
    with pytest.raises(InputTooLarge):
        parse_input(b"x" * 2048, name="big.txt", fetched_at=FETCHED, max_bytes=1024)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(MalformedInput, match="unknown format"):
        parse_input(b"text", name="a.bin", fetched_at=FETCHED, fmt="docx")
