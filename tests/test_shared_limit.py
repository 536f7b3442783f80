"""The rate limit shared by every instance through Redis (127.0.0.1:6379): each
instance answers at once from its own counts and shares them in the background,
so a client gets one allowance across instances, and an outage of Redis leaves
each instance limiting on its own."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

from wire.web.ratelimit import WINDOW
from wire.web.sharedlimit import SharedRateLimiter

REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="needs Redis at 127.0.0.1:6379")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000 * WINDOW + 5.0  # 5 s into a window

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client_key() -> str:
    """A client of its own: tests (and runs) never share counts."""
    return f"test-{uuid.uuid4()}"


@pytest.fixture
async def pair() -> AsyncIterator[tuple[SharedRateLimiter, SharedRateLimiter, Clock]]:
    clock = Clock()
    first = SharedRateLimiter(10, REDIS, clock=clock)
    second = SharedRateLimiter(10, REDIS, clock=clock)
    try:
        yield first, second, clock
    finally:
        await first.close()
        await second.close()


def _allowed(limiter: SharedRateLimiter, key: str, times: int) -> int:
    return sum(limiter.check(key) == 0.0 for _ in range(times))


async def test_two_instances_share_one_allowance(
    pair: tuple[SharedRateLimiter, SharedRateLimiter, Clock], client_key: str
) -> None:
    first, second, _ = pair
    assert _allowed(first, client_key, 6) == 6
    await first.sync()
    assert _allowed(second, client_key, 1) == 1  # a client new here: allowed, then shared
    await second.sync()
    assert _allowed(second, client_key, 6) == 3  # 6 + 1 were counted already
    await second.sync()
    await first.sync()
    assert first.check(client_key) > 0


async def test_a_refusal_says_to_come_back_when_the_window_ends(
    pair: tuple[SharedRateLimiter, SharedRateLimiter, Clock], client_key: str
) -> None:
    first, _, _ = pair
    assert _allowed(first, client_key, 11) == 10
    assert first.check(client_key) == pytest.approx(WINDOW - 5.0)


async def test_a_new_window_gives_a_new_allowance(
    pair: tuple[SharedRateLimiter, SharedRateLimiter, Clock], client_key: str
) -> None:
    first, second, clock = pair
    _allowed(first, client_key, 10)
    await first.sync()
    clock.now += WINDOW
    await second.sync()
    assert _allowed(second, client_key, 10) == 10


async def test_other_clients_are_not_counted_together(
    pair: tuple[SharedRateLimiter, SharedRateLimiter, Clock], client_key: str
) -> None:
    first, second, _ = pair
    _allowed(first, client_key, 10)
    await first.sync()
    second.check(f"{client_key}-other")
    await second.sync()
    assert _allowed(second, f"{client_key}-other", 10) == 9


async def test_without_redis_each_instance_limits_on_its_own(
    client_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    limiter = SharedRateLimiter(3, f"redis://127.0.0.1:{closed_port}/0", clock=Clock())
    try:
        with caplog.at_level(logging.WARNING, logger="wire.web.sharedlimit"):
            assert _allowed(limiter, client_key, 2) == 2
            await limiter.sync()
            await limiter.sync()
            assert _allowed(limiter, client_key, 5) == 1
    finally:
        await limiter.close()
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # said once, not at every sync
