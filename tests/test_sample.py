"""The shared MINA sample: raw copy in, the expected story out, every field exact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.matching import subset
from wire.attribution import SourcePolicy
from wire.ingest.textcopy import extract_text
from wire.instants import parse_instant
from wire.storyjson import story_to_dict

pytestmark = pytest.mark.shared

NAME = "mina-russia-recognizes-taliban"
MINA = SourcePolicy(
    provider="Mi’raj News Agency",
    abbreviation="MINA",
    credit_line="Mi’raj News Agency (MINA)",
    language="en",
)


def run(shared: Path, policy: SourcePolicy | None) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = json.loads((shared / "samples/expected" / f"{NAME}.json").read_text("utf-8"))
    call = expected.pop("input")
    fetched_at = parse_instant(call["fetched_at"])
    assert fetched_at is not None
    raw = (shared / "samples/raw" / f"{NAME}.txt").read_bytes()
    story = extract_text(
        raw,
        name=f"{NAME}.txt",
        fetched_at=fetched_at,
        source=call["source"],
        policy=policy,
    )
    return story_to_dict(story), expected


@pytest.mark.parametrize("policy", [MINA, None], ids=["with-policy", "copy-only"])
def test_sample_reproduces_every_expected_field(shared: Path, policy: SourcePolicy | None) -> None:
    got, expected = run(shared, policy)
    assert subset(got, expected) == expected


def test_sample_body_is_character_for_character(shared: Path) -> None:
    got, expected = run(shared, MINA)
    for i, (mine, theirs) in enumerate(zip(got["body"], expected["body"], strict=True)):
        assert mine == theirs, f"paragraph {i}"


def test_sample_removed_is_in_order(shared: Path) -> None:
    got, expected = run(shared, MINA)
    assert got["removed"] == expected["removed"]


def test_sample_with_matching_policy_needs_no_review(shared: Path) -> None:
    got, _ = run(shared, MINA)
    assert got["review"] == []


def test_sample_origin_records_the_raw_bytes(shared: Path) -> None:
    got, _ = run(shared, MINA)
    raw = (shared / "samples/raw" / f"{NAME}.txt").read_bytes()
    assert subset(got["origin"], {"source": 0, "format": 0, "fetched_at": 0, "raw_sha256": 0}) == {
        "source": "mina-en",
        "format": "text",
        "fetched_at": "2025-07-04T02:00:00Z",
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
    }
    assert got["guid"].startswith("urn:wire:mina-en:")
    assert got["version_created"] == "2025-07-04T02:00:00Z"
