"""Do a feed query, a push and a cursor read cost the same with 1 k, 100 k and
1 M stories stored? (benchmark (e))

At each store size (bulk-loaded with ``load_current``): the median of
``latest(limit=50)`` for a few feed filters, of a push (``save`` of a new
story), and of a resumed cursor read (``changes`` after a position 100 changes
back, 50 rows). Prints each beside the smallest size's figure, measured in the
same run (the ratio should stay near 1), then the feed queries' plans, which
should walk an index rather than scan and sort. SQLite always; PostgreSQL when
reachable.

    .venv/bin/python bench/bench_store.py [--sizes 1000,100000,1000000]
        [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
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


async def time_push(store: SQLStore, size: int, rounds: int = 50) -> float:
    """Median seconds per ``save`` of a story new to the store."""
    samples = []
    for n in range(rounds):
        fresh = replace(story(size + n), guid=f"urn:bench:push:{size}:{n}")
        started = time.perf_counter()
        await store.save(fresh, now=NOW)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def time_cursor(store: SQLStore, loaded: int, rounds: int = 200) -> float:
    """Median seconds per resumed cursor read: 50 changes after a position 100 back."""
    after = max(0, loaded - 100)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        rows = await store.changes(FeedFilter(), audience=PUBLIC, now=NOW, after=after, limit=50)
        samples.append(time.perf_counter() - started)
        assert rows
    return statistics.median(samples)


async def settle(store: SQLStore) -> None:
    """What autovacuum (PostgreSQL) and ``PRAGMA optimize`` (SQLite) do after a bulk
    load, done before measuring so they do not run during it."""
    if store.is_postgres:
        engine = store._require().execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text("VACUUM ANALYZE"))
    else:
        async with store._require().begin() as conn:
            await conn.execute(text("ANALYZE"))


async def bench(label: str, store: SQLStore, sizes: list[int]) -> None:
    print(f"== {label}")
    loaded = 0
    figures: dict[int, dict[str, float]] = {}
    for size in sizes:
        started = time.perf_counter()
        await fill(store, loaded, size)
        loaded = size
        await settle(store)
        print(f"  {size:>9,} stories (loaded in {time.perf_counter() - started:.1f} s)")
        row = {f"latest(50) {name}": await time_latest(store, flt) for name, flt in FILTERS.items()}
        row["cursor, 50 changes"] = await time_cursor(store, loaded)
        row["push (save)"] = await time_push(store, size)
        loaded += 50  # the pushes' stories
        figures[size] = row
    base = figures[sizes[0]]
    for what in base:
        cells = "  ".join(
            f"{figures[size][what] * 1e3:7.3f} ms ({figures[size][what] / base[what]:.2f})"
            for size in sizes
        )
        print(f"  {what:<26} {cells}")
    print(f"  (columns: {', '.join(f'{size:,}' for size in sizes)} stories; ratio to the first)")
    await plans(store)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    backends = args.backends.split(",")
    sizes = [int(size) for size in args.sizes.split(",")]
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            async with SQLStore(sqlite_dsn(Path(tmp))) as store:
                await bench("SQLite", store, sizes)
    if "postgres" not in backends:
        return 0
    try:
        probe = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"== PostgreSQL skipped: {exc}")
        return 0
    schema = f"wire_bench_{uuid.uuid4().hex[:8]}"
    try:
        async with SQLStore(PG_URL, schema=schema) as store:
            await bench("PostgreSQL", store, sizes)
    finally:
        await probe.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await probe.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
