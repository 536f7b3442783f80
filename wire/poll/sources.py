"""Scheduled polling of configured sources, and the status each one shows.

One self-rescheduling job per ``http`` or ``dir`` source: every run polls once,
records what happened in the source's ``SourceState`` and books its own next
run, so the delay can follow backoff, ``max-age`` and ``Retry-After``. Each job
is independent and bounded by timeouts, so a failing or hanging source never
holds up another one or the server. Parsing and saving go through
``Wire.ingest``; this module only decides when to fetch and what to remember.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

import aiohttp

from wire.config import SourceConfig, SourceKind
from wire.errors import DropFolderError, UnsafeURL, WireError
from wire.events import ChangeReason
from wire.instants import format_instant
from wire.intake import IngestOutcome
from wire.metrics import POLLS
from wire.model import Story
from wire.net.urlcheck import check_callback_async
from wire.poll import dropdir
from wire.poll.fetch import BACKOFF_CAP, Verdict, fetch, next_delay
from wire.schedule import Jobs
from wire.service import Wire
from wire.store.base import RawInput, SourceState

log = logging.getLogger(__name__)

__all__ = ["POLLED_KINDS", "SourceRunner", "failed", "succeeded"]

POLLED_KINDS = (SourceKind.HTTP, SourceKind.DIR)
_ENRICHED_STEP = timedelta(microseconds=1)
_MIN_DELAY = 1.0


def succeeded(
    state: SourceState,
    *,
    at: datetime,
    seen: int = 0,
    stored: int = 0,
    etag: str | None = None,
    last_modified: str | None = None,
) -> SourceState:
    """The state after a good poll: failures reset, counters advanced, validators kept.

    ``last_error`` stays as a record of the latest error; ``last_success`` being
    newer than ``last_error_at`` says it is over."""
    return replace(
        state,
        etag=etag if etag is not None else state.etag,
        last_modified=last_modified if last_modified is not None else state.last_modified,
        last_success=at,
        failures=0,
        items_seen=state.items_seen + seen,
        items_stored=state.items_stored + stored,
    )


def failed(state: SourceState, *, at: datetime, reason: str) -> SourceState:
    """The state after a failed poll: one more consecutive failure, and why."""
    return replace(state, last_error=reason, last_error_at=at, failures=state.failures + 1)


# What one poll came to (``wire_polls_total``'s ``outcome``): HTTP's words for it,
# also for a drop folder (files taken, or none).
NEW_COPY, NOTHING_NEW, ERROR, BACKOFF = "200", "304", "error", "backoff"


def polled(before: SourceState, after: SourceState, outcome: str, delay: float) -> None:
    """Count one poll's outcome and say it in one line (a warning when it failed)."""
    POLLS.labels(after.name, outcome).inc()
    fields: dict[str, object] = {
        "source": after.name,
        "outcome": outcome,
        "seen": after.items_seen - before.items_seen,
        "stored": after.items_stored - before.items_stored,
        "next_poll_s": round(delay, 1),
    }
    if outcome in (ERROR, BACKOFF):
        log.warning("source poll failed", extra={**fields, "reason": after.last_error})
    else:
        log.info("source polled", extra=fields)


def _job_id(name: str) -> str:
    return f"source:{name}"


def _guard_seconds(source: SourceConfig) -> float:
    """The most one whole poll may take (fetch, parse, store, full pages)."""
    return source.timeout * 3 + 60


class SourceRunner:
    """Polls every ``http`` and ``dir`` source on its own schedule.

    ``session`` is the shared aiohttp client session (owned by the caller) for the
    configured sources; ``pages`` (default: ``session``) fetches full pages, whose
    URLs the upstream chose, so the server passes its guarded push session;
    ``jitter`` returns floats in [0, 1) and spreads backoff (tests pass their own)."""

    def __init__(
        self,
        wire: Wire,
        jobs: Jobs,
        session: aiohttp.ClientSession,
        *,
        jitter: Callable[[], float] = random.random,
        backoff_cap: float = BACKOFF_CAP,
        settle_seconds: float | None = None,
        pages: aiohttp.ClientSession | None = None,
    ) -> None:
        self.wire = wire
        self.jobs = jobs
        self.session = session
        self.pages = pages or session
        self._jitter = jitter
        self._cap = backoff_cap
        self._settle = settle_seconds  # None: each drop folder's own settle_seconds
        self._locks: dict[str, asyncio.Lock] = {}
        # The latest state of each source, so polling and status go on (and
        # backoff keeps growing) even while the store refuses writes.
        self._states: dict[str, SourceState] = {}
        self._started = False

    # scheduling ------------------------------------------------------------
    def sources(self) -> list[SourceConfig]:
        """The sources this runner polls."""
        return [s for s in self.wire.config.sources if s.kind in POLLED_KINDS and s.location]

    async def start(self) -> None:
        """Book the first run of every polled source: now, or later when a stored
        ``next_run`` (backoff, Retry-After from before a restart) says so."""
        self._started = True
        now = self.wire.clock()
        for source in self.sources():
            state = await self._load(source)
            when = state.next_run if state.next_run and state.next_run > now else now
            self.jobs.at(_job_id(source.name), partial(self._scheduled, source.name), when)

    def stop(self) -> None:
        """Cancel every booked run; polls in progress finish (or are cancelled by ``Jobs``)."""
        self._started = False
        for source in self.sources():
            self.jobs.cancel(_job_id(source.name))

    async def _scheduled(self, name: str) -> None:
        """A scheduled run: poll, then book the next one, whatever happened."""
        source = self.wire.config.source(name)
        if source is None:
            return
        delay: float | None = None
        try:
            state = await self.run_source_once(name)
            if state.next_run is not None:
                delay = (state.next_run - self.wire.clock()).total_seconds()
        except Exception:  # the store is down, or a bug: keep polling, backed off
            log.exception("source poll crashed", extra={"source": name})
        finally:
            if self._started:
                if delay is None:
                    state = self._states.get(name) or SourceState(name)
                    delay = next_delay(
                        source.poll_interval,
                        failures=max(state.failures, 1),
                        cap=self._cap,
                        jitter=self._jitter,
                    )
                # At least a second: a one-shot booked while its predecessor is
                # still finishing would otherwise be skipped as an overlap.
                when = self.wire.clock() + timedelta(seconds=max(delay, _MIN_DELAY))
                self.jobs.at(_job_id(name), partial(self._scheduled, name), when)

    # one poll --------------------------------------------------------------
    async def run_source_once(self, name: str) -> SourceState:
        """Poll one source now and return its new state (also stored).

        Raises ``WireError`` for an unknown or unpolled source name; failures of
        the source itself are recorded in the state, never raised."""
        source = self.wire.config.source(name)
        if source is None or source.kind not in POLLED_KINDS or not source.location:
            raise WireError(f"no polled source named {name!r}")
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            before = state = await self._load(source)
            started = self.wire.clock()
            try:
                async with asyncio.timeout(_guard_seconds(source)):
                    if source.kind is SourceKind.HTTP:
                        state, delay, outcome = await self._poll_http(source, state)
                    else:
                        state, delay, outcome = await self._poll_dir(source, state)
            except TimeoutError:
                reason = f"poll took longer than {_guard_seconds(source):g} s"
                state = failed(state, at=started, reason=reason)
                delay, outcome = self._delay(source, state), ERROR
            state = replace(state, next_run=self.wire.clock() + timedelta(seconds=delay))
            self._states[name] = state
            await self.wire.store.put_source_state(state)
            polled(before, state, outcome, delay)
            return state

    async def _load(self, source: SourceConfig) -> SourceState:
        if source.name in self._states:
            return self._states[source.name]
        state = await self.wire.store.get_source_state(source.name)
        if state is None:
            state = SourceState(
                source.name, url=source.location if source.kind is SourceKind.HTTP else None
            )
        self._states[source.name] = state
        return state

    def _delay(
        self,
        source: SourceConfig,
        state: SourceState,
        *,
        max_age: float | None = None,
        retry_after: float | None = None,
    ) -> float:
        return next_delay(
            source.poll_interval,
            failures=state.failures,
            max_age=max_age,
            retry_after=retry_after,
            cap=self._cap,
            jitter=self._jitter,
        )

    async def _poll_http(
        self, source: SourceConfig, state: SourceState
    ) -> tuple[SourceState, float, str]:
        now = self.wire.clock()
        url = state.url or source.location or ""
        result = await fetch(
            self.session,
            url,
            state,
            time_limit=source.timeout,
            max_bytes=self.wire.config.server.max_body_bytes,
            clock=self.wire.clock,
        )
        if result.moved_to and result.moved_to != state.url:
            log.info("source moved", extra={"source": source.name, "url": result.moved_to})
            state = replace(state, url=result.moved_to)
        decision = result.decision
        if decision.verdict is Verdict.NOT_MODIFIED:
            state = succeeded(
                state, at=now, etag=decision.etag, last_modified=decision.last_modified
            )
            return state, self._delay(source, state, max_age=decision.max_age), NOTHING_NEW
        if decision.verdict is not Verdict.NEW:
            reason = decision.reason or decision.verdict.value
            state = failed(state, at=now, reason=reason)
            delay = self._delay(source, state, retry_after=decision.retry_after)
            return state, delay, BACKOFF if decision.verdict is Verdict.RATE_LIMITED else ERROR
        outcome = await self.wire.ingest(
            result.body,
            name=result.url,
            fmt=source.format,
            source=source.name,
            fetched_at=now,
            url=result.url,
            media_type=result.media_type,
        )
        if outcome.error is not None:
            # Validators are not kept: the next poll fetches (and records) it again.
            reason = f"{type(outcome.error).__name__}: {outcome.error.reason}"
            state = failed(state, at=now, reason=reason)
            return state, self._delay(source, state), ERROR
        if source.fetch_full_page:
            await self._full_pages(source, outcome)
        state = succeeded(
            state,
            at=now,
            seen=len(outcome.stories),
            stored=outcome.stored,
            etag=decision.etag,
            last_modified=decision.last_modified,
        )
        return state, self._delay(source, state, max_age=decision.max_age), NEW_COPY

    async def _poll_dir(
        self, source: SourceConfig, state: SourceState
    ) -> tuple[SourceState, float, str]:
        now = self.wire.clock()
        try:
            settle = source.settle_seconds if self._settle is None else self._settle
            run = await dropdir.run(self.wire, source, settle=settle)
        except DropFolderError as exc:
            state = failed(state, at=now, reason=exc.reason)
            return state, self._delay(source, state), ERROR
        state = succeeded(state, at=now, seen=run.seen, stored=run.stored)
        if run.failed:
            # The folder works; a bad file is the file's failure, shown but not backed off.
            last = run.failed[-1]
            state = replace(state, last_error=f"{last.name}: {last.error}", last_error_at=now)
        return state, self._delay(source, state), NEW_COPY if run.files else NOTHING_NEW

    # full pages ------------------------------------------------------------
    async def _full_pages(self, source: SourceConfig, outcome: IngestOutcome) -> None:
        """For new or changed items that carry only a summary, fetch the linked
        page, extract its text, and store it as the item's next version."""
        for result in outcome.results:
            story = result.story
            if not result.changed or story.body or not story.link:
                continue
            if not await self._may_fetch(story.link):
                log.warning("full page refused", extra={"source": source.name, "url": story.link})
                continue
            try:
                await self._full_page(source, story)
            except WireError as exc:
                log.warning(
                    "full page failed",
                    extra={"source": source.name, "url": story.link, "reason": str(exc)},
                )

    async def _full_page(self, source: SourceConfig, story: Story) -> None:
        link = story.link or ""
        page = await fetch(
            self.pages,
            link,
            None,
            time_limit=source.timeout,
            max_bytes=self.wire.config.server.max_body_bytes,
            clock=self.wire.clock,
        )
        if page.decision.verdict is not Verdict.NEW:
            log.warning(
                "full page fetch failed",
                extra={"source": source.name, "url": link, "reason": page.decision.reason},
            )
            return
        now = self.wire.clock()
        sha = hashlib.sha256(page.body).hexdigest()
        await self.wire.store.archive_raw(
            RawInput(sha, page.body, now, source=source.name, name=page.url, media_type="text/html")
        )
        extracted = await self.wire.ingest(
            page.body, name=page.url, fmt="html", source=source.name, url=page.url, dry_run=True
        )
        if extracted.error is not None or not extracted.stories or not extracted.stories[0].body:
            reason = extracted.error.reason if extracted.error else "no article text"
            log.warning(
                "full page extraction failed",
                extra={"source": source.name, "url": link, "reason": reason},
            )
            return
        # The same edition with its text filled in: dated just after the feed's
        # version so the store keeps it, and the same item polled again is stale.
        created = story.version_created + _ENRICHED_STEP if story.version_created else None
        await self.wire.save(
            replace(story, body=extracted.stories[0].body, version_created=created),
            reason=ChangeReason.UPDATED,
        )

    async def _may_fetch(self, url: str) -> bool:
        """Feed links are the upstream's to choose: never follow one to a private or
        loopback address unless the config allows it (tests)."""
        try:
            await check_callback_async(
                url, allow_private=self.wire.config.server.allow_private_callbacks
            )
        except UnsafeURL as exc:
            log.warning("full page not fetched", extra={"url": url, "reason": str(exc)})
            return False
        return True

    # status ----------------------------------------------------------------
    async def status(self) -> list[dict[str, object]]:
        """Each configured source's public status, in config order."""
        stored = {s.name: s for s in await self.wire.store.source_states()}
        return [
            status_row(
                source,
                self._states.get(source.name) or stored.get(source.name),
                self.jobs.next_run(_job_id(source.name)),
            )
            for source in self.wire.config.sources
        ]


def status_row(
    source: SourceConfig, state: SourceState | None, next_run: datetime | None = None
) -> dict[str, object]:
    """One source's public status (API and CLI): the scheduler's next run wins
    over the stored one, which is what a stopped server last planned."""
    state = state or SourceState(source.name)
    return {
        "name": source.name,
        "kind": source.kind,
        "location": state.url or source.location,
        "last_success": format_instant(state.last_success),
        "last_error": state.last_error,
        "last_error_at": format_instant(state.last_error_at),
        "next_run": format_instant(next_run or state.next_run),
        "items_seen": state.items_seen,
        "items_stored": state.items_stored,
        "failures": state.failures,
    }
