"""The story desk (``Wire``): raw archived first, hostile input a recorded failure with
nothing half-stored, and a kill that sticks — against a real SQLite store."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wire.config import Config, ServerSettings
from wire.errors import MalformedInput
from wire.events import ChangeReason
from wire.model import PubStatus
from wire.service import Wire
from wire.store import SQLStore

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "service"
T0 = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


class Ticking:
    """A clock that moves a minute each time it is read, so every write is newer."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def wire(tmp_path: Path, store: SQLStore) -> Wire:
    """The desk on each backend in turn (the ``store`` fixture)."""
    return Wire(Config(server=ServerSettings(data_dir=tmp_path)), store, clock=Ticking())


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def test_unparseable_input_is_archived_and_its_failure_recorded(wire: Wire) -> None:
    data = b"<rss><channel><item><title>cut off"
    outcome = await wire.ingest(data, name="cut.rss")
    assert isinstance(outcome.error, MalformedInput)
    sha = hashlib.sha256(data).hexdigest()
    raw = await wire.store.get_raw(sha)
    assert raw is not None
    assert raw.data == data
    [failure] = await wire.store.failures()
    assert (failure.raw_sha256, failure.name) == (sha, "cut.rss")


async def test_a_lone_surrogate_fails_the_whole_input_and_stores_none_of_it(wire: Wire) -> None:
    outcome = await wire.ingest(fixture("lone-surrogate.json"), name="batch.json")
    assert isinstance(outcome.error, MalformedInput)
    assert "surrogate" in outcome.error.reason
    assert await wire.store.get("urn:example:ninjs-1") is None
    assert len(await wire.store.failures()) == 1


async def test_a_guid_with_nul_is_a_malformed_input(wire: Wire) -> None:
    outcome = await wire.ingest(fixture("nul-guid.json"), name="nul.json")
    assert isinstance(outcome.error, MalformedInput)
    assert "NUL" in outcome.error.reason


async def test_a_dry_run_neither_archives_nor_stores(wire: Wire) -> None:
    data = fixture("undated.rss")
    outcome = await wire.ingest(data, name="undated.rss", dry_run=True)
    assert [s.guid for s in outcome.stories] == ["urn:example:harbour-1"]
    assert await wire.store.get("urn:example:harbour-1") is None
    assert await wire.store.get_raw(hashlib.sha256(data).hexdigest()) is None


async def test_a_killed_story_stays_killed_when_its_undated_item_is_polled_again(
    wire: Wire,
) -> None:
    first = await wire.ingest(fixture("undated.rss"), name="undated.rss", source="desk")
    assert first.stored == 1
    await wire.set_status(
        "urn:example:harbour-1", PubStatus.CANCELED, "legal", reason=ChangeReason.KILLED
    )
    again = await wire.ingest(fixture("undated.rss"), name="undated.rss", source="desk")
    assert again.stored == 0  # the same bytes again: nothing to do
    assert not again.results[0].changed
    edited = fixture("undated.rss").replace(b"</description>", b" More.</description>", 1)
    later = await wire.ingest(edited, name="undated.rss", source="desk")
    assert later.stored == 0
    assert later.results[0].stale  # a killed story is not brought back
    current = await wire.current("urn:example:harbour-1")
    assert (current.pub_status, current.version) == (PubStatus.CANCELED, 2)
