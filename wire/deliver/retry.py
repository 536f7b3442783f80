"""Delivery attempts shared by WebSub and webhooks: backoff schedule, one POST, its record.

The schedule and the bookkeeping (``RetryPolicy.delay``, ``record``) are pure, so
they are tested without a clock or a network. ``send`` is the one place a push
touches HTTP: a bounded timeout, no redirects followed (a redirect could point
anywhere, including where the callback check would have refused), and the
target checked again right before the call, since DNS may have changed since
the subscription. The session (``wire.net.session``) checks the addresses
again as it connects, closing the window between that check and the connection;
its refusal also makes the delivery dead at once. ``deliver`` ties the two and
writes the outcome to the store, so retries survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import aiohttp

from wire.errors import UnsafeURL
from wire.instants import format_instant
from wire.metrics import DELIVERIES
from wire.net.session import refusal
from wire.net.urlcheck import check_callback_async
from wire.reachlog import ReachLog
from wire.store.base import Delivery, DeliveryKind, DeliveryState, Store
from wire.usage import UsageCounter

log = logging.getLogger(__name__)

__all__ = [
    "Attempt",
    "Courier",
    "HeaderFn",
    "RetryPolicy",
    "record",
    "send",
    "store_outcome",
    "try_once",
]

P = TypeVar("P", asyncio.Lock, asyncio.Semaphore)

PENDING, DELIVERED, DEAD = DeliveryState.PENDING, DeliveryState.DELIVERED, DeliveryState.DEAD
ERROR_LIMIT = 500  # characters of an error kept with the delivery


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a push is retried.

    Attempt ``n`` (1-based) that fails waits ``base * factor**(n-1)`` seconds, at
    most ``cap``, spread by ``±jitter`` (a fraction) so that many deliveries that
    failed together (a receiver restarting) do not all return at once. After
    ``max_attempts`` failures the delivery is dead: kept, listed, never retried
    unless redelivered by hand. The defaults span about a day."""

    max_attempts: int = 10
    base: float = 5.0
    factor: float = 3.0
    cap: float = 6 * 3600.0
    jitter: float = 0.2
    timeout: float = 10.0

    def delay(self, attempts: int, rand: float = 0.5) -> timedelta:
        """The wait after the ``attempts``-th failure; ``rand`` in [0, 1) places the jitter."""
        raw = min(self.cap, self.base * self.factor ** max(attempts - 1, 0))
        spread = raw * self.jitter * (2 * rand - 1)
        return timedelta(seconds=max(0.0, raw + spread))


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one try did: ``ok`` for a 2xx answer; ``error`` says what went wrong."""

    ok: bool
    status: int | None = None
    error: str | None = None
    permanent: bool = False  # no point retrying (the target became unsafe)


def record(
    delivery: Delivery,
    attempt: Attempt,
    *,
    now: datetime,
    policy: RetryPolicy,
    rand: float = 0.5,
) -> Delivery:
    """The delivery after this attempt: delivered, scheduled again, or dead."""
    attempts = delivery.attempts + 1
    if attempt.ok:
        return replace(
            delivery, attempts=attempts, state=DELIVERED, last_error=None, next_attempt_at=None
        )
    error = (attempt.error or f"HTTP {attempt.status}")[:ERROR_LIMIT]
    if attempt.permanent or attempts >= policy.max_attempts:
        return replace(
            delivery, attempts=attempts, state=DEAD, last_error=error, next_attempt_at=None
        )
    return replace(
        delivery,
        attempts=attempts,
        state=PENDING,
        last_error=error,
        next_attempt_at=now + policy.delay(attempts, rand),
    )


HeaderFn = Callable[[Delivery, datetime], Mapping[str, str]]
"""Extra headers computed at send time (a Standard Webhooks signature covers the
attempt's timestamp, so it cannot be computed once at enqueue time)."""


async def send(
    http: aiohttp.ClientSession,
    delivery: Delivery,
    *,
    time_limit: float,
    allow_private: bool,
    extra_headers: Mapping[str, str] | None = None,
) -> Attempt:
    """POST the delivery's body once. Never raises for what the receiver does."""
    try:
        await check_callback_async(delivery.target, allow_private=allow_private)
    except UnsafeURL as exc:
        return Attempt(False, error=f"unsafe target: {exc}", permanent=True)
    headers = {**delivery.headers, **(extra_headers or {})}
    try:
        async with http.post(
            delivery.target,
            data=delivery.body,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=time_limit),
        ) as response:
            await response.read()
            if 200 <= response.status < 300:
                return Attempt(True, status=response.status)
            return Attempt(False, status=response.status, error=f"HTTP {response.status}")
    except TimeoutError:
        return Attempt(False, error=f"timed out after {time_limit:g} s")
    except (aiohttp.ClientError, UnsafeURL) as exc:
        refused = refusal(exc)
        if refused is not None:  # the address changed since the check above
            return Attempt(False, error=f"unsafe target: {refused}", permanent=True)
        return Attempt(False, error=f"{type(exc).__name__}: {exc}")


async def try_once(
    http: aiohttp.ClientSession,
    delivery: Delivery,
    *,
    now: Callable[[], datetime],
    policy: RetryPolicy,
    allow_private: bool,
    headers: HeaderFn | None = None,
    rand: Callable[[], float] = random.random,
) -> Delivery:
    """Try one delivery; the record of what happened, not yet stored (``store_outcome``)."""
    extra = headers(delivery, now()) if headers is not None else None
    attempt = await send(
        http, delivery, time_limit=policy.timeout, allow_private=allow_private, extra_headers=extra
    )
    return record(delivery, attempt, now=now(), policy=policy, rand=rand())


async def store_outcome(store: Store, updated: Delivery) -> None:
    """Store an attempt's outcome, count it (``wire_deliveries_total``) and say in
    one log line what became of it."""
    await store.update_delivery(updated)
    fields: dict[str, object] = {
        "delivery": updated.id,
        "kind": updated.kind.value,
        "target": updated.target,
        "subject": updated.subject,
        "attempts": updated.attempts,
    }
    if updated.state == DEAD:
        DELIVERIES.labels(updated.kind.value, "dead").inc()
        log.warning("delivery dead", extra={**fields, "error": updated.last_error})
    elif updated.state == PENDING:
        DELIVERIES.labels(updated.kind.value, "retry").inc()
        retry_at = format_instant(updated.next_attempt_at)
        log.info(
            "delivery failed, will retry",
            extra={**fields, "error": updated.last_error, "retry_at": retry_at},
        )
    else:
        DELIVERIES.labels(updated.kind.value, "delivered").inc()
        log.info("delivered", extra=fields)


class Shared(Generic[P]):
    """One lock or semaphore per key while attempts use it, dropped with its last
    user, so the table follows the attempts in flight."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[P, int]] = {}  # key → primitive, attempts using it

    @contextlib.asynccontextmanager
    async def hold(self, key: str, make: Callable[[], P]) -> AsyncIterator[int]:
        """Acquire the key's primitive (made if none is in use); yields how many
        other attempts were using it when this one came."""
        primitive, users = self._held.get(key) or (make(), 0)
        self._held[key] = (primitive, users + 1)
        try:
            async with primitive:
                yield users
        finally:
            primitive, users = self._held[key]
            if users == 1:
                del self._held[key]
            else:
                self._held[key] = (primitive, users - 1)


class Courier:
    """Sends one kind of delivery (``websub`` or ``webhook``): a first attempt right
    away in the background, then the due ones on every sweep.

    A delivery in flight is never started twice in this process, so the sweep and
    the immediate attempt do not both send it. At most ``concurrency`` attempts
    run at once, and at most ``per_host`` to one host: a partner whose endpoint
    hangs holds its own slots (for ``RetryPolicy.timeout`` at worst), never
    everyone's. The host's slot is taken before the shared one, so attempts
    queued behind a slow host wait without holding a shared slot. Connections
    are reused across attempts (one keep-alive session)."""

    def __init__(
        self,
        store: Store,
        http: aiohttp.ClientSession,
        *,
        kind: DeliveryKind,
        clock: Callable[[], datetime],
        allow_private: bool,
        policy: RetryPolicy | None = None,
        headers: HeaderFn | None = None,
        concurrency: int = 64,
        per_host: int = 32,
        batch: int = 500,
        usage: UsageCounter | None = None,
        reach: ReachLog | None = None,
    ) -> None:
        self.store = store
        self.usage = usage  # delivered pushes counted for their partner (``subject``)
        self.reach = reach  # delivered stories recorded as reaching their partner
        self.http = http
        self.kind = kind
        self.clock = clock
        self.allow_private = allow_private
        self.policy = policy or RetryPolicy()
        self.headers = headers
        self.batch = batch
        self._hosts: Shared[asyncio.Semaphore] = Shared()
        self.limit(concurrency=concurrency, per_host=per_host)
        self._in_flight: set[str] = set()
        self._chains: Shared[asyncio.Lock] = Shared()
        self._tasks: set[asyncio.Task[object]] = set()

    def _delivered(self, delivery: Delivery) -> None:
        """Count a delivered push to its partner; a story's webhook reached it."""
        at = self.clock()
        if self.usage is not None:
            size = len(delivery.body)
            self.usage.count(delivery.subject, self.kind.value, at=at, size=size, items=1)
        if self.reach is not None and self.kind is DeliveryKind.WEBHOOK:
            try:
                data = json.loads(delivery.body)["data"]
                guid, version = str(data["guid"]), int(data["version"])
            except (ValueError, KeyError, TypeError):
                return
            self.reach.reached(delivery.subject, guid, version, "webhook", at)

    def limit(self, *, concurrency: int, per_host: int) -> None:
        """Bound the attempts in flight, in all and to one host (before any is made)."""
        self.concurrency, self._per_host = concurrency, per_host
        self._gate = asyncio.Semaphore(concurrency)

    async def attempt(self, delivery: Delivery) -> Delivery | None:
        """One try, unless that delivery is already being tried; None then.

        Deliveries of one chain (one story to one partner, one feed to one
        subscriber) are never sent concurrently: a newer one waits for the older
        one's attempt to end, and an older one superseded meanwhile is not sent."""
        if delivery.id in self._in_flight:
            return None
        self._in_flight.add(delivery.id)
        try:
            async with self._chain(delivery.chain) as waited:
                if waited:
                    latest = await self.store.get_delivery(delivery.id)
                    if latest is None or latest.state != PENDING:
                        return None
                    delivery = latest
                # The slots are for sending: they are given back before the
                # outcome is stored, so the next sends start while it commits
                # (the chain stays held, so a newer attempt of it still waits).
                async with self._host(delivery.target), self._gate:
                    updated = await try_once(
                        self.http,
                        delivery,
                        now=self.clock,
                        policy=self.policy,
                        allow_private=self.allow_private,
                        headers=self.headers,
                    )
                await store_outcome(self.store, updated)
                if updated.state not in (DEAD, PENDING):
                    self._delivered(updated)
                return updated
        finally:
            self._in_flight.discard(delivery.id)

    def _host(self, target: str) -> contextlib.AbstractAsyncContextManager[int]:
        """Hold one of the target host's ``per_host`` slots."""
        per_host = self._per_host
        host = urlsplit(target).netloc.lower()
        return self._hosts.hold(host, lambda: asyncio.Semaphore(per_host))

    @contextlib.asynccontextmanager
    async def _chain(self, chain: str | None) -> AsyncIterator[bool]:
        """Hold the chain's lock; yields whether another attempt had it first."""
        if chain is None:
            yield False
            return
        async with self._chains.hold(chain, asyncio.Lock) as others:
            yield others > 0

    def start(self, delivery: Delivery) -> None:
        """Try now, in the background: the caller (an event listener) does not wait."""
        task = asyncio.create_task(self._guarded(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, delivery: Delivery) -> Delivery | None:
        try:
            return await self.attempt(delivery)
        except Exception:
            log.exception("delivery attempt failed", extra={"delivery": delivery.id})
            return None

    async def run_due(self) -> list[Delivery]:
        """Try every due delivery of this kind, concurrently (bounded); the updated records."""
        due = await self.store.due(kind=self.kind, now=self.clock(), limit=self.batch)
        mine = [d for d in due if d.id not in self._in_flight]
        results = await asyncio.gather(*(self._guarded(d) for d in mine))
        return [r for r in results if r is not None]

    async def drain(self) -> None:
        """Wait for background attempts already started (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel background attempts; their deliveries stay pending in the store."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


def delivery_summary(delivery: Delivery) -> dict[str, object]:
    """A delivery as the API and the CLI show it: without its body and headers
    (they may carry signatures)."""
    return {
        "id": delivery.id,
        "kind": delivery.kind,
        "target": delivery.target,
        "subject": delivery.subject,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "next_attempt_at": format_instant(delivery.next_attempt_at),
        "created_at": format_instant(delivery.created_at),
    }
