"""The built-in WebSub hub (W3C WebSub Recommendation): subscriptions and content distribution.

Subscribers ``POST /websub`` a form with ``hub.mode``, ``hub.topic`` (one of this
server's feed URLs), ``hub.callback`` and optionally ``hub.lease_seconds`` and
``hub.secret``. The hub answers ``202 Accepted`` and then verifies intent: it
GETs the callback with a random ``hub.challenge``, and only a 2xx answer echoing
the challenge exactly makes the (un)subscription take effect. Subscriptions live
in the store, so they survive a restart.

When a feed changes, every unexpired subscriber to each of its formats gets a
POST of the new feed body, rendered for the audience it subscribed as (a
partner who subscribed with its token gets its own view; everyone else the
public view), with ``Link`` headers and, when it gave a secret,
``X-Hub-Signature: sha256=<hmac>``. Each notification is a queued ``Delivery``:
tried at once, then retried with backoff until delivered or dead.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from wire.access import Authenticator
from wire.deliver.retry import Courier, RetryPolicy
from wire.errors import AuthError, HubRequestError, NotEntitled, UnsafeURL
from wire.events import FeedChanged
from wire.model import PUBLIC, Audience
from wire.net.urlcheck import check_callback_async
from wire.publish.publisher import Publisher
from wire.reachlog import ReachLog
from wire.schedule import Jobs
from wire.service import Wire
from wire.store.base import Delivery, DeliveryKind, Subscription

log = logging.getLogger(__name__)

__all__ = [
    "Hub",
    "HubRequest",
    "HubRequestError",
    "Leases",
    "delivery_id",
    "parse_hub_request",
    "signature",
    "with_query",
]

MODES = ("subscribe", "unsubscribe")
SECRET_LIMIT = 200  # bytes, exclusive (WebSub 5.1)
CHALLENGE_READ_LIMIT = 4096
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class Leases:
    """Lease bounds in seconds: requests are clamped to [minimum, maximum]."""

    default: int = 10 * 24 * 3600
    minimum: int = 300
    maximum: int = 30 * 24 * 3600

    def clamp(self, requested: int | None) -> int:
        if requested is None:
            return self.default
        return max(self.minimum, min(self.maximum, requested))


@dataclass(frozen=True, slots=True)
class HubRequest:
    """A well-formed (un)subscription request, before intent is verified."""

    mode: str
    topic: str
    callback: str
    lease_seconds: int
    secret: str | None
    token: str | None  # a partner token carried in the topic URL's ``?token=``


def parse_hub_request(form: Mapping[str, str], *, leases: Leases) -> HubRequest:
    """Check the form fields of a hub request (pure: no topic lookup, no DNS)."""
    mode = form.get("hub.mode", "")
    if mode not in MODES:
        raise HubRequestError("hub.mode", "must be 'subscribe' or 'unsubscribe'")
    topic = form.get("hub.topic", "").strip()
    if not topic:
        raise HubRequestError("hub.topic", "is required")
    callback = form.get("hub.callback", "").strip()
    if not callback:
        raise HubRequestError("hub.callback", "is required")
    raw_lease = form.get("hub.lease_seconds")
    lease: int | None = None
    if raw_lease not in (None, ""):
        try:
            lease = int(raw_lease)
        except ValueError as exc:
            raise HubRequestError("hub.lease_seconds", "must be a whole number") from exc
        if lease <= 0:
            raise HubRequestError("hub.lease_seconds", "must be positive")
    secret = form.get("hub.secret") or None
    if secret is not None and len(secret.encode("utf-8")) >= SECRET_LIMIT:
        raise HubRequestError("hub.secret", f"must be shorter than {SECRET_LIMIT} bytes")
    token = dict(parse_qsl(urlsplit(topic).query)).get("token") or None
    return HubRequest(mode, topic, callback, leases.clamp(lease), secret, token)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value: ``sha256=`` and the HMAC of the body, in hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def with_query(url: str, params: Mapping[str, str]) -> str:
    """The URL with ``params`` appended to whatever query it already has (WebSub 5.3)."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def delivery_id(topic: str, callback: str, etag: str, modified: str) -> str:
    """One notification per (subscription, feed state): the same state is queued once."""
    digest = hashlib.sha256("\n".join((topic, callback, etag, modified)).encode("utf-8"))
    return "websub_" + digest.hexdigest()[:40]


class Hub:
    """Subscriptions, verification of intent and content distribution for wire's feeds."""

    def __init__(
        self,
        wire: Wire,
        publisher: Publisher,
        http: aiohttp.ClientSession,
        jobs: Jobs,
        *,
        auth: Authenticator,
        leases: Leases | None = None,
        policy: RetryPolicy | None = None,
        reach: ReachLog | None = None,
    ) -> None:
        self.wire = wire
        self.reach = reach  # a partner's topic sent a rendering: it received its stories
        self.auth = auth
        self.publisher = publisher
        self.http = http
        self.jobs = jobs
        self.leases = leases or Leases()
        self.allow_private = wire.config.server.allow_private_callbacks
        self.courier = Courier(
            wire.store,
            http,
            kind=DeliveryKind.WEBSUB,
            clock=wire.clock,
            allow_private=self.allow_private,
            policy=policy,
        )
        self.verify_timeout = 10.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: dict[tuple[str, str], str] = {}  # (topic, callback) → last delivery id
        self._distributing: set[str] = set()  # feeds whose distribution is under way
        self._again: set[str] = set()  # … and changed again meanwhile

    async def accept(
        self,
        request: HubRequest,
        *,
        audience: Audience,
        secure: bool,
        token_hash: str | None = None,
    ) -> None:
        """Validate a parsed request against this server and start verifying intent.

        Raises ``HubRequestError`` (not our topic, a secret over plain HTTP),
        ``UnsafeURL`` (callback) or ``NotEntitled`` (audience may not read)."""
        found = self.publisher.topic(request.topic)
        if found is None:
            raise HubRequestError("hub.topic", "is not a feed this hub publishes")
        feed, fmt = found
        spec = self.wire.config.feed(feed)
        if spec is None or not audience.may_read_feed(feed, public=spec.public):
            raise NotEntitled(f"{audience.name} may not read feed {feed!r}")
        if request.secret is not None and not (secure or self.allow_private):
            raise HubRequestError("hub.secret", "is only accepted over HTTPS")
        await check_callback_async(request.callback, allow_private=self.allow_private)
        canonical = self.publisher.feed_url(feed, fmt)
        held = token_hash if audience.partner else None
        self._spawn(self._verify(request, canonical, audience.name, held))

    async def _verify(
        self, request: HubRequest, topic: str, audience: str, token_hash: str | None
    ) -> None:
        """Verification of intent (WebSub 5.3): act only on an echoed challenge."""
        challenge = secrets.token_urlsafe(24)
        params = {"hub.mode": request.mode, "hub.topic": request.topic, "hub.challenge": challenge}
        if request.mode == "subscribe":
            params["hub.lease_seconds"] = str(request.lease_seconds)
        confirmed = await self._confirm(with_query(request.callback, params), challenge)
        if not confirmed:
            log.info(
                "websub intent not verified",
                extra={"callback": request.callback, "mode": request.mode},
            )
            return
        now = self.wire.clock()
        if request.mode == "subscribe":
            await self.wire.store.put_subscription(
                Subscription(
                    topic=topic,
                    callback=request.callback,
                    expires_at=now + timedelta(seconds=request.lease_seconds),
                    secret=request.secret,
                    audience=audience,
                    created_at=now,
                    token_hash=token_hash,
                )
            )
        else:
            await self.wire.store.delete_subscription(topic, request.callback)
        log.info("websub %sd", request.mode, extra={"topic": topic, "callback": request.callback})

    async def _confirm(self, url: str, challenge: str) -> bool:
        answer = await self._get_callback(url, "websub verification failed")
        return answer is not None and 200 <= answer[0] < 300 and answer[1] == challenge.encode()

    async def _get_callback(self, url: str, failure: str) -> tuple[int, bytes] | None:
        """GET a subscriber's callback (checked, no redirects, bounded in time and
        size): its status and stripped body, or None (logged as ``failure``)."""
        try:
            await check_callback_async(url, allow_private=self.allow_private)
            async with self.http.get(
                url,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.verify_timeout),
            ) as response:
                body = await response.content.read(CHALLENGE_READ_LIMIT)
                return response.status, body.strip()
        except (UnsafeURL, TimeoutError, aiohttp.ClientError) as exc:
            log.info(failure, extra={"url": url, "error": str(exc)})
            return None

    # distribution -----------------------------------------------------------
    async def on_feed_changed(self, event: FeedChanged) -> None:
        """Queue the new body of each format of the feed for its subscribers, and send now.

        Changes that arrive while the feed is being distributed (a batch of
        stories, each changing the feed) are distributed once more after it, not
        once each: every subscriber is sent the feed as it stands after the last
        change, without the subscription lookups and renders of every change
        between (which cost more than the batch's writes)."""
        feed = event.feed
        if feed in self._distributing:
            self._again.add(feed)
            return
        self._distributing.add(feed)
        try:
            while True:
                self._again.discard(feed)
                await self._distribute(feed)
                if feed not in self._again:
                    break
        finally:
            self._distributing.discard(feed)

    async def _distribute(self, feed: str) -> None:
        spec = self.wire.config.feed(feed)
        if spec is None:
            return
        now = self.wire.clock()
        tokens: dict[str, Audience | AuthError] = {}  # each token checked once per change
        batch: list[Delivery] = []
        for fmt in spec.formats:
            topic = self.publisher.feed_url(feed, fmt)
            subs = await self.wire.store.subscriptions(topic, now=now)
            by_audience: dict[Audience, list[Subscription]] = {}
            for sub in subs:
                audience = await self._audience(sub, public=spec.public, now=now, tokens=tokens)
                if audience is not None:
                    by_audience.setdefault(audience, []).append(sub)
            for audience, group in by_audience.items():
                rendered = await self.publisher.rendered(feed, fmt, audience)
                if audience.partner:
                    for _ in group:
                        size = len(rendered.body)
                        self.wire.usage.count(audience.name, "websub", at=now, size=size, items=1)
                    if self.reach is not None:
                        self.reach.fetched(audience.name, rendered.etag, now)
                link = self.publisher.link_header(feed, fmt) or (
                    f'<{self.publisher.hub_url}>; rel="hub", <{topic}>; rel="self"'
                )
                for sub in group:
                    ident = delivery_id(
                        topic, sub.callback, rendered.etag, rendered.last_modified_http
                    )
                    if self._queued.get((topic, sub.callback)) == ident:
                        continue
                    headers = {"Content-Type": rendered.content_type, "Link": link}
                    if sub.secret:
                        headers["X-Hub-Signature"] = signature(sub.secret, rendered.body)
                    delivery = Delivery(
                        id=ident,
                        kind=DeliveryKind.WEBSUB,
                        target=sub.callback,
                        body=rendered.body,
                        headers=headers,
                        subject=topic,
                        next_attempt_at=now,
                        created_at=now,
                        chain=f"websub\n{topic}\n{sub.callback}",
                    )
                    batch.append(delivery)
        # Every subscriber's delivery in one transaction, then every send at once.
        queued = await self.wire.store.enqueue_many(batch)
        for delivery in batch:
            self._queued[(delivery.subject, delivery.target)] = delivery.id
        for delivery in queued:
            self.courier.start(delivery)

    async def _audience(
        self,
        sub: Subscription,
        *,
        public: bool,
        now: datetime,
        tokens: dict[str, Audience | AuthError],
    ) -> Audience | None:
        """The view a subscription receives, its token checked afresh (once per
        change: ``tokens`` remembers the answers): a partner's while the token it
        was made with stands. Once that token is revoked or expired (or its partner
        left the config), a public topic falls back to the public view; a
        partners-only one ends: the subscription is removed and the subscriber told
        (WebSub's ``hub.mode=denied``)."""
        if sub.token_hash is None:
            return PUBLIC if public else None
        known = tokens.get(sub.token_hash)
        if known is None:
            try:
                known = await self.auth.audience_of_hash(sub.token_hash, now, fresh=True)
            except AuthError as exc:
                known = exc
            tokens[sub.token_hash] = known
        if isinstance(known, Audience):
            return known
        reason = f"the subscription's token no longer stands: {known}"
        if public:
            await self.wire.store.put_subscription(
                replace(sub, audience=PUBLIC.name, token_hash=None)
            )
            log.info("websub subscription falls back to public", extra={"callback": sub.callback})
            return PUBLIC
        await self.wire.store.delete_subscription(sub.topic, sub.callback)
        self._spawn(self._deny(sub, reason))
        return None

    async def _deny(self, sub: Subscription, reason: str) -> None:
        """Tell a subscriber its subscription ended (WebSub 5.2, ``hub.mode=denied``)."""
        params = {"hub.mode": "denied", "hub.topic": sub.topic, "hub.reason": reason}
        await self._get_callback(with_query(sub.callback, params), "websub denial not delivered")
        log.info("websub subscription ended", extra={"callback": sub.callback, "reason": reason})

    async def run_due(self) -> list[Delivery]:
        """Retry notifications that are due (the scheduler calls this every few seconds)."""
        return await self.courier.run_due()

    # lifecycle --------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(self._logged(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except Exception:
            log.exception("websub verification crashed")

    async def drain(self) -> None:
        """Wait for pending verifications and first attempts (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.courier.drain()

    async def aclose(self) -> None:
        """Cancel pending verifications and attempts; queued deliveries stay queued."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.courier.aclose()
