"""Signed webhooks (Standard Webhooks): one POST per story change to each partner it concerns.

Who gets what is the visibility rule's (``wire.visibility``), asked by
``change_for`` about the story before and after the change over the partner's
feeds: push never shows a partner more, or tells it less, than polling would.
A partner without embargo rights first hears of an embargoed story when it is
released. A kill or withhold goes only to a partner that could have seen an
earlier version, as the removal notice (identity, status, note), never the copy.
A story created withheld and then killed was never seen, so its kill goes to no one.

Deliveries of one story to one partner go out in version order, one at a time;
a newer one supersedes an older one not yet delivered (``Delivery.chain``).

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
from dataclasses import dataclass, replace
from datetime import datetime

import aiohttp
from standardwebhooks import Webhook

from wire.access import partner_audience
from wire.config import PartnerConfig
from wire.deliver.retry import DEAD, PENDING, Courier, RetryPolicy
from wire.errors import NotFound
from wire.events import ChangeReason, StoryChanged
from wire.instants import format_instant
from wire.model import Audience, PubStatus, Story
from wire.reachlog import ReachLog
from wire.schedule import Jobs
from wire.service import Wire
from wire.store.base import Delivery, DeliveryKind
from wire.storyjson import story_to_dict
from wire.visibility import HIDDEN, FeedScope, Verdict, decide, readable_filters

log = logging.getLogger(__name__)

__all__ = [
    "StoryDelivery",
    "Webhooks",
    "chain_of",
    "change_for",
    "message_body",
    "message_id",
    "sign_headers",
]


def change_for(
    audience: Audience, event: StoryChanged, *, now: datetime, feeds: Sequence[FeedScope]
) -> tuple[str, Story] | None:
    """The webhook (event type's reason, payload story) this change means to one
    partner, or None: the visibility rule over the partner's feeds, asked about
    the story before the change and after it.

    Something is sent when what the partner may see changes: the story appears
    (``created``, or ``released`` after an embargo or a withhold), a version it
    sees changes (the event's own reason), it is taken away (``killed`` or
    ``withheld``, as the removal notice), or a withheld story it had is killed.
    Nothing else: a story the partner could never see, edits to a story it
    already knows is withdrawn."""
    scope = readable_filters(audience, feeds)
    after = decide(audience, event.story, event.exposure, now=now, scope=scope)
    before = HIDDEN
    if event.previous is not None:
        before = decide(
            audience,
            event.previous,
            event.previous_exposure,
            now=event.previous_until or now,
            scope=scope,
        )
    if after.story is None:
        return None
    if after.verdict is Verdict.VISIBLE:
        if before.verdict is Verdict.VISIBLE:
            if event.previous is not None and event.previous.version == event.story.version:
                return None  # an embargo lifting for a partner that had it already
            return _visible_reason(event.reason), after.story
        if before.verdict is Verdict.ANNOUNCE or event.reason == ChangeReason.RELEASED:
            return ChangeReason.RELEASED, after.story
        return ChangeReason.CREATED, after.story
    killed = after.story.pub_status is PubStatus.CANCELED
    if before.verdict is Verdict.VISIBLE or (
        before.verdict is Verdict.ANNOUNCE
        and killed
        and before.story is not None
        and before.story.pub_status is not PubStatus.CANCELED
    ):
        return (ChangeReason.KILLED if killed else ChangeReason.WITHHELD), after.story
    return None


_VISIBLE_REASONS = (ChangeReason.UPDATED, ChangeReason.CORRECTED, ChangeReason.RELEASED)


def _visible_reason(reason: ChangeReason) -> ChangeReason:
    return reason if reason in _VISIBLE_REASONS else ChangeReason.UPDATED


def message_body(reason: str, story: Story, *, now: datetime) -> bytes:
    """The JSON payload: ``{"type": "story.<reason>", "timestamp", "data": story}``,
    ``story`` being what the visibility rule gave the partner."""
    payload = {
        "type": f"story.{reason}",
        "timestamp": format_instant(now),
        "data": story_to_dict(story),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_delivery(
    partner: PartnerConfig, reason: str, story: Story, *, now: datetime, round_: int = 0
) -> Delivery:
    """The webhook telling ``partner`` of ``story`` for ``reason``: its message id
    stable per (partner, story, version, reason) and reminder round."""
    assert partner.webhook_url is not None
    tag = f"{reason}#{round_}" if round_ else reason
    return Delivery(
        id=message_id(partner.name, story, tag),
        kind=DeliveryKind.WEBHOOK,
        target=partner.webhook_url,
        body=message_body(reason, story, now=now),
        headers={"Content-Type": "application/json"},
        subject=partner.name,
        next_attempt_at=now,
        created_at=now,
        chain=chain_of(partner.name, story.guid),
    )


def chain_of(partner: str, guid: str) -> str:
    """The chain of one story's webhooks to one partner: sent in order, one at a time."""
    return f"webhook\n{partner}\n{guid}"


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


@dataclass(frozen=True, slots=True)
class StoryDelivery:
    """One webhook of a story as the desk shows it: the partner, the event and
    version it carried, and where it stands."""

    delivery: Delivery
    event: str
    version: int | None

    @classmethod
    def of(cls, delivery: Delivery) -> StoryDelivery:
        """Read the event and version back from the message the partner was sent."""
        try:
            payload = json.loads(delivery.body)
            event, version = str(payload["type"]), payload["data"].get("version")
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(delivery, "unknown", None)
        return cls(delivery, event, version if isinstance(version, int) else None)


class Webhooks:
    """Queues a signed POST per story change for each partner that wants it, and sends them."""

    def __init__(
        self,
        wire: Wire,
        http: aiohttp.ClientSession,
        jobs: Jobs,
        *,
        policy: RetryPolicy | None = None,
        reach: ReachLog | None = None,
    ) -> None:
        self.wire = wire
        self.http = http
        self.jobs = jobs
        self.courier = Courier(
            wire.store,
            http,
            kind=DeliveryKind.WEBHOOK,
            clock=wire.clock,
            allow_private=wire.config.server.allow_private_callbacks,
            policy=policy,
            usage=wire.usage,
            reach=reach,
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
        """Queue and start one delivery per partner this change means something to.

        Deliveries of one story to one partner form a chain: sent in version order,
        never two at once, a newer one superseding an older one not yet delivered."""
        now = self.wire.clock()
        config = self.wire.config
        batch: list[Delivery] = []
        for partner in config.partners:
            if not partner.webhook_url or not partner.webhook_secret:
                continue
            change = change_for(partner_audience(partner), event, now=now, feeds=config.feeds)
            if change is None:
                continue
            reason, story = change
            batch.append(webhook_delivery(partner, reason, story, now=now))
        await self._send(batch)

    async def _send(self, batch: list[Delivery]) -> list[Delivery]:
        """One transaction for the deliveries, then every send at once; those newly
        queued (a message id already queued is queued once)."""
        queued = await self.wire.store.enqueue_many(batch)
        for delivery in queued:
            self.courier.start(delivery)
        return queued

    async def reannounce_kill(self, partner_name: str, story: Story, round_: int) -> bool:
        """Send a killed story's ``story.killed`` to a partner again (it has not
        acknowledged the kill): round ``round_`` of the reminders, one message id
        per round, so instances sending the same round queue it once. False when
        the partner has no webhook or the round was queued already."""
        partner = self.wire.config.partner(partner_name)
        if partner is None or not partner.webhook_url or not partner.webhook_secret:
            return False
        reminder = webhook_delivery(
            partner, ChangeReason.KILLED, story, now=self.wire.clock(), round_=round_
        )
        return bool(await self._send([reminder]))

    async def of_story(self, guid: str) -> list[StoryDelivery]:
        """Every webhook of a story still on record, to every partner of the
        config, newest first: who was sent which version, for what, and how it went."""
        chains = [chain_of(p.name, guid) for p in self.wire.config.partners]
        found = await self.wire.store.chain_deliveries(chains)
        return [StoryDelivery.of(d) for d in found]

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
