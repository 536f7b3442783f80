"""A batch stores exactly what its inputs store one at a time.

``Wire.ingest_many`` reads what a batch's saves need at once and writes them at
once (``wire.store.batch``). Whatever the inputs — new stories, updates, stale
and repeated copies, kills, near duplicates held for review, broken inputs, the
same story twice in one batch — the answers and the stored result must be the
ones the same inputs give when each is ingested alone, on both backends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.store_fixtures import empty_store, twin
from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.intake import IngestOutcome, Input
from wire.model import Audience, FeedFilter
from wire.service import Wire
from wire.store import SQLStore, sqlite_dsn
from wire.store.base import DeskQuery, Store
from wire.store.tables import story_search

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=2)
CONFIG = Config(
    server=ServerSettings(data_dir=Path("/nonexistent")),
    sources=(SourceConfig("agency", SourceKind.PUSH),),
)
VOCABULARY = [f"w{i}" for i in range(400)]
HEADLINES = ("Talks resume", "Floods spread", "Harvest falls")
SEARCHES = [
    ("talks",),
    ("floods", "spread"),
    ("harvest",),
    ("changed",),
    *[(w,) for w in VOCABULARY[:40]],
]
SUBJECTS = ("medtop:01000000", "medtop:04000000")


def texts(rng: random.Random) -> list[str]:
    """Four distinct bodies and a near duplicate of the first (its last word changed)."""
    bodies = [" ".join(rng.choice(VOCABULARY) for _ in range(40)) for _ in range(4)]
    near = bodies[0].rsplit(" ", 1)[0] + " changed"
    return [*bodies, near]


def ninjs(
    uri: str,
    headline: str,
    body: str,
    status: str,
    minute: int | None,
    subject: str | None = None,
) -> bytes:
    """A ninjs document; ``minute``: its ``versioncreated`` after ``T0`` (``None``: undated)."""
    doc: dict[str, Any] = {
        "uri": uri,
        "type": "text",
        "headline": headline,
        "body_text": body,
        "pubstatus": status,
    }
    if minute is not None:
        stamp = T0 + timedelta(minutes=minute)
        doc["versioncreated"] = stamp.isoformat().replace("+00:00", "Z")
    if subject is not None:
        doc["subject"] = [{"uri": subject, "name": subject}]
    return json.dumps(doc).encode()


def sequence(seed: int, length: int = 40) -> list[Input]:
    """Random inputs: mostly new and updated copy, some stale, repeated, killed,
    withheld, near-duplicate or broken."""
    rng = random.Random(seed)
    bodies = texts(rng)
    made: list[bytes] = []
    out = []
    for i in range(length):
        roll = rng.random()
        if made and roll < 0.12:
            data = rng.choice(made)  # the same bytes again
        elif roll < 0.17:
            data = b'{"uri": "urn:x:broken", "headline": '  # not JSON
        else:
            uri = f"urn:agency:{rng.randrange(12)}"
            status = rng.choices(["usable", "canceled", "withheld"], [0.8, 0.1, 0.1])[0]
            headline = rng.choice(HEADLINES)
            subject = rng.choice([None, *SUBJECTS])
            minute = rng.choice([None, *range(8)])
            data = ninjs(uri, headline, rng.choice(bodies), status, minute, subject)
            made.append(data)
        out.append(Input(data, f"input-{i:02d}.json", source="agency", fetched_at=NOW))
    return out


def batches(inputs: list[Input], rng: random.Random) -> list[list[Input]]:
    out, start = [], 0
    while start < len(inputs):
        size = rng.randint(1, 9)
        out.append(inputs[start : start + size])
        start += size
    return out


def answer(outcome: IngestOutcome) -> tuple[Any, ...]:
    results = tuple(
        (r.story.guid, r.story.version, r.story.pub_status.value, r.created, r.changed, r.stale)
        for r in outcome.results
    )
    return outcome.name, type(outcome.error).__name__ if outcome.error else None, results


async def desk(store: SQLStore) -> dict[str, Any]:
    """The desk's index: every story's words as stored, what searches and the
    review filter list."""
    async with store._require().connect() as conn:
        rows = await conn.execute(select(story_search.c.guid, story_search.c.words))
        words = sorted((r.guid, r.words) for r in rows)
    found = {}
    for query in [*(DeskQuery(words=w) for w in SEARCHES), DeskQuery(needs_review=True)]:
        listed = await store.find_stories(query, now=NOW, limit=1000)
        found[repr(query)] = [(i.story.guid, i.story.version, i.duplicate_of) for i in listed]
    return {"words": words, "found": found}


async def state(store: Store, guids: set[str]) -> dict[str, Any]:
    """Everything the inputs left in the store, in a comparable form."""
    histories = {}
    for guid in sorted(guids):
        histories[guid] = [
            (v.version, v.pub_status.value, v.headline, v.body, v.version_created, v.review)
            for v in await store.history(guid)
        ]
    holds = sorted(
        (h.guid, h.duplicate_of, h.similarity, h.decision)
        for h in await store.holds(open_only=False)
    )
    failures = sorted((f.name, f.reason) for f in await store.failures(limit=1000))
    trusted = Audience("trusted", embargo_rights=True)
    changes = await store.changes(FeedFilter(), audience=trusted, now=NOW, after=0, limit=1000)
    cursor = [(e.story.guid, e.story.version, e.exposure, e.withdrawn_at) for _, e in changes]
    subjects = {}
    for subject in SUBJECTS:
        feed = FeedFilter(subjects=(subject,))
        latest = await store.latest(feed, audience=trusted, now=NOW, limit=50)
        subjects[subject] = [s.guid for s in latest]
    return {
        "histories": histories,
        "holds": holds,
        "failures": failures,
        "cursor": cursor,
        "subjects": subjects,
    }


@pytest.fixture
async def other(store: SQLStore, tmp_path: Path) -> AsyncIterator[SQLStore]:
    """A second empty store on the same backend as ``store``."""
    backend = "postgres" if store.is_postgres else "sqlite"
    async with empty_store(backend, tmp_path / "other") as opened:
        yield opened


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
async def test_a_batch_stores_what_its_inputs_store_one_at_a_time(
    store: SQLStore, other: SQLStore, seed: int
) -> None:
    inputs = sequence(seed)
    batched = Wire(CONFIG, store, clock=lambda: NOW)
    alone = Wire(CONFIG, other, clock=lambda: NOW)
    together = []
    for batch in batches(inputs, random.Random(seed)):
        together += await batched.ingest_many(batch)
    one_by_one = [(await alone.ingest_many([item]))[0] for item in inputs]
    assert [answer(o) for o in together] == [answer(o) for o in one_by_one]
    guids = {r.story.guid for o in one_by_one for r in o.results}
    assert await state(store, guids) == await state(other, guids)
    assert await desk(store) == await desk(other)


async def test_the_sequences_meet_every_case_they_are_meant_to() -> None:
    """The generator is worth its name: across the seeds, the inputs create,
    update, repeat, go stale, kill, hold and fail."""
    cases: set[str] = set()
    for seed in [1, 2, 3, 4, 5, 6]:
        inputs = sequence(seed)
        cases |= {"repeat" for i, x in enumerate(inputs) if x.data in {y.data for y in inputs[:i]}}
        cases |= {"broken" for x in inputs if x.data.startswith(b'{"uri": "urn:x:broken"')}
        cases |= {json.loads(x.data)["pubstatus"] for x in inputs if b"broken" not in x.data}
    assert cases == {"repeat", "broken", "usable", "canceled", "withheld"}


async def test_the_sequences_hold_near_duplicates(tmp_path: Path) -> None:
    store = SQLStore(sqlite_dsn(tmp_path))
    async with store:
        desk = Wire(CONFIG, store, clock=lambda: NOW)
        for seed in [1, 2, 3, 4, 5, 6]:
            await desk.ingest_many(sequence(seed))
        assert await store.holds(open_only=False)


async def test_a_batch_meeting_another_writers_new_story_is_stored_input_by_input(
    store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Another instance creates one of the batch's guids while the batch is being
    stored: the batch's writes are given up, its inputs stored one at a time over
    the other's version, and nothing is lost or written twice."""
    elsewhere = twin(store)
    await elsewhere.open()
    try:
        theirs = Wire(CONFIG, elsewhere, clock=lambda: NOW)
        ours = Wire(CONFIG, store, clock=lambda: NOW)
        first = ninjs("urn:agency:raced", "Talks resume", "first copy " * 20, "usable", 1)
        second = ninjs("urn:agency:raced", "Talks resume", "second copy " * 20, "usable", 2)
        other_story = ninjs("urn:agency:calm", "Floods spread", "other copy " * 20, "usable", 1)
        caplog.set_level(logging.INFO, logger="wire.service")
        async with elsewhere.transaction():
            await theirs.ingest_many([Input(first, "theirs.json", source="agency")])
            ours_task = asyncio.create_task(
                ours.ingest_many(
                    [
                        Input(second, "ours.json", source="agency", fetched_at=NOW),
                        Input(other_story, "calm.json", source="agency", fetched_at=NOW),
                    ]
                )
            )
            await asyncio.sleep(0.5)  # ours reads its snapshot and waits on the new row
        outcomes = await ours_task
    finally:
        await elsewhere.close()
    assert [o.error for o in outcomes] == [None, None]
    raced = await store.history(outcomes[0].stories[0].guid)
    assert [(v.version, v.body[0].split()[0]) for v in raced] == [(1, "first"), (2, "second")]
    assert len(await store.history(outcomes[1].stories[0].guid)) == 1
    if store.is_postgres:  # SQLite's writer holds the whole file: the batch simply waits
        assert "batch met another writer" in caplog.text


def named(data: bytes, name: str) -> Input:
    return Input(data, name, source="agency", fetched_at=NOW)


async def test_bytes_seen_earlier_in_the_batch_change_nothing_even_after_a_later_version(
    store: SQLStore,
) -> None:
    # undated: neither is older than the other, so only "seen before" keeps the
    # third input from writing the first copy again
    first = ninjs("urn:agency:a", "Talks resume", "first copy " * 20, "usable", None)
    second = ninjs("urn:agency:a", "Talks resume", "second copy " * 20, "usable", None)
    desk = Wire(CONFIG, store, clock=lambda: NOW)
    outcomes = await desk.ingest_many([named(first, "1"), named(second, "2"), named(first, "3")])
    assert [r.changed for r in outcomes[2].results] == [False]
    assert [v.version for v in await store.history("urn:agency:a")] == [1, 2]
    assert outcomes[2].stories[0].version == 2


async def test_the_change_cursor_orders_a_batch_by_each_storys_last_write(
    store: SQLStore,
) -> None:
    a1 = ninjs("urn:agency:a", "Talks resume", "first copy " * 20, "usable", 1)
    b1 = ninjs("urn:agency:b", "Floods spread", "other copy " * 20, "usable", 1)
    a2 = ninjs("urn:agency:a", "Talks resume", "second copy " * 20, "usable", 2)
    desk = Wire(CONFIG, store, clock=lambda: NOW)
    await desk.ingest_many([named(a1, "a1"), named(b1, "b1"), named(a2, "a2")])
    trusted = Audience("trusted", embargo_rights=True)
    changes = await store.changes(FeedFilter(), audience=trusted, now=NOW, after=0, limit=10)
    assert [(e.story.guid, e.story.version) for _, e in changes] == [
        ("urn:agency:b", 1),
        ("urn:agency:a", 2),
    ]
