"""Timed jobs on the event loop: a small typed wrapper that keeps APScheduler in one place.

Polls, feed refreshes, embargo releases and delivery retries all run here. Every
job is wrapped so an exception is logged and swallowed: one failing job never
stops the scheduler or the jobs beside it. A job never overlaps itself
(``max_instances=1``) and a backlog of missed runs collapses into one
(``coalesce=True``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from wire.errors import StoreUnavailable

log = logging.getLogger(__name__)

JobFn = Callable[[], Awaitable[object]]

__all__ = ["JobFn", "Jobs"]


class Jobs:
    """One scheduler per process; job ids are the caller's names (``poll:mina-en``).

    ``start`` needs a running event loop. Jobs added before it wait until it runs."""

    def __init__(self, *, misfire_grace_time: int = 60) -> None:
        # A repeating run that is later than this (a blocked loop, a suspended
        # laptop) is skipped; the next one is still scheduled. One-shot jobs are
        # never dropped for lateness: an embargo release must happen even late.
        self._grace = misfire_grace_time
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"max_instances": 1, "coalesce": True},
        )
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start firing jobs on the current event loop."""
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing jobs and cancel the ones still running; safe to call twice."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in list(self._running):
            task.cancel()

    async def aclose(self) -> None:
        """``shutdown`` and wait until the cancelled jobs have finished unwinding."""
        tasks = list(self._running)
        self.shutdown()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def every(
        self,
        job_id: str,
        coro_fn: JobFn,
        seconds: float,
        *,
        first_run: datetime | None = None,
    ) -> None:
        """Run ``coro_fn`` every ``seconds``, first at ``first_run`` (default: one
        interval from now). Replaces a job with the same id."""
        if seconds <= 0:
            raise ValueError(f"interval must be positive, not {seconds}")
        kwargs: dict[str, Any] = {}
        if first_run is not None:
            kwargs["next_run_time"] = _aware(first_run)
        self._scheduler.add_job(
            self._wrap(job_id, coro_fn),
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            name=job_id,
            replace_existing=True,
            misfire_grace_time=math.ceil(max(self._grace, seconds)),
            **kwargs,
        )

    def at(self, job_id: str, coro_fn: JobFn, when: datetime) -> None:
        """Run ``coro_fn`` once at ``when`` (now, if that has passed). Replaces a job
        with the same id, so calling it again moves the run."""
        when = max(_aware(when), datetime.now(UTC))
        self._scheduler.add_job(
            self._wrap(job_id, coro_fn),
            DateTrigger(run_date=when, timezone=UTC),
            id=job_id,
            name=job_id,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def cancel(self, job_id: str) -> bool:
        """Remove a scheduled job; a run in progress finishes. False if there was none."""
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            return False
        return True

    def next_run(self, job_id: str) -> datetime | None:
        """When the job fires next; None if it is not scheduled (or not yet started)."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            return None
        when: datetime | None = getattr(job, "next_run_time", None)
        return when.astimezone(UTC) if when is not None else None

    def _wrap(self, job_id: str, coro_fn: JobFn) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await coro_fn()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable:
                pass  # the store said so once for the whole outage; the next run retries
            except Exception:
                log.exception("job failed", extra={"job": job_id})
            finally:
                if task is not None:
                    self._running.discard(task)

        return run


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        raise ValueError(f"naive datetime {when.isoformat()}: pass an aware UTC instant")
    return when.astimezone(UTC)
