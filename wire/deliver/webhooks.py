"""Signed webhooks (Standard Webhooks): one POST per story change to each entitled partner.

Who gets what is decided by a pure function, ``wants``, from the partner's
entitlements and the change; it is the same rule the feeds apply, so push never
shows a partner more than polling would. A partner without embargo rights first
hears of an embargoed story when it is released. Kills and withholds carry the
story's identity and status, never its copy.

A kill or withhold goes only to a partner that could have received the story:
one for which some earlier version was usable, entitled and past its embargo
(or the partner holds embargo rights) while it was current. A story created
withheld and then killed was never sent to anyone, so its kill is sent to no
one: even a copy-free kill would tell partners a headline and a guid they never
had, and there is nothing for them to take down. ``wants`` decides this from the
story's earlier versions (``store.history``), fetched only for such changes.

Each message has a stable ``webhook-id`` per (partner, guid, version, reason):
delivery is at-least-once and receivers dedupe on it. The signature covers the
attempt's own timestamp, so it is made afresh on every attempt from the secret
in the config (the secret is never written to the database).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
from standardwebhooks import Webhook

from wire.config import Config, PartnerConfig
from wire.deliver.retry import DEAD, PENDING, Courier, RetryPolicy
from wire.errors import NotFound
from wire.events import StoryChanged
from wire.model import PubStatus, Story
from wire.schedule import Jobs
from wire.service import Wire
from wire.store.base import Delivery
from wire.storyjson import format_instant, story_to_dict

log = logging.getLogger(__name__)

__all__ = ["Webhooks", "message_body", "message_id", "seen", "sign_headers", "wants"]

HIDDEN_FIELDS = ("removed", "review")  # desk-internal: never sent to partners


def _entitled(partner: PartnerConfig, story: Story, config: Config) -> bool:
    """Entitled to the story's source and, if limited to some feeds, to a feed carrying it."""
    if partner.sources is not None and story.origin.source not in partner.sources:
        return False
    if partner.feeds is None:
        return True
    specs = (config.feed(name) for name in partner.feeds)
    return any(spec is not None and spec.filter.matches(story) for spec in specs)


def wants(
    partner: PartnerConfig,
    event: StoryChanged,
    *,
    now: datetime,
    config: Config,
    earlier: Sequence[Story] | None = None,
) -> bool:
    """Whether this change is pushed to this partner.

    A usable version goes to a partner that may see it now: entitled, and past
    its embargo unless the partner holds embargo rights (so a ``released`` event
    is the first a partner without them hears of the story). A kill or withhold
    goes to an entitled partner only as a change of status (a story created
    withheld, or edited while withheld, is nothing new) and only if the partner
    could have received the story: ``earlier`` are the versions before this one,
    oldest first (``event.previous`` alone when not given), and one of them must
    have been visible to the partner while it was current (``seen``)."""
    if not partner.webhook_url or not partner.webhook_secret:
        return False
    story = event.story
    if not _entitled(partner, story, config):
        return False
    if story.pub_status is PubStatus.USABLE:
        embargo_over = story.embargoed_until is None or story.embargoed_until <= now
        return partner.embargo or embargo_over
    if event.previous is None or event.previous.pub_status is story.pub_status:
        return False
    versions = earlier if earlier is not None else [event.previous]
    return seen(partner, versions, now=now, config=config)


def seen(
    partner: PartnerConfig, versions: Sequence[Story], *, now: datetime, config: Config
) -> bool:
    """Whether any of ``versions`` (oldest first, each current until the next one's
    ``version_created``, the last until ``now``) was pushed to or readable by the
    partner: usable, entitled, and its embargo lifted while it was current unless
    the partner holds embargo rights. A version without a creation time leaves its
    predecessor's end unknown; that counts as seen, since a missed kill is worse."""
    for i, version in enumerate(versions):
        if version.pub_status is not PubStatus.USABLE or not _entitled(partner, version, config):
            continue
        if partner.embargo or version.embargoed_until is None:
            return True
        following = versions[i + 1] if i + 1 < len(versions) else None
        until = now if following is None else following.version_created
        if until is None or version.embargoed_until <= until:
            return True
    return False


def _payload_story(story: Story) -> dict[str, Any]:
    data = dict(story_to_dict(story))
    for name in HIDDEN_FIELDS:
        data.pop(name, None)
    if story.pub_status is not PubStatus.USABLE:
        # A kill or withhold says which story and why, not the copy that is pulled.
        data.update(summary=None, body=[], pictures=[])
    return data


def message_body(event: StoryChanged, *, now: datetime) -> bytes:
    """The JSON payload: ``{"type": "story.<reason>", "timestamp", "data": story}``."""
    payload = {
        "type": f"story.{event.reason}",
        "timestamp": format_instant(now),
        "data": _payload_story(event.story),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_id(partner: str, story: Story, reason: str) -> str:
    """The idempotency key: stable per (partner, guid, version, reason)."""
    key = "\n".join((partner, story.guid, str(story.version), reason))
    return "msg_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def sign_headers(secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers for one attempt at ``at``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode("utf-8")),
    }


class Webhooks:
    """Queues a signed POST per story change for each partner that wants it, and sends them."""

    def __init__(
        self,
        wire: Wire,
        http: aiohttp.ClientSession,
        jobs: Jobs,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.wire = wire
        self.http = http
        self.jobs = jobs
        self.courier = Courier(
            wire.store,
            http,
            kind="webhook",
            clock=wire.clock,
            allow_private=wire.config.server.allow_private_callbacks,
            policy=policy,
            headers=self._headers,
        )

    def _headers(self, delivery: Delivery, at: datetime) -> dict[str, str]:
        partner = self.wire.config.partner(delivery.subject)
        if partner is None or not partner.webhook_secret:
            # The partner left the config: send unsigned so the receiver refuses it,
            # rather than signing with a key that is no longer theirs.
            return {"webhook-id": delivery.id, "webhook-timestamp": str(int(at.timestamp()))}
        return sign_headers(partner.webhook_secret, delivery.id, delivery.body, at)

    async def on_story_changed(self, event: StoryChanged) -> None:
        """Queue and start one delivery per partner that wants this change."""
        now = self.wire.clock()
        earlier: list[Story] | None = None
        if event.story.pub_status is not PubStatus.USABLE:
            history = await self.wire.store.history(event.story.guid)
            # None (judge by ``event.previous``) if the store has no older version yet.
            earlier = [v for v in history if v.version < event.story.version] or None
        for partner in self.wire.config.partners:
            if not wants(partner, event, now=now, config=self.wire.config, earlier=earlier):
                continue
            assert partner.webhook_url is not None
            delivery = Delivery(
                id=message_id(partner.name, event.story, event.reason),
                kind="webhook",
                target=partner.webhook_url,
                body=message_body(event, now=now),
                headers={"Content-Type": "application/json"},
                subject=partner.name,
                next_attempt_at=now,
                created_at=now,
            )
            await self.wire.store.enqueue(delivery)
            self.courier.start(delivery)

    async def run_due(self) -> list[Delivery]:
        """Retry the webhooks that are due (the scheduler calls this every few seconds)."""
        return await self.courier.run_due()

    async def redeliver(self, delivery_id: str) -> Delivery:
        """Give a dead delivery (webhook or WebSub) a fresh set of attempts, starting now.

        Raises ``NotFound`` unless ``delivery_id`` is a dead letter."""
        found = await self.wire.store.get_delivery(delivery_id)
        if found is None or found.state != DEAD:
            raise NotFound(f"no dead delivery {delivery_id!r}")
        revived = replace(
            found, state=PENDING, attempts=0, next_attempt_at=self.wire.clock(), last_error=None
        )
        await self.wire.store.update_delivery(revived)
        if revived.kind == self.courier.kind:
            self.courier.start(revived)
        return revived

    async def drain(self) -> None:
        """Wait for first attempts already started (tests, shutdown)."""
        await self.courier.drain()

    async def aclose(self) -> None:
        await self.courier.aclose()
