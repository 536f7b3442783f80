"""``ParseWorkers.parse_many``: a batch parsed on every core, each input on its own.

The long-lived workers must give exactly what parsing in the server's own
process gives, keep each input's refusal in its place, and lose nothing when
one input runs over its time or kills its worker.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest import workers as workers_module
from wire.ingest.pipeline import parse_input
from wire.ingest.workers import PROCESS_THRESHOLD, ParseWorkers
from wire.model import Story

BATCH = Path(__file__).resolve().parent / "fixtures" / "batch"
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)


def jobs() -> list[dict[str, Any]]:
    """The batch fixtures (one of them empty: refused), each twice over."""
    paths = sorted(BATCH.glob("*.txt")) * 2
    return [{"name": p.name, "data": p.read_bytes(), "fetched_at": FETCHED} for p in paths]


def parsed_here(job: dict[str, Any]) -> list[Story] | str:
    try:
        return parse_input(**job)
    except IngestError as exc:
        return f"{type(exc).__name__}: {exc}"


def comparable(result: list[Story] | IngestError) -> list[Story] | str:
    return f"{type(result).__name__}: {result}" if isinstance(result, IngestError) else result


def stall_or_parse(**job: Any) -> list[Story]:
    """A parser that never ends on the input ``stall`` (run in a worker)."""
    if job["data"] == b"stall":
        time.sleep(60)
    return parse_input(**job)


def die_or_parse(**job: Any) -> list[Story]:
    """A parser whose process dies on the input ``die`` (run in a worker)."""
    if job["data"] == b"die":
        os._exit(3)
    return parse_input(**job)


async def test_a_batch_parses_to_what_each_input_parses_to_alone() -> None:
    pool = ParseWorkers(seconds=30, pooled=2)
    try:
        results = await pool.parse_many(parse_input, jobs())
    finally:
        await pool.close()
    assert [comparable(r) for r in results] == [parsed_here(j) for j in jobs()]
    assert sum(isinstance(r, NoContent) for r in results) == 2


@pytest.mark.parametrize(
    ("parser", "data", "seconds", "refusal"),
    [
        (stall_or_parse, b"stall", 3, "longer than 3 s"),
        (die_or_parse, b"die", 30, "process died"),
    ],
    ids=["over its time", "kills its worker"],
)
async def test_an_input_that_loses_its_worker_is_refused_and_the_others_still_parse(
    parser: Any, data: bytes, seconds: float, refusal: str
) -> None:
    batch = jobs()
    batch.insert(3, {"name": "lost", "data": data, "fetched_at": FETCHED})
    pool = ParseWorkers(seconds=seconds, pooled=2)
    try:
        results = await pool.parse_many(parser, batch)
    finally:
        await pool.close()
    lost = results.pop(3)
    assert isinstance(lost, MalformedInput)
    assert refusal in str(lost)
    assert [comparable(r) for r in results] == [parsed_here(j) for j in jobs()]


async def test_workers_are_replaced_after_their_share_of_inputs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers_module, "JOBS_PER_WORKER", 2)
    pool = ParseWorkers(seconds=30, pooled=2)
    try:
        results = await pool.parse_many(parse_input, jobs())
        kept = list(pool._idle)
    finally:
        await pool.close()
    assert [comparable(r) for r in results] == [parsed_here(j) for j in jobs()]
    assert all(worker.jobs < 2 for worker in kept)  # each retired at its second input


async def test_a_large_input_in_a_batch_gets_a_process_of_its_own() -> None:
    big = ("Big story\n\n" + "A paragraph of copy that goes on. " * 9000).encode()
    assert len(big) > PROCESS_THRESHOLD
    batch = [*jobs()[:2], {"name": "big", "data": big, "fetched_at": FETCHED}]
    pool = ParseWorkers(seconds=60, pooled=2)
    try:
        results = await pool.parse_many(parse_input, batch)
        pooled = sum(worker.jobs for worker in pool._idle)
    finally:
        await pool.close()
    assert [comparable(r) for r in results] == [parsed_here(j) for j in batch]
    assert pooled == 2  # the big one went elsewhere


async def test_closing_stops_every_worker() -> None:
    pool = ParseWorkers(seconds=30, pooled=2)
    await pool.parse_many(parse_input, jobs())
    processes = [worker.process for worker in pool._idle]
    assert processes
    assert all(p.is_alive() for p in processes)
    await pool.close()
    assert not any(p.is_alive() for p in processes)


async def test_a_worker_that_died_idle_is_replaced_and_its_run_sent_again() -> None:
    pool = ParseWorkers(seconds=30, pooled=2)
    try:
        await pool.parse_many(parse_input, jobs())
        for worker in pool._idle:
            os.kill(worker.process.pid, signal.SIGKILL)
            worker.process.join()
        results = await pool.parse_many(parse_input, jobs())
    finally:
        await pool.close()
    assert [comparable(r) for r in results] == [parsed_here(j) for j in jobs()]


async def test_a_read_given_up_halfway_leaves_no_worker_running() -> None:
    batch = [{"name": "stalled", "data": b"stall", "fetched_at": FETCHED}, *jobs()]
    pool = ParseWorkers(seconds=60, pooled=2)
    reading = asyncio.create_task(pool.parse_many(stall_or_parse, batch))
    await asyncio.sleep(2)
    children = multiprocessing.active_children()
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    await pool.close()
    assert children
    assert not any(p.is_alive() for p in children)


def test_workers_are_not_forked_while_another_thread_runs() -> None:
    """A fork copies the locks other threads hold, never the threads: with one
    running, the workers come from the forkserver later instead."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        pool = ParseWorkers(seconds=30, pooled=2)
        assert pool.prefork() is False
        assert pool._idle == []
    finally:
        release.set()
        other.join()


PREFORKED = """
import asyncio, json, sys
from tests.test_parse_pool import comparable, jobs, parsed_here
from wire.ingest.pipeline import parse_input
from wire.ingest.workers import ParseWorkers

pool = ParseWorkers(seconds=30, pooled=2)
forked = pool.prefork()
processes = [worker.process for worker in pool._idle]

async def batch():
    try:
        return await pool.parse_many(parse_input, jobs())
    finally:
        await pool.close()

results = asyncio.run(batch())
print(json.dumps({
    "forked": forked,
    "workers": len(processes),
    "same": [comparable(r) for r in results] == [parsed_here(j) for j in jobs()],
    "exits": [p.exitcode for p in processes],
}))
"""


def test_workers_forked_at_a_commands_start_parse_as_the_server_does_and_end_on_close() -> None:
    """``wire ingest`` forks its workers from its own single-threaded process
    (``prefork``): they parse what the forkserver's workers parse, and each ends
    by itself when its pipe closes (exit code 0: not killed)."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", PREFORKED], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"forked": True, "workers": 2, "same": True, "exits": [0, 0]}


PREFORKED_LOSS = """
import asyncio, json
from tests.test_parse_pool import FETCHED, comparable, die_or_parse, jobs, parsed_here
from wire.ingest.workers import ParseWorkers

pool = ParseWorkers(seconds=30, pooled=2)
pool.prefork()

async def batch():
    try:
        return await pool.parse_many(die_or_parse, [{"name": "die", "data": b"die",
                                                     "fetched_at": FETCHED}, *jobs()])
    finally:
        await pool.close()

results = asyncio.run(batch())
print(json.dumps({
    "lost": comparable(results[0]),
    "same": [comparable(r) for r in results[1:]] == [parsed_here(j) for j in jobs()],
}))
"""


def test_a_preforked_worker_that_is_lost_is_replaced_and_the_rest_still_parse() -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", PREFORKED_LOSS],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "lost": "MalformedInput: die: the parser's process died",
        "same": True,
    }
