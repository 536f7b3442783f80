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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from wire.attribution import apply_policy
from wire.clock import Clock, utcnow
from wire.config import Config
from wire.desk import desk_story
from wire.duplicates import Fingerprint, Match, best_match, fingerprint
from wire.errors import (
    AlreadyDecided,
    IdentityCollision,
    IngestError,
    Killed,
    MalformedInput,
    NotFound,
    OnHold,
    StoryValidationError,
)
from wire.events import ChangeReason, EventBus, StoryChanged
from wire.ingest.identity import scoped_guid
from wire.ingest.limits import Limits
from wire.ingest.pipeline import parse_input
from wire.ingest.workers import ParseWorkers
from wire.instants import format_instant
from wire.model import Origin, PubStatus, Story
from wire.sanitize import sanitize_story
from wire.store.base import Hold, IngestFailure, RawInput, SaveResult, Store

log = logging.getLogger(__name__)

RELATIVE_TIME_FORMATS = ("text", "html")
"""Formats whose copy may date itself relative to when it was fetched."""


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one input: stored results, or the error that stopped it.

    ``parsed`` is what was read from the input (empty when the same bytes were
    ingested before and nothing was parsed); ``stories`` the stored current
    versions."""

    name: str
    raw_sha256: str
    stories: tuple[Story, ...] = ()
    results: tuple[SaveResult, ...] = ()
    error: IngestError | None = None
    parsed: tuple[Story, ...] = ()

    @property
    def stored(self) -> int:
        return sum(1 for r in self.results if r.changed)


@dataclass(frozen=True, slots=True)
class Input:
    """One input for ``Wire.ingest_many``: its bytes and what is known of where they came from."""

    data: bytes
    name: str
    fmt: str = "auto"
    source: str | None = None
    fetched_at: datetime | None = None
    url: str | None = None
    media_type: str | None = None


async def parse(
    config: Config,
    data: bytes,
    *,
    name: str,
    fmt: str,
    source: str | None,
    fetched_at: datetime,
    url: str | None = None,
    workers: ParseWorkers | None = None,
) -> list[Story]:
    """Parse off the event loop with the source's policy, within the config's
    limits (a large input in a worker process it may be killed in); stores nothing."""
    src = config.source(source)
    server = config.server
    pool = workers or ParseWorkers(seconds=server.parse_seconds)
    return await pool.parse(
        parse_input,
        size=len(data),
        name=name,
        data=data,
        fetched_at=fetched_at,
        fmt=fmt,
        source=source,
        policy=src.policy if src else None,
        url=url,
        max_bytes=server.max_body_bytes,
        limits=Limits(server.max_elements, server.max_depth),
    )


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
    try:
        stories = await parse(
            config,
            data,
            name=name,
            fmt=fmt,
            source=source,
            fetched_at=fetched_at,
            url=url,
            workers=workers,
        )
    except IngestError as exc:
        return IngestOutcome(name, sha, error=exc)
    return IngestOutcome(name, sha, stories=tuple(stories), parsed=tuple(stories))


MERGE, KEEP_BOTH = "merge", "keep-both"
"""An editor's two answers to a near-duplicate hold."""


@dataclass(frozen=True, slots=True)
class Screened:
    """A story as the near-duplicate rule lets it in: its ``fingerprint`` to
    index once it is stored, the ``match`` it is held for, or ``drop``: not to
    be stored at all (an upstream version of a merged story)."""

    story: Story
    fingerprint: Fingerprint | None = None
    match: Match | None = None
    drop: bool = False


def _held_note(duplicate_of: str, similarity: float) -> str:
    return (
        f"held for review: resembles {duplicate_of!r} (similarity {similarity:.2f}); "
        "an editor merges it into that story or keeps both"
    )


@dataclass
class Wire:
    """Config, store, clock and event bus, and the operations that tie them."""

    config: Config
    store: Store
    clock: Clock = utcnow
    bus: EventBus = field(default_factory=EventBus)
    workers: ParseWorkers = field(init=False)
    _screening: asyncio.Lock = field(init=False)

    def __post_init__(self) -> None:
        self.workers = ParseWorkers(seconds=self.config.server.parse_seconds)
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

        Every input's raw bytes are archived first (one transaction), before any
        is parsed; then the inputs are parsed, and stored in one transaction,
        each in a savepoint of its own: an input that fails is recorded and
        undone alone, never half-written, and the others stand. The same bytes
        again, in the batch or before it, store nothing (``_already_ingested``).
        Listeners hear of each change after the commit."""
        now = self.clock()
        shas = [hashlib.sha256(item.data).hexdigest() for item in inputs]
        async with self.store.transaction():
            for item, sha in zip(inputs, shas, strict=True):
                raw = RawInput(
                    sha,
                    item.data,
                    now,
                    source=item.source,
                    name=item.name,
                    media_type=item.media_type,
                )
                await self.store.archive_raw(raw)
            # Asked in the same transaction: one connection for the batch's lookups.
            seen = [
                bool(await self._made_from(sha, item.source))
                for item, sha in zip(inputs, shas, strict=True)
            ]
        parsed: list[list[Story] | IngestError | None] = []
        for item, before in zip(inputs, seen, strict=True):
            if before:
                parsed.append(None)  # seen before: not parsed again
                continue
            try:
                parsed.append(await self._parse_input(item, item.fetched_at or now))
            except IngestError as exc:
                parsed.append(exc)
        outcomes: list[IngestOutcome] = []
        changed: list[SaveResult] = []
        # Whether an input's bytes may have made stories by the time it is stored:
        # seen at archiving, or the same bytes earlier in this batch. The others are
        # not looked up again.
        earlier: set[tuple[str, str | None]] = set()
        recheck = []
        for item, sha, before in zip(inputs, shas, seen, strict=True):
            recheck.append(before or (sha, item.source) in earlier)
            earlier.add((sha, item.source))
        async with self._screening, self.store.transaction():
            for item, sha, stories, again in zip(inputs, shas, parsed, recheck, strict=True):
                async with self.store.transaction():
                    outcome = await self._store_input(item, sha, stories, now, recheck=again)
                outcomes.append(outcome)
                changed.extend(outcome.results)
        for result in changed:
            await self._announce(result, None, self.clock())
        return outcomes

    async def _parse_input(self, item: Input, fetched_at: datetime) -> list[Story]:
        return await self._parse(item.data, item.name, item.fmt, item.source, fetched_at, item.url)

    async def _store_input(
        self,
        item: Input,
        sha: str,
        parsed: list[Story] | IngestError | None,
        now: datetime,
        *,
        recheck: bool,
    ) -> IngestOutcome:
        """One input of ``ingest_many`` inside the batch's transaction: its failure
        recorded, or its stories saved (each screened, stored and indexed).
        ``recheck``: its bytes may have made stories already (``_already_ingested``)."""
        name, source = item.name, item.source
        unchanged = await self._already_ingested(sha, source, name) if recheck else None
        if unchanged is not None:
            return unchanged
        try:
            if isinstance(parsed, IngestError):
                raise parsed
            first = item.fetched_at or now
            stories = parsed if parsed is not None else await self._parse_input(item, first)
            skipped: tuple[str, ...] = getattr(stories, "skipped", ())
            stories = await self._first_fetch(stories, item)
        except IngestError as exc:
            log.warning("ingest failed", extra={"input": name, "reason": exc.reason})
            await self.store.record_failure(IngestFailure(sha, source, name, exc.reason, now))
            return IngestOutcome(name, sha, error=exc)
        for reason in skipped:
            # An item left out of an input otherwise read: named, kept with the raw.
            log.warning("item skipped", extra={"input": name, "reason": reason})
            await self.store.record_failure(IngestFailure(sha, source, name, reason, now))
        results: list[SaveResult] = []
        refused: StoryValidationError | None = None
        for story in stories:
            try:
                # The pipeline checked every story it made against the schema.
                results.append(
                    await self._save_screened(
                        story,
                        self.clock(),
                        reason=None,
                        expected_version=None,
                        editorial=False,
                        validated=True,
                    )
                )
            except StoryValidationError as exc:
                # One story the store refuses does not lose the others of the input.
                refused = exc
                reason = f"story {story.guid!r}: {exc}"
                log.warning("story refused", extra={"input": name, "reason": reason})
                await self.store.record_failure(IngestFailure(sha, source, name, reason, now))
        if refused is not None and not results:
            return IngestOutcome(name, sha, error=MalformedInput(name, str(refused)))
        return IngestOutcome(
            name, sha, tuple(r.story for r in results), tuple(results), parsed=tuple(stories)
        )

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
            raise
        src = self.config.source(story.origin.source)
        if src is not None:
            story = apply_policy(story, src.policy)
        return await self.save(story, expected_version=expected, editorial=True)

    async def _parse(
        self,
        data: bytes,
        name: str,
        fmt: str,
        source: str | None,
        fetched_at: datetime,
        url: str | None,
    ) -> list[Story]:
        return await parse(
            self.config,
            data,
            name=name,
            fmt=fmt,
            source=source,
            fetched_at=fetched_at,
            url=url,
            workers=self.workers,
        )

    async def _already_ingested(
        self, sha: str, source: str | None, name: str
    ) -> IngestOutcome | None:
        """The same bytes from the same source again are a no-op: the stories they
        made, as they stand, and no new version, no event (a re-drop, a re-push, a
        second ``wire ingest`` of one file)."""
        guids = await self._made_from(sha, source)
        if not guids:
            return None
        current = [s for s in [await self.store.get(g) for g in guids] if s is not None]
        results = tuple(SaveResult(s, created=False, changed=False) for s in current)
        log.info("input unchanged", extra={"input": name, "raw_sha256": sha})
        return IngestOutcome(name, sha, tuple(current), results)

    async def _made_from(self, sha: str, source: str | None) -> list[str]:
        """The guids of the stories these bytes from this source made, if any."""
        made = await self.store.versions_from_raw(sha)
        return list(dict.fromkeys(v.guid for v in made if v.origin.source == source))

    async def _first_fetch(self, stories: list[Story], item: Input) -> list[Story]:
        """Copy whose times are relative ("5 hours ago") read against the first
        fetch of the story, not this one, so fetching the same story again never
        moves its publication time."""
        out: list[Story] = []
        for story in stories:
            current = await self.store.get(story.guid)
            first = current.origin.fetched_at if current is not None else None
            fetched = story.origin.fetched_at
            if (
                first is None
                or fetched is None
                or first >= fetched
                or story.origin.format not in RELATIVE_TIME_FORMATS
            ):
                out.append(story)
                continue
            again = await self._parse_input(item, first)
            out.append(next((s for s in again if s.guid == story.guid), story))
        return out

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
        review (``_screen``). ``editorial``: an editor's write without a precondition."""
        now = self.clock()
        async with self._screening, self.store.transaction():
            result = await self._save_screened(
                story, now, reason=reason, expected_version=expected_version, editorial=editorial
            )
        await self._announce(result, reason, now)
        return result

    async def _save_screened(
        self,
        story: Story,
        now: datetime,
        *,
        reason: ChangeReason | None,
        expected_version: int | None,
        editorial: bool,
        validated: bool = False,
    ) -> SaveResult:
        """``save`` under the screening lock, in one store transaction: the story
        sanitized, screened, stored (with the hold of a held story), the text
        written indexed. ``validated``: the pipeline checked it against the schema."""
        story = sanitize_story(story)
        id_space = self.config.id_space(story.origin.source)
        screened = await self._screen(story, reason, now, editorial=editorial)
        try:
            result = await self._store(
                screened, now, expected_version, editorial, id_space, validated=validated
            )
        except IdentityCollision as exc:
            apart = scoped_guid(story.guid, story.origin.source)
            note = (
                f"guid {story.guid!r} is a story of source {exc.owner!r}; "
                f"this source's item is kept apart as {apart!r}"
            )
            log.warning("guid collision across sources", extra={"guid": story.guid})
            kept = replace(story, guid=apart, review=_noted(story.review, note))
            screened = await self._screen(kept, reason, now, editorial=editorial)
            result = await self._store(screened, now, None, False, id_space)
        await self._index(result, screened.fingerprint, now)
        return result

    async def _store(
        self,
        screened: Screened,
        now: datetime,
        expected_version: int | None,
        editorial: bool,
        id_space: frozenset[str] | None,
        *,
        validated: bool = False,
    ) -> SaveResult:
        if screened.drop:
            current = await self.current(screened.story.guid)
            return SaveResult(current, created=False, changed=False)
        hold = None
        if screened.match is not None:
            match = screened.match
            hold = Hold(screened.story.guid, match.guid, match.similarity, now)
        return await self.store.save(
            screened.story,
            now=now,
            expected_version=expected_version,
            editorial=editorial,
            id_space=id_space,
            hold=hold,
            validated=validated,
        )

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

    async def _screen(
        self, story: Story, reason: ChangeReason | None, now: datetime, *, editorial: bool
    ) -> Screened:
        """What a story becomes on its way in, by the near-duplicate rule: a
        story under an open hold stays withheld, an upstream version of a merged
        one is not stored at all (it stays out: killed, which showed nothing to
        anyone), and a new story resembling one carried in the window is held
        (``wire.duplicates``).

        Copy that arrives on its own (polls, drop folders, pushed copy, the CLI)
        is compared with every story; an editor's own story JSON only with other
        sources' stories, as a desk writing a follow-up of its own story means to."""
        hold = await self.store.get_hold(story.guid)
        if hold is not None and hold.decision != KEEP_BOTH:
            if hold.decision == MERGE:
                if reason is None and not editorial:
                    return Screened(story, drop=True)
                return Screened(story)
            noted = replace(
                story, review=_noted(story.review, _held_note(hold.duplicate_of, hold.similarity))
            )
            if story.pub_status is PubStatus.USABLE:
                return Screened(replace(noted, pub_status=PubStatus.WITHHELD))
            return Screened(noted)
        if story.pub_status is not PubStatus.USABLE:
            return Screened(story)
        print_ = fingerprint(story)
        settings = self.config.duplicates
        if print_ is None or reason is not None or not settings.hold:
            return Screened(story, print_)
        if await self.store.get(story.guid) is not None:
            return Screened(story, print_)
        candidates = await self._candidates(story, print_, now, other_sources=editorial)
        match = best_match(print_, candidates, threshold=settings.threshold)
        if match is None:
            return Screened(story, print_)
        log.info("near duplicate held", extra={"guid": story.guid, "duplicate_of": match.guid})
        note = _held_note(match.guid, match.similarity)
        held = replace(story, pub_status=PubStatus.WITHHELD, review=_noted(story.review, note))
        return Screened(held, match=match)

    async def _candidates(
        self, story: Story, print_: Fingerprint, now: datetime, *, other_sources: bool
    ) -> list[tuple[str, bytes]]:
        """Stories sharing a band with this one, other than itself, held ones, and
        the same source's earlier days of a daily series (or, with
        ``other_sources``, any of the same source's stories). Killed stories are
        not indexed (``_index``): a killed story re-sent under a new guid is
        simply a new story."""
        source = self.config.source(story.origin.source)
        same_source_apart = other_sources or (
            source is not None and source.policy.in_series(story.headline)
        )
        out = []
        since = now - self.config.duplicates.window
        for other in await self.store.similar(print_, since=since):
            if other.guid == story.guid or (
                same_source_apart and other.source == story.origin.source
            ):
                continue
            hold = await self.store.get_hold(other.guid)
            if hold is None or hold.decision == KEEP_BOTH:
                out.append((other.guid, other.signature))
        return out

    async def _index(self, result: SaveResult, print_: Fingerprint | None, now: datetime) -> None:
        """Keep the near-duplicate index in step with what was written: the text of
        a usable version, nothing of a killed one."""
        if not result.changed:
            return
        story = result.story
        if story.pub_status is PubStatus.CANCELED:
            await self.store.put_fingerprint(story.guid, story.origin.source, None, now=now)
        elif print_ is not None:
            await self.store.put_fingerprint(story.guid, story.origin.source, print_, now=now)

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
                await self._index(result, fingerprint(result.story), now)
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


def _noted(review: tuple[str, ...], note: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*review, note)))


def _reason(story: Story, previous: Story | None) -> ChangeReason:
    if previous is None:
        return ChangeReason.CREATED
    if story.pub_status is PubStatus.CANCELED:
        return ChangeReason.KILLED
    if "correction" in story.signals and "correction" not in previous.signals:
        return ChangeReason.CORRECTED
    return ChangeReason.UPDATED
