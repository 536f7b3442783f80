"""The job-running instance's duties: pruning finished pushes on its schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.clocks import START, FakeClock
from tests.feed_server import make_config
from tests.store_fixtures import on_database
from wire.duties import DELIVERED_KEPT, Leadership
from wire.runtime import Runtime, running
from wire.store.base import Delivery, DeliveryKind, DeliveryState


@pytest.fixture
async def runtime(tmp_path: Path, database: str) -> AsyncIterator[Runtime]:
    async with running(on_database(make_config(tmp_path), database), clock=FakeClock(START)) as rt:
        yield rt


def leadership(rt: Runtime) -> Leadership:
    async def deliver() -> None:
        return None

    return Leadership(rt.store, rt.jobs, rt.sources, rt.embargo, deliver, rt.wire.clock)


def delivered(n: int, age: timedelta) -> Delivery:
    return Delivery(
        id=f"msg_{n}",
        kind=DeliveryKind.WEBHOOK,
        target="https://partner.example/hook",
        body=f"body {n}".encode(),
        headers={},
        subject="acme",
        state=DeliveryState.DELIVERED,
        created_at=START - age,
    )


async def test_the_leader_prunes_deliveries_finished_longer_ago_than_kept(
    runtime: Runtime,
) -> None:
    await runtime.store.enqueue_many(
        [delivered(1, DELIVERED_KEPT + timedelta(hours=1)), delivered(2, timedelta(hours=1))]
    )
    assert await leadership(runtime).prune() == 1
    assert await runtime.store.get_delivery("msg_1") is None
    assert await runtime.store.get_delivery("msg_2") is not None


async def test_the_leader_schedules_the_pruning(runtime: Runtime) -> None:
    runtime.jobs.start()
    leader = leadership(runtime)
    await leader.tick()
    assert leader.leading
    assert runtime.jobs.next_run("prune-deliveries") is not None
