"""The story desk: the one path by which stories enter the store.

Ingest (polls, drop folders, pushes, the CLI) and editor actions all come
through here, so every write archives raw input first, is stored atomically as
a new version, and announces itself on the event bus (caches, WebSub, webhooks).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field, replace
from datetime import datetime
from typing import Any

from wire.attribution import apply_policy
from wire.clock import Clock, utcnow
from wire.config import Config
from wire.desk import desk_story
from wire.duplicates import Fingerprint, TextKey, fingerprint, text_key
from wire.errors import (
    AlreadyDecided,
    Forbidden,
    IngestError,
    Killed,
    NotFound,
    OnHold,
    StoreError,
    StoryValidationError,
    WriteConflict,
)
from wire.events import ChangeReason, EventBus, StoryChanged
from wire.ingest.limits import Limits
from wire.ingest.pipeline import parse_input
from wire.ingest.skipped import Parsed
from wire.ingest.workers import Job, ParseWorkers
from wire.instants import format_instant
from wire.intake import KEEP_BOTH, MERGE, IngestOutcome, Input, Intake
from wire.metrics import INGEST_FAILURES, STORIES_INGESTED
from wire.model import Origin, PubStatus, Role, Story
from wire.store.base import Hold, IngestFailure, RawInput, SaveResult, Store
from wire.store.batch import Batch, SaveDB
from wire.usage import UsageCounter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Action:
    """A status action of the desk: the status it sets, the event's reason, the
    role it needs."""

    status: PubStatus
    reason: ChangeReason
    role: Role


ACTIONS: dict[str, Action] = {
    "kill": Action(PubStatus.CANCELED, ChangeReason.KILLED, Role.ADMIN),
    "withhold": Action(PubStatus.WITHHELD, ChangeReason.WITHHELD, Role.EDITOR),
    "release": Action(PubStatus.USABLE, ChangeReason.RELEASED, Role.EDITOR),
}
"""The status actions, for the API and the desk alike. A kill is a legal act, and
final, so it needs ``admin``; a killed story cannot be withheld or released."""


def check_role(held: str, needed: Role, what: str) -> None:
    """Raise ``Forbidden`` unless role ``held`` covers ``needed``: the one rights
    check of every editor act, whichever channel it comes by."""
    role = Role(held) if held in tuple(Role) else None
    if role is None or not role.may(needed):
        raise Forbidden(f"{what} needs the {str(needed)!r} role; this key has {held!r}")


@dataclass(frozen=True, slots=True)
class Received:
    """A batch of inputs archived by ``Wire.receive``: their sha256s, whether the
    same source sent each before (``seen``), and when they were received."""

    inputs: tuple[Input, ...]
    shas: tuple[str, ...]
    seen: tuple[bool, ...]
    now: datetime


Reading = list[Story] | IngestError | None
"""What ``Wire.read`` made of one input: its stories, its error, or ``None`` for
bytes the same source sent before (not parsed again)."""

Readings = list[Reading]

_Work = tuple[Input, str, Reading]
"""An input of a batch, its sha256, and what reading it gave."""


def parse_job(
    config: Config,
    data: bytes,
    *,
    name: str,
    fmt: str,
    source: str | None,
    fetched_at: datetime,
    url: str | None = None,
) -> Job:
    """The arguments of ``parse_input`` for one input: the source's policy, the
    config's limits."""
    src = config.source(source)
    server = config.server
    return {
        "name": name,
        "data": data,
        "fetched_at": fetched_at,
        "fmt": fmt,
        "source": source,
        "policy": src.policy if src else None,
        "url": url,
        "max_bytes": server.max_body_bytes,
        "limits": Limits(server.max_elements, server.max_depth),
    }


async def dry_run_of(
    config: Config,
    data: bytes,
    *,
    name: str,
    fmt: str,
    source: str | None,
    fetched_at: datetime,
    url: str | None = None,
    workers: ParseWorkers | None = None,
) -> IngestOutcome:
    """What an input would become, parsed exactly as ``Wire.ingest`` parses it,
    with nothing archived or stored (no store is needed: ``wire ingest
    --dry-run`` opens none). Never raises ``IngestError``: the outcome carries it."""
    sha = hashlib.sha256(data).hexdigest()
    pool = workers or ParseWorkers(seconds=config.server.parse_seconds)
    job = parse_job(config, data, name=name, fmt=fmt, source=source, fetched_at=fetched_at, url=url)
    try:
        stories = await pool.parse(parse_input, size=len(data), **job)
    except IngestError as exc:
        return IngestOutcome(name, sha, error=exc)
    skipped: tuple[str, ...] = getattr(stories, "skipped", ())
    return IngestOutcome(name, sha, tuple(stories), parsed=tuple(stories), notes=skipped)


@dataclass
class Wire:
    """Config, store, clock and event bus, and the operations that tie them."""

    config: Config
    store: Store
    clock: Clock = utcnow
    bus: EventBus = field(default_factory=EventBus)
    parse_workers: InitVar[ParseWorkers | None] = None
    """Started by the caller (``wire ingest`` forks them early); made here otherwise."""
    workers: ParseWorkers = field(init=False)
    _screening: asyncio.Lock = field(init=False)

    def __post_init__(self, parse_workers: ParseWorkers | None) -> None:
        self.workers = parse_workers or ParseWorkers(seconds=self.config.server.parse_seconds)
        self.usage = UsageCounter()  # partners' requests and deliveries, until flushed
        # One write at a time is screened and stored, so two copies of a story
        # arriving together are compared with each other, not both let in.
        self._screening = asyncio.Lock()

    async def ingest(
        self,
        data: bytes,
        *,
        name: str,
        fmt: str = "auto",
        source: str | None = None,
        fetched_at: datetime | None = None,
        url: str | None = None,
        media_type: str | None = None,
        dry_run: bool = False,
    ) -> IngestOutcome:
        """Archive, parse and store one input. Never raises ``IngestError``: the
        outcome carries it, and the failure is recorded with the raw bytes kept."""
        now = self.clock()
        fetched_at = fetched_at or now
        if dry_run:
            return await dry_run_of(
                self.config,
                data,
                name=name,
                fmt=fmt,
                source=source,
                fetched_at=fetched_at,
                url=url,
                workers=self.workers,
            )
        item = Input(data, name, fmt, source, fetched_at, url, media_type)
        return (await self.ingest_many([item]))[0]

    async def ingest_many(self, inputs: Sequence[Input]) -> list[IngestOutcome]:
        """Archive, parse and store inputs: the archive-then-save path, for one
        input or a batch of them. Never raises ``IngestError``: each outcome
        carries its own, and the failure is recorded with the raw bytes kept.

        The three steps are ``receive`` (every input's raw bytes archived, in one
        transaction, before any is parsed), ``read`` (the inputs parsed, on every
        core) and ``keep`` (stored in one transaction: an input that fails is
        recorded, never half-written, and the others stand). A caller with many
        batches may run them overlapped, reading one batch while keeping the one
        before (``wire ingest`` does); each batch still goes through all three in
        order, and batches are kept in the order they were received."""
        received = await self.receive(inputs)
        return await self.keep(received, await self.read(received))

    async def receive(self, inputs: Sequence[Input]) -> Received:
        """Archive the inputs' raw bytes (one transaction), and note which the
        same source sent before: those are not parsed again."""
        now = self.clock()
        shas = [hashlib.sha256(item.data).hexdigest() for item in inputs]
        raws = [
            RawInput(
                sha, item.data, now, source=item.source, name=item.name, media_type=item.media_type
            )
            for item, sha in zip(inputs, shas, strict=True)
        ]
        async with self.store.transaction():
            await self.store.archive_many(raws)
            made = (await self.store.snapshot(guids=(), shas=shas, bands=(), since=now)).made
        seen = tuple(
            any(s.origin.source == item.source for s in made[sha])
            for item, sha in zip(inputs, shas, strict=True)
        )
        return Received(tuple(inputs), tuple(shas), seen, now)

    async def read(self, received: Received) -> Readings:
        """Each received input parsed (``None`` for those seen before), its
        ``IngestError`` in its place; on the parse workers, every core."""
        fresh = [
            item for item, before in zip(received.inputs, received.seen, strict=True) if not before
        ]
        jobs = [
            {**self._job(item, item.fetched_at or received.now), "fingerprints": True}
            for item in fresh
        ]
        done = iter(await self.workers.parse_many(parse_input, jobs))
        return [None if before else next(done) for before in received.seen]

    async def keep(self, received: Received, parsed: Readings) -> list[IngestOutcome]:
        """Store what ``read`` made of ``received``, through a ``Batch`` (a few
        statements for all of it); should another writer create one of its guids
        meanwhile, input by input, each in a savepoint of its own. The same bytes
        again, in the batch or before it, store nothing (``Intake.already_ingested``).
        Listeners hear of each change after the commit."""
        now = received.now
        work = list(zip(received.inputs, received.shas, parsed, strict=True))
        async with self._screening:
            try:
                outcomes = await self._store_batch(work, now)
            except WriteConflict as exc:
                log.info(
                    "batch met another writer; stored input by input", extra={"reason": str(exc)}
                )
                async with self.store.transaction():
                    outcomes = await self._store_inputs(self.store, work, now)
        for item, outcome in zip(received.inputs, outcomes, strict=True):
            ingested(item.name, item.source, item.fmt, outcome)
        for outcome in outcomes:
            for result in outcome.results:
                await self._announce(result, None, self.clock())
        return outcomes

    async def _store_batch(self, work: list[_Work], now: datetime) -> list[IngestOutcome]:
        """The inputs stored through one ``Batch``: read at once, written at once."""
        stories = [s for _, _, p in work if isinstance(p, list) for s in p]
        shas = [sha for _, sha, _ in work]
        since = now - self.config.duplicates.window
        known = {
            text_key(s): print_
            for _, _, p in work
            if isinstance(p, Parsed) and p.prints is not None
            for s, print_ in zip(p, p.prints, strict=True)
        }
        prints = [fingerprint(s, known) for s in stories]
        async with self.store.transaction():
            batch = await Batch.read(self.store, stories, shas, prints, since=since)
            outcomes = await self._store_inputs(batch, work, now, known)
            await batch.flush()
        return outcomes

    async def _store_inputs(
        self,
        db: SaveDB,
        work: list[_Work],
        now: datetime,
        prints: Mapping[TextKey, Fingerprint | None] | None = None,
    ) -> list[IngestOutcome]:
        intake = self._intake(db, prints)
        outcomes = []
        for item, sha, stories in work:
            async with db.transaction():
                outcomes.append(await intake.store_input(item, sha, stories, now))
        return outcomes

    def _intake(
        self, db: SaveDB, prints: Mapping[TextKey, Fingerprint | None] | None = None
    ) -> Intake:
        return Intake(self.config, db, self.clock, self._parse_input, prints or {})

    def _job(self, item: Input, fetched_at: datetime) -> Job:
        return parse_job(
            self.config,
            item.data,
            name=item.name,
            fmt=item.fmt,
            source=item.source,
            fetched_at=fetched_at,
            url=item.url,
        )

    async def _parse_input(self, item: Input, fetched_at: datetime) -> list[Story]:
        job = self._job(item, fetched_at)
        return await self.workers.parse(parse_input, size=len(item.data), **job)

    async def push_json(
        self,
        data: bytes,
        doc: Any,
        *,
        editor: str,
        guid: str | None = None,
        source: str | None = None,
        fetched_at: datetime | None = None,
        condition: Callable[[Story | None], int | None] = lambda _current: None,
    ) -> SaveResult:
        """Story JSON an editor sent (a push, or with ``guid`` a replacement):
        archived first, read by the desk's rules (``wire.desk.desk_story``), the
        source's policy applied, saved as an editorial write.

        ``condition`` turns the current version (or ``None``) into the version
        the write must find (``If-Match``); without one the write applies to
        whatever is current when it lands, never a 412 the client did not ask
        for. Raises ``Killed`` for a killed story, ``StoryValidationError`` for a
        body the desk refuses (recorded as a failure with the raw kept), and
        what ``save`` raises."""
        now = self.clock()
        sha = hashlib.sha256(data).hexdigest()
        name = f"push by {editor}"
        origin_doc = doc.get("origin") if isinstance(doc, dict) else None
        named = origin_doc.get("source") if isinstance(origin_doc, dict) else None
        archived_source = source or (named if isinstance(named, str) else None)
        await self.store.archive_raw(
            RawInput(
                sha, data, now, source=archived_source, name=name, media_type="application/json"
            )
        )
        target = guid or (doc.get("guid") if isinstance(doc, dict) else None)
        current = await self.store.get(target) if isinstance(target, str) and target else None
        if current is not None and current.pub_status is PubStatus.CANCELED:
            raise Killed(current.guid, current.version, "replaced")
        expected = condition(current)
        origin = Origin(source=source, format="json", fetched_at=fetched_at or now, raw_sha256=sha)
        try:
            story = desk_story(doc, guid=guid, current=current, origin=origin)
            if story.origin.source is not None and self.config.source(story.origin.source) is None:
                raise StoryValidationError(
                    "/origin/source", f"no source named {story.origin.source!r} in the config"
                )
        except StoryValidationError as exc:
            reason = f"story JSON refused: {exc}"
            await self.store.record_failure(IngestFailure(sha, source, name, reason, now))
            ingest_failed(name, archived_source, "json", reason)
            raise
        src = self.config.source(story.origin.source)
        if src is not None:
            story = apply_policy(story, src.policy)
        result = await self.save(story, expected_version=expected, editorial=True)
        outcome = IngestOutcome(name, sha, (result.story,), (result,), parsed=(story,))
        ingested(name, story.origin.source, "json", outcome)
        return result

    async def save(
        self,
        story: Story,
        *,
        reason: ChangeReason | None = None,
        expected_version: int | None = None,
        editorial: bool = False,
    ) -> SaveResult:
        """Store a version and, when it changed something, announce it. Every
        story passes ``sanitize_story`` here, on its one way into the store.

        Identity is (source, id): an ingested story whose guid is already another
        source's story (outside the sources sharing its ``id_space``) is kept
        apart under ``<guid>#<source>``, with a review note, never written over
        the other story. A new story too like one already carried is held for
        review (``Intake.screen``). ``editorial``: an editor's write without a precondition."""
        now = self.clock()
        async with self._screening, self.store.transaction():
            result = await self._intake(self.store).save_screened(
                story, now, reason=reason, expected_version=expected_version, editorial=editorial
            )
        await self._announce(result, reason, now)
        return result

    async def _announce(
        self, result: SaveResult, reason: ChangeReason | None, now: datetime
    ) -> None:
        """Tell the bus of a write that changed something (caches, WebSub, webhooks)."""
        if not result.changed:
            return
        previous = result.previous
        why = reason or (
            ChangeReason.CREATED if result.created else _reason(result.story, previous)
        )
        await self.bus.publish(
            StoryChanged(
                result.story,
                previous,
                why,
                exposure=result.exposure,
                previous_exposure=result.previous_exposure,
                previous_until=now,
            )
        )

    async def archived(self, sha256: str) -> tuple[RawInput, list[Story]]:
        """An archived raw input and every story version made from it, for editors
        and auditors. Raises ``NotFound`` when nothing was archived under it."""
        raw = await self.store.get_raw(sha256)
        if raw is None:
            raise NotFound(f"no raw input {sha256} in the archive")
        return raw, await self.store.versions_from_raw(sha256)

    async def holds(self, *, open_only: bool = True, limit: int = 100) -> list[Hold]:
        """Stories held as near duplicates, newest first."""
        return await self.store.holds(open_only=open_only, limit=limit)

    async def decide_hold(self, guid: str, decision: str, *, editor: str) -> SaveResult:
        """An editor's decision on a held story: ``merge`` (it stays out of every
        feed for good, the story it resembles stands for it) or ``keep-both``
        (it is released as a story of its own, its embargo as it was). The
        story's write and the decision are made under the screening lock, the
        story first, so a failure leaves the hold open to decide again. Raises
        ``NotFound`` for a story never held, ``AlreadyDecided`` for a hold
        already decided, ``StoryValidationError`` for another decision."""
        if decision not in (MERGE, KEEP_BOTH):
            raise StoryValidationError("/decision", f"must be {MERGE!r} or {KEEP_BOTH!r}")
        async with self._screening:
            hold = await self.store.get_hold(guid)
            if hold is None:
                raise NotFound(f"no held story {guid!r}")
            if hold.decision is not None:
                raise AlreadyDecided(f"{guid!r} was already decided: {hold.decision}")
            now = self.clock()
            current = await self.current(guid)
            reason, story = ChangeReason.RELEASED, None
            if decision == MERGE and current.pub_status is not PubStatus.CANCELED:
                reason = ChangeReason.MERGED
                story = replace(
                    current,
                    pub_status=PubStatus.CANCELED,
                    ed_note=f"merged into {hold.duplicate_of}",
                    version_created=now,
                )
            elif decision == KEEP_BOTH and current.pub_status is PubStatus.WITHHELD:
                story = replace(current, pub_status=PubStatus.USABLE, version_created=now)
            result = SaveResult(current, created=False, changed=False)
            if story is not None:
                id_space = self.config.id_space(story.origin.source)
                result = await self.store.save(story, now=now, editorial=True, id_space=id_space)
                await self._intake(self.store).index(result, fingerprint(result.story), now)
            await self.store.put_hold(
                replace(hold, decision=decision, decided_at=now, decided_by=editor)
            )
        await self._announce(result, reason, now)
        return result

    async def current(self, guid: str) -> Story:
        story = await self.store.get(guid)
        if story is None:
            raise NotFound(f"no story {guid!r}")
        return story

    async def correct(
        self, guid: str, corrected: Story, note: str, *, expected_version: int | None = None
    ) -> SaveResult:
        """A correction: same guid, the corrected content, ``correction`` signal and note."""
        current = await self.current(guid)
        story = replace(
            corrected,
            guid=guid,
            origin=current.origin,
            signals=tuple(dict.fromkeys([*corrected.signals, "correction"])),
            ed_note=note,
            version_created=self.clock(),
        )
        # A desk action applies to the version the desk saw, If-Match or not.
        return await self.save(
            story,
            reason=ChangeReason.CORRECTED,
            expected_version=expected_version or current.version,
        )

    async def flush_usage(self) -> None:
        """Add what partners used since the last flush to the store's counts (kept
        for the next flush while the store is away)."""
        rows = self.usage.take()
        try:
            await self.store.add_usage(rows)
        except StoreError:
            self.usage.give_back(rows)
            raise

    async def act(
        self,
        action: str,
        guid: str,
        note: str | None,
        *,
        role: str,
        expected_version: int | None = None,
    ) -> SaveResult:
        """A status action (``ACTIONS``) by an editor of ``role``: refused with
        ``Forbidden`` below the action's role, ``Killed`` on a killed story
        (a kill of a killed story is a no-op kept as it stands), ``NotFound``."""
        done = ACTIONS[action]
        check_role(role, done.role, f"{action} a story")
        current = await self.current(guid)
        if current.pub_status is PubStatus.CANCELED and action != "kill":
            raise Killed(current.guid, current.version, done.reason)
        return await self.set_status(
            guid,
            done.status,
            note,
            reason=done.reason,
            expected_version=expected_version or current.version,
            lift_embargo=action == "release",
        )

    async def publish_copy(
        self,
        data: bytes,
        stories: Sequence[Story],
        *,
        name: str,
        source: str | None,
        media_type: str | None,
    ) -> list[SaveResult]:
        """Stories an editor read from ``data`` and checked (the desk's preview,
        edited): the raw bytes archived first, then each story saved as an
        editorial write made from them, sanitized, validated and screened as
        every write is."""
        now = self.clock()
        sha = hashlib.sha256(data).hexdigest()
        await self.store.archive_raw(
            RawInput(sha, data, now, source=source, name=name, media_type=media_type)
        )
        results = []
        for story in stories:
            made = replace(story, origin=replace(story.origin, raw_sha256=sha))
            results.append(await self.save(made, editorial=True))
        return results

    async def set_status(
        self,
        guid: str,
        status: PubStatus,
        note: str | None,
        *,
        reason: ChangeReason,
        expected_version: int | None = None,
        lift_embargo: bool = False,
    ) -> SaveResult:
        """Kill, withhold or release: a new version with the new status. A story
        held as a near duplicate is released by deciding its hold (``OnHold``)."""
        current = await self.current(guid)
        if status is PubStatus.USABLE:
            hold = await self.store.get_hold(guid)
            if hold is not None and hold.decision is None:
                raise OnHold(guid, hold.duplicate_of)
        story = replace(
            current,
            pub_status=status,
            ed_note=note if note is not None else current.ed_note,
            embargoed_until=None if lift_embargo else current.embargoed_until,
            version_created=self.clock(),
        )
        return await self.save(
            story, reason=reason, expected_version=expected_version or current.version
        )


SHA256 = re.compile(r"[0-9a-f]{64}")
"""How an archived input is named: its sha256, lower-case hex."""


def ingested(name: str, source: str | None, fmt: str, outcome: IngestOutcome) -> None:
    """Count what became of one input (``wire_stories_ingested``, ``wire_ingest_failures``)
    and say it in one log line; called once it is committed."""
    if outcome.error is not None:
        ingest_failed(name, source, fmt, outcome.error.reason)
        return
    read_as = next((s.origin.format for s in outcome.parsed if s.origin.format), fmt)
    if outcome.stored:
        STORIES_INGESTED.labels(source or "none", read_as).inc(outcome.stored)
    log.info(
        "ingested",
        extra={
            "input": name,
            "source": source,
            "format": read_as,
            "stories": len(outcome.parsed),
            "stored": outcome.stored,
            "raw_sha256": outcome.raw_sha256,
        },
    )


def ingest_failed(name: str, source: str | None, fmt: str, reason: str) -> None:
    """Count and log an input that made no story (its failure is recorded already)."""
    INGEST_FAILURES.labels(source or "none", fmt).inc()
    log.warning(
        "ingest failed", extra={"input": name, "source": source, "format": fmt, "reason": reason}
    )


def raw_summary(raw: RawInput, made: list[Story]) -> dict[str, object]:
    """What was archived with a raw input, and the story versions it made."""
    return {
        "sha256": raw.sha256,
        "size": len(raw.data),
        "received_at": format_instant(raw.received_at),
        "source": raw.source,
        "name": raw.name,
        "media_type": raw.media_type,
        "versions": [{"guid": s.guid, "version": s.version} for s in made],
    }


def _reason(story: Story, previous: Story | None) -> ChangeReason:
    if previous is None:
        return ChangeReason.CREATED
    if story.pub_status is PubStatus.CANCELED:
        return ChangeReason.KILLED
    if "correction" in story.signals and "correction" not in previous.signals:
        return ChangeReason.CORRECTED
    return ChangeReason.UPDATED
