"""Jobs: the APScheduler wrapper every timed task runs on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from wire.schedule import Jobs


@pytest.fixture
async def jobs() -> AsyncIterator[Jobs]:
    scheduler = Jobs()
    scheduler.start()
    yield scheduler
    await scheduler.aclose()


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_failing_job_does_not_stop_the_others_or_itself(jobs: Jobs) -> None:
    calls = {"bad": 0, "good": 0}

    async def bad() -> None:
        calls["bad"] += 1
        raise RuntimeError("upstream exploded")

    async def good() -> None:
        calls["good"] += 1

    jobs.every("bad", bad, 0.05, first_run=soon(0))
    jobs.every("good", good, 0.05, first_run=soon(0))
    await asyncio.sleep(0.4)
    assert calls["bad"] >= 2
    assert calls["good"] >= 2
    assert jobs.running


async def test_at_fires_once_at_its_time(jobs: Jobs) -> None:
    fired: list[datetime] = []

    async def job() -> None:
        fired.append(datetime.now(UTC))

    when = soon(0.3)
    jobs.at("once", job, when)
    await asyncio.sleep(0.1)
    assert fired == []
    await asyncio.sleep(0.6)
    assert len(fired) == 1
    assert fired[0] >= when
    assert jobs.next_run("once") is None


async def test_at_replaces_a_job_with_the_same_id(jobs: Jobs) -> None:
    fired: list[str] = []

    async def first() -> None:
        fired.append("first")

    async def second() -> None:
        fired.append("second")

    jobs.at("release", first, soon(0.2))
    jobs.at("release", second, soon(0.3))
    await asyncio.sleep(0.7)
    assert fired == ["second"]


async def test_at_a_past_instant_runs_now(jobs: Jobs) -> None:
    fired = asyncio.Event()

    async def job() -> None:
        fired.set()

    jobs.at("late", job, datetime.now(UTC) - timedelta(hours=1))
    await asyncio.wait_for(fired.wait(), 1.0)


async def test_next_run_reports_the_booked_instant(jobs: Jobs) -> None:
    async def job() -> None:
        return None

    when = soon(60)
    jobs.at("later", job, when)
    booked = jobs.next_run("later")
    assert booked is not None
    assert abs((booked - when).total_seconds()) < 0.001
    assert jobs.next_run("unknown") is None


async def test_cancel_removes_a_job(jobs: Jobs) -> None:
    fired: list[int] = []

    async def job() -> None:
        fired.append(1)

    jobs.at("doomed", job, soon(0.2))
    assert jobs.cancel("doomed") is True
    assert jobs.cancel("doomed") is False
    await asyncio.sleep(0.4)
    assert fired == []


async def test_a_job_never_overlaps_itself(jobs: Jobs) -> None:
    running = 0
    most = 0
    runs = 0

    async def slow() -> None:
        nonlocal running, most, runs
        running += 1
        runs += 1
        most = max(most, running)
        await asyncio.sleep(0.15)
        running -= 1

    jobs.every("slow", slow, 0.02, first_run=soon(0))
    await asyncio.sleep(0.5)
    assert runs >= 2
    assert most == 1


async def test_a_naive_instant_is_refused(jobs: Jobs) -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="naive"):
        jobs.at("naive", job, datetime(2030, 1, 1))


async def test_aclose_cancels_jobs_in_progress() -> None:
    scheduler = Jobs()
    scheduler.start()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def hang() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    scheduler.at("hang", hang, soon(0))
    await asyncio.wait_for(started.wait(), 1.0)
    await scheduler.aclose()
    assert cancelled.is_set()
    assert not scheduler.running
