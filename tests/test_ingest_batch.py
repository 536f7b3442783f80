"""``Wire.ingest_many``: a batch of inputs stored in one transaction, each input on its own."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wire.config import Config, ServerSettings
from wire.errors import NoContent
from wire.events import StoryChanged
from wire.intake import Input
from wire.service import Wire
from wire.store import SQLStore
from wire.store.base import RawInput

BATCH = Path(__file__).resolve().parent / "fixtures" / "batch"
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def wire(tmp_path: Path, store: SQLStore) -> Wire:
    """The desk on each backend in turn (the ``store`` fixture)."""
    return Wire(Config(server=ServerSettings(data_dir=tmp_path)), store)


def inputs() -> list[Input]:
    """The batch fixtures in name order; ``03-empty.txt`` is the bad one."""
    return [Input(p.read_bytes(), p.name, fetched_at=FETCHED) for p in sorted(BATCH.glob("*.txt"))]


async def test_a_bad_input_is_reported_and_every_other_is_stored(wire: Wire) -> None:
    outcomes = await wire.ingest_many(inputs())
    assert [o.name for o in outcomes] == [i.name for i in inputs()]
    bad = outcomes[2]
    assert isinstance(bad.error, NoContent)
    assert "03-empty.txt" in str(bad.error)
    good = [o for o in outcomes if o is not bad]
    assert all(o.error is None and [r.created for r in o.results] == [True] for o in good)
    for outcome in good:
        assert await wire.store.get(outcome.stories[0].guid) is not None
    failures = await wire.store.failures()
    assert [f.name for f in failures] == ["03-empty.txt"]
    assert await wire.store.get_raw(bad.raw_sha256) is not None  # its raw bytes kept


async def test_the_same_batch_again_creates_nothing(wire: Wire) -> None:
    first = await wire.ingest_many(inputs())
    again = await wire.ingest_many(inputs())
    for before, after in zip(first, again, strict=True):
        assert [r.changed for r in after.results] == [False] * len(before.results)
        assert [s.guid for s in after.stories] == [s.guid for s in before.stories]
    for outcome in first:
        for story in outcome.stories:
            assert len(await wire.store.history(story.guid)) == 1


async def test_the_same_bytes_twice_in_one_batch_are_stored_once(wire: Wire) -> None:
    one = inputs()[0]
    outcomes = await wire.ingest_many([one, one])
    assert [r.created for r in outcomes[0].results] == [True]
    assert [r.changed for r in outcomes[1].results] == [False]
    assert len(await wire.store.history(outcomes[0].stories[0].guid)) == 1


async def test_a_batch_announces_each_story_after_its_commit(wire: Wire) -> None:
    seen: list[bool] = []

    async def listener(event: StoryChanged) -> None:
        guid = event.story.guid
        seen.append(await wire.store.get(guid) is not None)

    wire.bus.subscribe(listener)
    await wire.ingest_many(inputs())
    await wire.bus.drain()
    assert seen == [True] * 4


def raw(data: bytes) -> RawInput:
    return RawInput(hashlib.sha256(data).hexdigest(), data, FETCHED)


async def test_a_transaction_that_raises_writes_nothing(store: SQLStore) -> None:
    kept = raw(b"kept only if committed")

    async def failing() -> None:
        async with store.transaction():
            await store.archive_raw(kept)
            raise RuntimeError("the block fails")

    with pytest.raises(RuntimeError):
        await failing()
    assert await store.get_raw(kept.sha256) is None


async def test_a_nested_transaction_that_raises_is_undone_alone(store: SQLStore) -> None:
    outer, inner = raw(b"the outer block's"), raw(b"the inner block's")
    seen: list[bool] = []

    async def failing() -> None:
        async with store.transaction():
            await store.archive_raw(inner)
            seen.append(await store.get_raw(inner.sha256) is not None)  # reads see it
            raise RuntimeError("the inner block fails")

    async with store.transaction():
        await store.archive_raw(outer)
        with pytest.raises(RuntimeError):
            await failing()
    assert seen == [True]
    assert await store.get_raw(outer.sha256) is not None
    assert await store.get_raw(inner.sha256) is None
