"""The one storage interface wire runs on, and the records it keeps.

Two backends implement it with the same code and the same test suite: SQLite
(the default, one file) and PostgreSQL. Every method is a coroutine; every
instant is an aware UTC ``datetime``. Story versions are append-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from wire.duplicates import Fingerprint
from wire.model import Audience, FeedFilter, PubStatus, Story
from wire.usage import UsageRow
from wire.visibility import NO_EXPOSURE, Exposure


@dataclass(frozen=True, slots=True)
class Entry:
    """A story's current version with what the visibility rule needs of its history:
    the earlier versions' ``exposure`` and when it was last ``withdrawn_at`` (wall
    clock) from audiences that could have seen it (see ``wire.visibility``)."""

    story: Story
    exposure: Exposure = NO_EXPOSURE
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What ``Store.save`` did.

    ``created``: the guid was new. ``changed``: a new version was written.
    ``stale``: the input was older than or as old as what is stored, or would
    revive a killed story, so nothing was written. ``story`` is the stored current
    version either way; ``previous`` the one a write replaced (read under the same
    lock, so listeners learn exactly what changed). ``exposure`` is the stored
    story's, ``previous_exposure`` what it was while ``previous`` was current."""

    story: Story
    created: bool
    changed: bool
    stale: bool = False
    previous: Story | None = None
    exposure: Exposure = NO_EXPOSURE
    previous_exposure: Exposure = NO_EXPOSURE


@dataclass(frozen=True, slots=True)
class RawInput:
    """Raw input bytes as they arrived, kept for audit before any parsing."""

    sha256: str
    data: bytes
    received_at: datetime
    source: str | None = None
    name: str | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """An input that could not become a story; its raw bytes stay archived."""

    raw_sha256: str | None
    source: str | None
    name: str | None
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Credential:
    """A bearer secret, stored only as its hash.

    ``kind`` is ``editor`` (``role`` editor or admin) or ``partner`` (``subject``
    names the partner)."""

    token_hash: str
    kind: str
    subject: str
    role: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueState:
    """One consumer's queue of a feed (``wire.publish.queues``): where it is in the
    feed's changes and what it holds unacknowledged, as the JSON ``state``.
    ``revision`` counts writes: a write names the revision it read, so two
    readers of one queue never both take the same items."""

    partner: str
    feed: str
    consumer: str
    revision: int
    state: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    """Where a partner reports it ran a story."""

    guid: str
    partner: str
    url: str
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class Reached:
    """A partner received a version of a story by a channel (first at ``at``)."""

    guid: str
    partner: str
    version: int
    channel: str  # cursor, queue, webhook, feed
    at: datetime


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """A partner acknowledged a version of a story (a kill, a correction)."""

    guid: str
    partner: str
    version: int
    at: datetime


@dataclass(frozen=True, slots=True)
class DeskSession:
    """An editor signed in at the desk. Only the hash of the session's secret (the
    cookie) is kept, and the hash of the key it was opened with, so revoking the
    key ends the session too."""

    session_hash: str
    key_hash: str
    editor: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A WebSub subscription: ``topic`` is a feed URL, ``callback`` the subscriber's."""

    topic: str
    callback: str
    expires_at: datetime
    secret: str | None = None
    audience: str = "public"
    created_at: datetime | None = None
    token_hash: str | None = None  # the partner token it was made with, re-checked on every push


class DeliveryKind(StrEnum):
    """What a delivery is: a partner's webhook POST or a WebSub content distribution."""

    WEBHOOK = "webhook"
    WEBSUB = "websub"


class DeliveryState(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"
    DEAD = "dead"  # failed its last attempt: a dead letter, redeliverable by an admin
    SUPERSEDED = "superseded"  # a newer delivery of its chain replaced it before it went out


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outgoing push (a webhook POST or a WebSub notification) and its retry state.

    ``id`` is the idempotency key the receiver sees (``webhook-id``)."""

    id: str
    kind: DeliveryKind
    target: str  # URL
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    subject: str = ""  # partner or subscription it belongs to
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    state: DeliveryState = DeliveryState.PENDING
    created_at: datetime | None = None
    chain: str | None = None  # deliveries of one chain go out in order, the newest superseding


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Where one kind of delivery stands, for monitoring: how many wait for an
    attempt, since when the oldest of them was queued, how many are dead letters."""

    kind: DeliveryKind
    pending: int = 0
    oldest_pending: datetime | None = None
    dead: int = 0


@dataclass(frozen=True, slots=True)
class IdempotentReply:
    """The answer given to a POST that carried ``Idempotency-Key``, kept so that a
    retry of the same request is answered the same, and a different request
    under the same key is refused."""

    editor: str
    key: str
    request_sha256: str
    status: int
    headers: dict[str, str]
    body: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Hold:
    """A new story held back from every feed because it resembles one wire
    already carries, until an editor decides: ``merge`` (it stays out, the
    existing story stands for it) or ``keep-both`` (it is released)."""

    guid: str
    duplicate_of: str
    similarity: float
    held_at: datetime
    decision: str | None = None  # None while open · merge · keep-both
    decided_at: datetime | None = None
    decided_by: str | None = None


@dataclass(frozen=True, slots=True)
class SimilarStory:
    """A story whose fingerprint shares a band with another's."""

    guid: str
    source: str | None
    signature: bytes


@dataclass(frozen=True, slots=True)
class SourceState:
    """What wire remembers about polling one source between runs."""

    name: str
    url: str | None = None  # the location, updated after a 301
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    next_run: datetime | None = None
    failures: int = 0
    items_seen: int = 0
    items_stored: int = 0


@dataclass(frozen=True, slots=True)
class Write:
    """One version to write, as ``wire.store.plan.plan_write`` decided it: the
    stored document, the exposure and withdrawal time of the head, and the
    near-duplicate ``hold`` recorded with a new guid, and the ``words`` the
    desk's search finds it by. ``created``: no version of the guid existed;
    ``now``: when the write was decided."""

    story: Story
    doc: str
    exposure: Exposure
    withdrawn_at: datetime | None
    created: bool
    now: datetime
    hold: Hold | None = None
    words: str = ""  # what the desk's search finds it by (wire.store.search.story_words)


@dataclass(frozen=True, slots=True)
class DeskQuery:
    """Which stories an editor lists (``Stories.find_stories``); ``None``: any.

    ``language`` matches a tag and its subtags, case-insensitively (``en`` finds
    ``en-GB``). ``needs_review``: the current version has review notes, or the
    story is held as a near duplicate awaiting a decision. ``embargoed``: its
    embargo is still in force at the ``now`` asked. ``words``: every one must be
    in the headline or body of the current version (or, for a killed story, of
    the version it killed), as ``wire.store.search.words`` cuts them."""

    source: str | None = None
    status: PubStatus | None = None
    language: str | None = None
    needs_review: bool | None = None
    embargoed: bool | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listed:
    """A story as the desk's list shows it: its current version, and the story
    it is held as a near duplicate of while the hold awaits a decision."""

    story: Story
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Indexed:
    """A story's fingerprint as indexed: ``None`` un-indexes it (a killed story)."""

    guid: str
    source: str | None
    fingerprint: Fingerprint | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a batch of saves reads, read at once (``Batches.snapshot``).

    ``entries`` and ``holds`` have a key for every guid asked (``None``: there is
    none); ``made`` the versions each raw sha256 asked made; ``banded`` the
    stories indexed since ``since`` under each band asked, with when they were."""

    entries: dict[str, Entry | None]
    holds: dict[str, Hold | None]
    made: dict[str, list[Story]]
    banded: dict[str, list[tuple[SimilarStory, datetime]]]
    since: datetime


@dataclass(frozen=True, slots=True)
class Staged:
    """What a batch of saves writes, in the order it was decided (``Batches.apply_batch``)."""

    writes: list[Write] = field(default_factory=list)
    indexed: list[Indexed] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)


# Every method raises only wire's errors: ``StoreUnavailable`` (a ``StoreError``)
# while the database cannot be reached, ``StoreError`` for anything else the
# backend refuses, with the backend's exception chained as the cause. The store
# is split into one protocol per capability, so a consumer can say which part it
# needs; ``Store`` is all of them.


class Lifecycle(Protocol):
    """Opening, closing and checking the store."""

    async def open(self) -> None:
        """Connect and bring the schema to the newest migration (idempotent).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def close(self) -> None:
        """Release every connection, lock and listener.

        Raises: nothing; errors while closing are swallowed."""

    async def ready(self) -> str:
        """The applied migration revision.

        Raises: ``StoreUnavailable`` if unreachable, ``StoreError`` if the schema
        is behind the code."""


class Transactions(Protocol):
    """Several writes as one: what an ingest batch and a save write together."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Every store call the calling task makes inside joins one write
        transaction, committed on the way out and rolled back if the block
        raises; nested, a savepoint (the inner block's writes undone alone when
        it raises). Reads inside see the writes before them; change listeners
        are called after the commit. Tasks the block starts are not in it.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is
        unreachable) when the transaction cannot begin or commit."""
        ...


class RawArchive(Protocol):
    """Raw inputs kept as they arrived, and the failures recorded with them."""

    async def archive_raw(self, raw: RawInput) -> None:
        """Keep raw bytes under their sha256; archiving the same bytes again is a no-op.

        Raises: ``StoreError`` when the sha256 does not match the bytes, or as every method."""

    async def archive_many(self, raws: Sequence[RawInput]) -> None:
        """``archive_raw`` for many inputs at once (a few statements for all of them).

        Raises: as ``archive_raw``; nothing is archived when one sha256 is wrong."""

    async def get_raw(self, sha256: str) -> RawInput | None:
        """The archived bytes with that sha256; None if never archived.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def versions_from_raw(self, sha256: str) -> list[Story]:
        """Every story version that raw input produced (the archive's audit link).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def record_failure(self, failure: IngestFailure) -> None:
        """Record an input that did not become (all of its) stories.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def failures(self, *, limit: int = 100) -> list[IngestFailure]:
        """Recorded failures, newest first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Stories(Protocol):
    """Story versions, and the indexed reads feeds, cursors and embargoes use."""

    async def save(
        self,
        story: Story,
        *,
        now: datetime,
        expected_version: int | None = None,
        editorial: bool = False,
        id_space: frozenset[str] | None = None,
        hold: Hold | None = None,
        validated: bool = False,
    ) -> SaveResult:
        """Store a story as its guid's next version.

        ``validated``: the story's content passed the schema on its way in (the
        ingest pipeline checks every story it makes), so it is not checked
        again; what the store adds (version, times) is valid by construction.

        ``hold``: when the write creates the guid, the near-duplicate hold
        recorded with it in the same transaction (a held story never exists
        without its hold).

        The store assigns ``version`` (current + 1, or 1), keeps ``first_created``
        from the first version, and sets ``version_created`` to the story's own
        value or ``now``. Content equal to the current version (ignoring version,
        version_created and origin) writes nothing. What is stale, and how kills,
        withholds and editor writes are treated, is ``wire.store.plan.plan_save``.
        Atomic: nothing is half-written.

        Raises: ``VersionConflict`` when ``expected_version`` is given and is not
        the current version; ``IdentityCollision`` when an ingested guid belongs to
        a source outside ``id_space``; ``StoryValidationError`` for a story that
        would not read back (schema, lone surrogates, NUL in the guid); else as
        every method."""

    async def get(self, guid: str) -> Story | None:
        """The current version; None for an unknown guid.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def get_entry(self, guid: str) -> Entry | None:
        """The current version with its exposure, for the visibility rule.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def history(self, guid: str) -> list[Story]:
        """Every version, oldest first; empty if the guid is unknown.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def latest(
        self,
        flt: FeedFilter,
        *,
        audience: Audience,
        now: datetime,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Story]:
        """The newest ``limit`` stories the audience may see now, by (sort time, guid)
        descending, strictly older than ``before`` when given (archive paging).
        Indexed: the cost follows ``limit``, not the number of stories stored.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def withdrawals(
        self, *, since: datetime, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Entry]:
        """Stories withdrawn (``Entry.withdrawn_at``) after ``since`` from some
        audience that could have seen them, newest withdrawal first, strictly
        before ``before`` (withdrawal time, guid) when given. A superset: the
        visibility rule decides which audience hears of which.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def changes(
        self, flt: FeedFilter, *, audience: Audience, now: datetime, after: int, limit: int
    ) -> list[tuple[int, Entry]]:
        """Current versions in the order they were last changed, with their change
        sequence number, strictly after ``after``: a catch-up cursor with no gap
        and no duplicate even while writes go on. Holds what the feed may show the
        audience now and every withdrawn story (a superset: the visibility rule
        decides which removals the audience hears of).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def change_position(self, since: datetime | None = None) -> int:
        """A change sequence number to read ``changes`` after: the latest one now
        (``since`` None), or the one just before the first current version made at
        or after ``since`` (the latest when there is none).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def find_stories(
        self,
        query: DeskQuery,
        *,
        now: datetime,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Listed]:
        """The stories an editor asks for, whatever their status or embargo: the
        newest ``limit`` by (sort time, guid) descending, strictly older than
        ``before`` when given, so paging by the last one's position has no gap
        and no duplicate while stories are added.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def embargoes_between(self, start: datetime, end: datetime) -> list[Story]:
        """Usable stories whose embargo lifts in (start, end], soonest first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def next_embargo(self, after: datetime) -> datetime | None:
        """When the next usable story's embargo lifts, strictly after ``after``.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def load_current(self, batch: Sequence[Story], *, now: datetime) -> None:
        """Write brand-new guids as version 1 in one transaction, without the
        per-story change checks of ``save``: for imports and benchmarks.

        Raises: ``StoreError`` if a guid already exists, or as every method."""


class Credentials(Protocol):
    """Partner tokens and editor keys issued at run time (hashes only)."""

    async def add_credential(self, credential: Credential) -> None:
        """Keep a credential under its token hash.

        Raises: ``StoreError`` for a hash already kept, or as every method."""

    async def find_credential(self, token_hash: str) -> Credential | None:
        """The credential with that token hash; None if there is none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def list_credentials(self) -> list[Credential]:
        """Every stored credential (hashes only), by kind then subject.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def delete_credential(self, token_hash: str) -> bool:
        """Revoke a credential; ``False`` if there was none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Queues(Protocol):
    """Consumers' queues of feeds, one row each."""

    async def get_queue(self, partner: str, feed: str, consumer: str) -> QueueState | None:
        """The queue's state; None before its first read.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def put_queue(self, state: QueueState) -> bool:
        """Write the queue's state if it is still at ``state.revision - 1`` (a first
        write: revision 1, no row yet); ``False`` when another write came first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Publications(Protocol):
    """The URLs partners ran stories at, once each per (story, partner, URL)."""

    async def add_publication(self, publication: Publication) -> bool:
        """Keep it; ``False`` when that partner reported that URL for the story already.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def publications(self, guid: str) -> list[Publication]:
        """Every URL reported for a story, first reported first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Reach(Protocol):
    """Which partner received which version of a story, and what it acknowledged."""

    async def add_reached(self, rows: Sequence[Reached]) -> None:
        """Keep each (story, partner, version, channel) once, at its first time.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def reached(self, guid: str) -> list[Reached]:
        """Every (partner, version, channel) the story reached, by partner and version.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def add_ack(self, ack: Acknowledged) -> None:
        """Keep a partner's acknowledgement (a later one of a higher version wins).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def acks(self, guid: str) -> list[Acknowledged]:
        """Each partner's acknowledgement of the story (its highest version).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Usages(Protocol):
    """Partners' usage per day and channel, added to by every instance."""

    async def add_usage(self, rows: Sequence[UsageRow]) -> None:
        """Add the rows' counts to what is kept for their (partner, day, channel).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def usage(self, start: date, end: date, partner: str | None = None) -> list[UsageRow]:
        """The rows of the days ``start`` to ``end`` inclusive (of one partner, when
        given), by partner, day and channel.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class DeskSessions(Protocol):
    """Desk sign-ins, by the hash of their secret."""

    async def add_session(self, session: DeskSession) -> None:
        """Keep a session; expired ones are pruned on the way.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def find_session(self, session_hash: str) -> DeskSession | None:
        """The session with that hash, expired or not (the caller checks); None if none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def delete_session(self, session_hash: str) -> bool:
        """End a session (sign-out); ``False`` if there was none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Subscriptions(Protocol):
    """WebSub subscriptions, by topic and callback."""

    async def put_subscription(self, sub: Subscription) -> None:
        """Insert or replace the (topic, callback) subscription.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def delete_subscription(self, topic: str, callback: str) -> bool:
        """End a subscription; ``False`` if there was none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def subscriptions(self, topic: str, *, now: datetime) -> list[Subscription]:
        """Unexpired subscriptions to a topic.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def count_subscriptions(self, *, now: datetime) -> int:
        """Unexpired subscriptions to every topic (for monitoring).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Deliveries(Protocol):
    """The queue of webhook and WebSub deliveries."""

    async def enqueue(self, delivery: Delivery) -> None:
        """Queue a delivery; an id already queued is not queued again. Pending
        deliveries of the same ``chain`` become ``superseded``: never sent after it.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def enqueue_many(self, batch: Sequence[Delivery]) -> list[Delivery]:
        """``enqueue`` each delivery, in order, in one transaction; returns those
        newly queued.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def due(self, *, kind: DeliveryKind, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries of one kind whose next attempt is due, oldest first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def update_delivery(self, delivery: Delivery) -> None:
        """Record an attempt's outcome (state, attempts, next attempt, last error;
        never the body); a superseded delivery stays superseded.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def get_delivery(self, id: str) -> Delivery | None:
        """One delivery by id, whatever its state; None if never queued.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def dead_letters(self, *, limit: int = 100) -> list[Delivery]:
        """Deliveries that failed their last attempt, newest first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def queue_stats(self) -> list[QueueStats]:
        """Pending and dead deliveries of each kind, one ``QueueStats`` per
        ``DeliveryKind`` (zeros for a kind with none), in the kinds' order.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def chain_deliveries(self, chains: Sequence[str], *, limit: int = 500) -> list[Delivery]:
        """The deliveries of these chains (every state), most recently queued first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Forget delivered and superseded deliveries queued before ``before``, and
        the bodies no delivery refers to any more; returns how many deliveries
        went. Pending and dead ones stay (dead letters wait for a person).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Replies(Protocol):
    """Answers kept for ``Idempotency-Key`` retries."""

    async def get_reply(self, editor: str, key: str) -> IdempotentReply | None:
        """The reply kept for this editor's key; None if there is none.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def put_reply(self, reply: IdempotentReply) -> None:
        """Keep a reply; a key already kept (a concurrent retry) keeps the first.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Batches(Protocol):
    """Many saves read and written at once (``wire.store.batch``)."""

    async def snapshot(
        self,
        *,
        guids: Sequence[str],
        shas: Sequence[str],
        bands: Sequence[str],
        since: datetime,
    ) -> Snapshot:
        """The current entries and holds of ``guids`` (locked for the calling
        transaction, as ``save`` locks one), the versions made from ``shas``, and
        the stories indexed since ``since`` under ``bands`` and their holds (all
        of one scheme, ``wire.duplicates.SCHEME``).

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def apply_batch(self, staged: Staged) -> None:
        """Write what a batch decided, in a few statements: versions as ``save``
        writes them, the index as ``put_fingerprint`` keeps it, the failures.
        Meant for the calling task's ``transaction``, which read the snapshot.

        Raises: ``WriteConflict`` when another writer created one of the guids
        since the snapshot was read (nothing of the batch is written), or as
        every method."""


class DuplicateIndex(Protocol):
    """Fingerprints of stories' texts, and the holds of near duplicates."""

    async def put_fingerprint(
        self, guid: str, source: str | None, fingerprint: Fingerprint | None, *, now: datetime
    ) -> None:
        """Index (or, with ``None``, un-index) a story's current text for ``similar``.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def similar(self, fingerprint: Fingerprint, *, since: datetime) -> list[SimilarStory]:
        """Stories indexed since ``since`` whose fingerprint (of the same scheme)
        shares at least one band with this one.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def put_hold(self, hold: Hold) -> None:
        """Insert or replace the hold of one story.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def get_hold(self, guid: str) -> Hold | None:
        """The hold on this story, open or decided; None if it was never held.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def holds(self, *, open_only: bool = True, limit: int = 100) -> list[Hold]:
        """Holds, newest first; by default only those awaiting a decision.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class SourceStates(Protocol):
    """What wire remembers about polling each source between runs."""

    async def get_source_state(self, name: str) -> SourceState | None:
        """One source's state; None before its first poll.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace the state of one source.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def source_states(self) -> list[SourceState]:
        """Every source's state, by name.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Coordination(Protocol):
    """Several instances on one database: who runs the jobs, who changed what."""

    async def try_leader_lock(self) -> bool:
        """Whether this instance is the one that runs scheduled jobs (polls,
        embargo release, push retries); others only serve. Ask on every tick:
        a lost connection loses the lock.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""

    async def add_change_listener(
        self, callback: Callable[[str], Awaitable[None]], *, remote_only: bool = False
    ) -> None:
        """Call ``callback(guid)`` after every committed change, including other
        instances' changes where the backend can tell (PostgreSQL LISTEN/NOTIFY,
        SQLite's change-sequence watch); with ``remote_only``, only after other
        instances' changes.

        Raises: ``StoreError`` (``StoreUnavailable`` while the database is unreachable)."""


class Store(
    Lifecycle,
    Transactions,
    RawArchive,
    Stories,
    Batches,
    Credentials,
    DeskSessions,
    Queues,
    Publications,
    Usages,
    Reach,
    Subscriptions,
    Deliveries,
    Replies,
    DuplicateIndex,
    SourceStates,
    Coordination,
    Protocol,
):
    """Everything wire keeps: every capability protocol above, one store."""
