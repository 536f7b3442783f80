"""Does a feed query cost the same with 1,000 and 100,000 stories stored?

Times ``latest(limit=50)`` for a few feed filters at two store sizes and prints
the ratio (it should stay near 1), then the query plan, which should walk an
index rather than scan and sort. SQLite always; PostgreSQL when reachable.

    .venv/bin/python bench/bench_store.py [--large 100000] [--small 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import text

from wire.model import PUBLIC, FeedFilter, Origin, Provider, Story
from wire.store import SQLStore, sqlite_dsn
from wire.store.queries import latest_queries

T0 = datetime(2020, 1, 1, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SOURCES = ("mina-en", "mina-ar", "desk", "reuters-like", "local")
SUBJECTS = ("politics", "sport", "weather", "economy", "culture", "science")
FILTERS = {
    "all": FeedFilter(),
    "one source": FeedFilter(sources=("mina-en",)),
    "two languages": FeedFilter(languages=("en", "ar")),
    "one subject": FeedFilter(subjects=("sport",)),
}


def story(i: int) -> Story:
    return Story(
        headline=f"Story number {i}",
        guid=f"urn:bench:{i:08d}",
        version_created=T0 + timedelta(seconds=i),
        published_at=T0 + timedelta(seconds=i),
        language=("en", "ar", "fa")[i % 3],
        body=(f"Paragraph one of story {i}.", "Paragraph two."),
        provider=Provider("MINA", "MINA"),
        subjects=(SUBJECTS[i % 6], SUBJECTS[(i // 6) % 6]),
        origin=Origin(source=SOURCES[i % 5]),
    )


async def fill(store: SQLStore, start: int, stop: int) -> None:
    batch = 2000
    for first in range(start, stop, batch):
        chunk = [story(i) for i in range(first, min(first + batch, stop))]
        await store.load_current(chunk, now=NOW)


async def time_latest(store: SQLStore, flt: FeedFilter, rounds: int = 200) -> float:
    """Median seconds per ``latest(limit=50)`` call."""
    await store.latest(flt, audience=PUBLIC, now=NOW, limit=50)  # warm up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        got = await store.latest(flt, audience=PUBLIC, now=NOW, limit=50)
        samples.append(time.perf_counter() - started)
        assert len(got) == 50
    return statistics.median(samples)


async def plans(store: SQLStore) -> None:
    engine = store._require()
    explain = "EXPLAIN" if store.is_postgres else "EXPLAIN QUERY PLAN"
    async with engine.connect() as conn:
        for name, flt in FILTERS.items():
            query = latest_queries(flt, PUBLIC, now=NOW, limit=50)[0]
            sql = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            rows = (await conn.execute(text(f"{explain} {sql}"))).all()
            print(f"  plan, {name}:")
            for row in rows:
                print("    " + str(row[-1]))


async def bench(label: str, store: SQLStore, small: int, large: int) -> None:
    print(f"== {label}")
    await fill(store, 0, small)
    async with store._require().begin() as conn:
        await conn.execute(text("ANALYZE"))
    before = {name: await time_latest(store, flt) for name, flt in FILTERS.items()}
    started = time.perf_counter()
    await fill(store, small, large)
    print(f"  loaded {large - small} more stories in {time.perf_counter() - started:.1f}s")
    async with store._require().begin() as conn:  # what autovacuum / PRAGMA optimize do
        await conn.execute(text("ANALYZE"))
    for name, flt in FILTERS.items():
        after = await time_latest(store, flt)
        print(
            f"  latest(50) {name:>14}: {before[name] * 1e3:7.3f} ms at {small:>7}, "
            f"{after * 1e3:7.3f} ms at {large:>7}, ratio {after / before[name]:.2f}"
        )
    await plans(store)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with SQLStore(sqlite_dsn(Path(tmp))) as store:
            await bench("SQLite", store, args.small, args.large)
    try:
        probe = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"== PostgreSQL skipped: {exc}")
        return 0
    schema = f"wire_bench_{uuid.uuid4().hex[:8]}"
    try:
        async with SQLStore(PG_URL, schema=schema) as store:
            await bench("PostgreSQL", store, args.small, args.large)
    finally:
        await probe.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await probe.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
