"""The desk's save path: how one input, or one story, goes into the store.

Every way a story enters (an ingested input, an editor's push, a desk action)
ends here: the story is sanitized, screened by the near-duplicate rule, kept
apart when its guid is another source's, saved as its guid's next version and
indexed. ``Intake`` runs on a ``SaveDB``: the store itself, for one write, or a
``Batch`` over it (``wire.store.batch``), for the many stories of one ingest
batch; the rules are these ones either way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from wire.config import Config
from wire.duplicates import Fingerprint, Match, TextKey, best_match, fingerprint
from wire.errors import (
    IdentityCollision,
    IngestError,
    MalformedInput,
    NotFound,
    StoryValidationError,
)
from wire.events import ChangeReason
from wire.ingest.identity import scoped_guid
from wire.model import PubStatus, Story
from wire.sanitize import sanitize_story
from wire.store.base import Hold, IngestFailure, SaveResult
from wire.store.batch import SaveDB

log = logging.getLogger(__name__)

RELATIVE_TIME_FORMATS = ("text", "html")
"""Formats whose copy may date itself relative to when it was fetched."""


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one input: stored results, or the error that stopped it.

    ``parsed`` is what was read from the input (empty when the same bytes were
    ingested before and nothing was parsed); ``stories`` the stored current
    versions; ``notes`` what was left out of an input otherwise read (an item
    skipped, a story refused), each also recorded as a failure."""

    name: str
    raw_sha256: str
    stories: tuple[Story, ...] = ()
    results: tuple[SaveResult, ...] = ()
    error: IngestError | None = None
    parsed: tuple[Story, ...] = ()
    notes: tuple[str, ...] = ()

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


@dataclass(frozen=True, slots=True)
class Intake:
    """The save path over ``db``, with the config's rules, ``clock`` for write
    times, and ``parse`` to read an input again (copy dated relative to its fetch)."""

    config: Config
    db: SaveDB
    clock: Callable[[], datetime]
    parse: Callable[[Input, datetime], Awaitable[list[Story]]]
    prints: Mapping[TextKey, Fingerprint | None] = field(default_factory=dict)
    """Fingerprints already computed (where the batch was parsed), by their text."""

    async def store_input(
        self,
        item: Input,
        sha: str,
        parsed: list[Story] | IngestError | None,
        now: datetime,
    ) -> IngestOutcome:
        """One input of ``ingest_many`` inside the batch's transaction: its failure
        recorded, or its stories saved (each screened, stored and indexed).
        Its bytes may have made stories since they were archived (the same bytes
        earlier in the batch, or another writer meanwhile): then nothing is
        stored (``already_ingested``)."""
        name, source = item.name, item.source
        unchanged = await self.already_ingested(sha, source, name)
        if unchanged is not None:
            return unchanged
        try:
            if isinstance(parsed, IngestError):
                raise parsed
            first = item.fetched_at or now
            stories = parsed if parsed is not None else await self.parse(item, first)
            skipped: tuple[str, ...] = getattr(stories, "skipped", ())
            stories = await self.first_fetch(stories, item)
        except IngestError as exc:
            # Logged once the batch is committed (``Wire.keep``), with the others.
            await self.db.record_failure(IngestFailure(sha, source, name, exc.reason, now))
            return IngestOutcome(name, sha, error=exc)
        for reason in skipped:
            # An item left out of an input otherwise read: named, kept with the raw.
            log.warning("item skipped", extra={"input": name, "reason": reason})
            await self.db.record_failure(IngestFailure(sha, source, name, reason, now))
        notes = list(skipped)
        results: list[SaveResult] = []
        refused: StoryValidationError | None = None
        for story in stories:
            try:
                # The pipeline sanitized every story it made and checked it
                # against the schema.
                results.append(
                    await self.save_screened(
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
                notes.append(reason)
                await self.db.record_failure(IngestFailure(sha, source, name, reason, now))
        if refused is not None and not results:
            return IngestOutcome(name, sha, error=MalformedInput(name, str(refused)))
        return IngestOutcome(
            name,
            sha,
            tuple(r.story for r in results),
            tuple(results),
            parsed=tuple(stories),
            notes=tuple(notes),
        )

    async def already_ingested(
        self, sha: str, source: str | None, name: str
    ) -> IngestOutcome | None:
        """The same bytes from the same source again are a no-op: the stories they
        made, as they stand, and no new version, no event (a re-drop, a re-push, a
        second ``wire ingest`` of one file)."""
        guids = await self.made_from(sha, source)
        if not guids:
            return None
        current = [s for s in [await self.db.get(g) for g in guids] if s is not None]
        results = tuple(SaveResult(s, created=False, changed=False) for s in current)
        log.info("input unchanged", extra={"input": name, "raw_sha256": sha})
        return IngestOutcome(name, sha, tuple(current), results)

    async def made_from(self, sha: str, source: str | None) -> list[str]:
        """The guids of the stories these bytes from this source made, if any."""
        made = await self.db.versions_from_raw(sha)
        return list(dict.fromkeys(v.guid for v in made if v.origin.source == source))

    async def first_fetch(self, stories: list[Story], item: Input) -> list[Story]:
        """Copy whose times are relative ("5 hours ago") read against the first
        fetch of the story, not this one, so fetching the same story again never
        moves its publication time."""
        out: list[Story] = []
        for story in stories:
            current = await self.db.get(story.guid)
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
            again = await self.parse(item, first)
            out.append(next((s for s in again if s.guid == story.guid), story))
        return out

    async def save_screened(
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
        written indexed. ``validated``: the story comes from the ingest pipeline,
        which sanitized it and checked it against the schema (``parse_input``),
        so neither is done twice."""
        if not validated:
            story = sanitize_story(story)
        id_space = self.config.id_space(story.origin.source)
        screened = await self.screen(story, reason, now, editorial=editorial)
        try:
            result = await self.write(
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
            screened = await self.screen(kept, reason, now, editorial=editorial)
            result = await self.write(screened, now, None, False, id_space)
        await self.index(result, screened.fingerprint, now)
        return result

    async def write(
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
            current = await self.db.get(screened.story.guid)
            if current is None:  # a merged story's upstream version: the story is stored
                raise NotFound(f"no story {screened.story.guid!r}")
            return SaveResult(current, created=False, changed=False)
        hold = None
        if screened.match is not None:
            match = screened.match
            hold = Hold(screened.story.guid, match.guid, match.similarity, now)
        return await self.db.save(
            screened.story,
            now=now,
            expected_version=expected_version,
            editorial=editorial,
            id_space=id_space,
            hold=hold,
            validated=validated,
        )

    async def screen(
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
        hold = await self.db.get_hold(story.guid)
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
        print_ = fingerprint(story, self.prints)
        settings = self.config.duplicates
        if print_ is None or reason is not None or not settings.hold:
            return Screened(story, print_)
        if await self.db.get(story.guid) is not None:
            return Screened(story, print_)
        candidates = await self.candidates(story, print_, now, other_sources=editorial)
        match = best_match(print_, candidates, threshold=settings.threshold)
        if match is None:
            return Screened(story, print_)
        log.info("near duplicate held", extra={"guid": story.guid, "duplicate_of": match.guid})
        note = _held_note(match.guid, match.similarity)
        held = replace(story, pub_status=PubStatus.WITHHELD, review=_noted(story.review, note))
        return Screened(held, match=match)

    async def candidates(
        self, story: Story, print_: Fingerprint, now: datetime, *, other_sources: bool
    ) -> list[tuple[str, bytes]]:
        """Stories sharing a band with this one, other than itself, held ones, and
        the same source's earlier days of a daily series (or, with
        ``other_sources``, any of the same source's stories). Killed stories are
        not indexed (``index``): a killed story re-sent under a new guid is
        simply a new story."""
        source = self.config.source(story.origin.source)
        same_source_apart = other_sources or (
            source is not None and source.policy.in_series(story.headline)
        )
        out = []
        since = now - self.config.duplicates.window
        for other in await self.db.similar(print_, since=since):
            if other.guid == story.guid or (
                same_source_apart and other.source == story.origin.source
            ):
                continue
            hold = await self.db.get_hold(other.guid)
            if hold is None or hold.decision == KEEP_BOTH:
                out.append((other.guid, other.signature))
        return out

    async def index(self, result: SaveResult, print_: Fingerprint | None, now: datetime) -> None:
        """Keep the near-duplicate index in step with what was written: the text of
        a usable version, nothing of a killed one."""
        if not result.changed:
            return
        story = result.story
        if story.pub_status is PubStatus.CANCELED:
            await self.db.put_fingerprint(story.guid, story.origin.source, None, now=now)
        elif print_ is not None:
            await self.db.put_fingerprint(story.guid, story.origin.source, print_, now=now)


def _noted(review: tuple[str, ...], note: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*review, note)))
