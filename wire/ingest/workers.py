"""Parsing large inputs in worker processes: a time limit that holds, memory that goes back.

A parse that holds the GIL (trafilatura, dateparser and lxml on a 9 MB page)
stalls every poll the event loop would answer meanwhile, and a thread cannot be
stopped when it runs too long. Each large input is therefore parsed in a
process of its own, forked from a forkserver that has already imported the
parsers (so a fork costs milliseconds, not an interpreter start): it is killed
when it passes ``parse_seconds``, and whatever memory it took is returned to the
system when it exits. Small inputs, nearly all of them, are parsed in a thread:
for them a process would cost more than it saves. At most ``processes``
workers run at once.

A batch of inputs (``parse_many``: the batches of ``wire ingest``) is parsed
on every core instead: small inputs go to long-lived worker processes in runs
of ``RUN`` (one round trip for the run), each answered and timed on its own, so
a worker that runs over ``parse_seconds`` on one input is killed and replaced,
and the rest of its run goes to another; large inputs still get a process of
their own. A worker is replaced after ``JOBS_PER_WORKER`` inputs, so whatever
memory parsing leaves behind goes back to the system. A command that knows it
will parse a batch (``wire ingest``) forks its workers at its start instead
(``prefork``), from its own process while that has no other thread: it has
imported the parsers already, so no forkserver has to import them again (half
a second before the first input is parsed). In a batch every input is
held to ``parse_seconds``, since a worker can be killed; a small input parsed
alone, in a thread, is not (a thread cannot be stopped), so a slow small input
may pass alone and be refused in a batch: the batch is the stricter.

Written by hand rather than with ``ProcessPoolExecutor`` because an executor
cannot kill the one worker whose task ran over its time.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from wire import errors
from wire.errors import IngestError, MalformedInput
from wire.model import Story

PROCESS_THRESHOLD = 256 * 1024  # bytes; smaller inputs parse in a thread
JOBS_PER_WORKER = 2000  # inputs a long-lived worker parses before it is replaced
RUN = 16  # inputs sent to a long-lived worker at once: one round trip for all of them
_PRELOAD = ["wire.ingest.pipeline"]

ParseFn = Callable[..., list[Story]]
Job = dict[str, Any]
"""The keyword arguments of one parse, ``name`` and ``data`` among them."""


def _outcome(fn: ParseFn, kwargs: Job) -> tuple[Any, ...]:
    """In a worker: the stories, or the error's class and fields (exceptions do
    not all cross a pipe whole)."""
    try:
        return ("ok", fn(**kwargs))
    except IngestError as exc:
        return ("error", type(exc).__name__, exc.input_name, exc.reason)
    except Exception as exc:  # a parser bug: reported, not lost
        return ("crash", f"{type(exc).__name__}: {exc}")


def _work(conn: multiprocessing.connection.Connection, fn: ParseFn, kwargs: Job) -> None:
    """In a one-input worker: parse, send back the outcome, exit."""
    conn.send(_outcome(fn, kwargs))
    conn.close()


def _serve(
    conn: multiprocessing.connection.Connection,
    inherited: Sequence[multiprocessing.connection.Connection] = (),
) -> None:
    """In a long-lived worker: parse each run of inputs that arrives, answering
    input by input, until the pipe closes. ``inherited``: the other workers' pipe
    ends a plain fork copied in, closed first: the worker must see its pipe close
    when the parent closes its end."""
    for other in inherited:
        other.close()
    while True:
        try:
            fn, run = conn.recv()
        except EOFError:
            return
        for kwargs in run:
            conn.send(_outcome(fn, kwargs))


class _Worker:
    """A long-lived parse process and its end of the pipe."""

    def __init__(self, ctx: Any, *, forked_after: Sequence[_Worker] | None = None) -> None:
        """``forked_after``: when the process is a plain fork of this one (not a
        forkserver's), the workers forked before it: it is born with their pipe
        ends and with this side of its own, and closes them all."""
        self.conn, child = ctx.Pipe()
        copied = [] if forked_after is None else [*(w.conn for w in forked_after), self.conn]
        self.process = ctx.Process(target=_serve, args=(child, copied), daemon=True)
        self.process.start()
        child.close()
        self.jobs = 0

    def run(
        self, fn: ParseFn, run: list[Job], seconds: float
    ) -> tuple[list[tuple[Any, ...]], str | None]:
        """(In a thread.) Send a run of inputs; collect their outcomes, each within
        ``seconds`` of the one before. Stops at the first that runs over
        (``"timeout"``) or at the worker's death (``"died"``): the outcomes so far,
        and why it stopped; ``"unsent"`` when the worker was already gone (it died
        idle), so that none of the run was tried."""
        try:
            self.conn.send((fn, run))
        except OSError:
            return [], "unsent"
        answers: list[tuple[Any, ...]] = []
        try:
            for _ in run:
                if not self.conn.poll(seconds):
                    return answers, "timeout"
                answers.append(self.conn.recv())
                self.jobs += 1
        except (EOFError, OSError):
            return answers, "died"
        return answers, None

    def stop(self, *, kill: bool = False) -> None:
        """(In a thread.) Close the pipe, which ends the worker's loop; kill it if asked
        or if it does not end at once."""
        self.conn.close()
        if kill:
            self.process.kill()
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _rebuilt(name: str, result: tuple[Any, ...]) -> list[Story]:
    kind = result[0]
    if kind == "ok":
        stories: list[Story] = result[1]
        return stories
    if kind == "error":
        cls = getattr(errors, result[1], None)
        if isinstance(cls, type) and issubclass(cls, IngestError):
            raise cls(result[2], result[3])
        raise MalformedInput(result[2], result[3])
    raise MalformedInput(name, f"the parser failed: {result[1]}")


class ParseWorkers:
    """Runs ``fn(**kwargs)`` — a pure parse — in a thread or a killable process."""

    def __init__(self, *, seconds: float, processes: int = 2, pooled: int | None = None) -> None:
        self.seconds = seconds
        self._gate = asyncio.Semaphore(processes)
        self._context: Any = None
        self.pooled = pooled or os.cpu_count() or 1
        self._lanes = asyncio.Semaphore(self.pooled)
        self._idle: list[_Worker] = []
        self._closed = False

    def prefork(self) -> bool:
        """Fork the long-lived workers now, from this process, if it has no thread
        but this one (a fork copies held locks of other threads, never their
        owners); whether it did. Workers that replace these come from the forkserver."""
        if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
            return False
        ctx = multiprocessing.get_context("fork")
        while len(self._idle) < self.pooled:
            self._idle.append(_Worker(ctx, forked_after=self._idle))
        return True

    def _ctx(self) -> Any:
        if self._context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            self._context = ctx
        return self._context

    async def parse(self, fn: ParseFn, *, size: int, name: str, **kwargs: Any) -> list[Story]:
        """The stories ``fn`` finds; an ``IngestError`` if it refuses the input, runs
        over ``seconds`` (in a process: a thread cannot be stopped, so a small
        input alone is not timed), or crashes (reported the same way wherever it
        ran)."""
        if size < PROCESS_THRESHOLD:
            outcome = await asyncio.to_thread(_outcome, fn, {"name": name, **kwargs})
            return _rebuilt(name, outcome)
        async with self._gate:
            return await self._in_process(fn, name=name, **kwargs)

    async def parse_many(self, fn: ParseFn, jobs: Sequence[Job]) -> list[list[Story] | IngestError]:
        """What ``parse`` gives for each job (its ``IngestError`` in its place).
        Small inputs are sent in runs of ``RUN`` to ``pooled`` long-lived worker
        processes, large ones each to a process of its own. A single job is
        parsed as ``parse`` parses it."""
        if len(jobs) < 2 or self.pooled < 2:
            return [await self._one(fn, job) for job in jobs]
        results: list[list[Story] | IngestError] = [[] for _ in jobs]
        small = collections.deque(
            i for i, j in enumerate(jobs) if len(j["data"]) < PROCESS_THRESHOLD
        )
        large = [i for i, j in enumerate(jobs) if len(j["data"]) >= PROCESS_THRESHOLD]

        async def lane() -> None:
            while small:
                run = [small.popleft() for _ in range(min(RUN, len(small)))]
                done = await self._pooled(fn, [jobs[i] for i in run])
                for i, result in zip(run, done, strict=False):
                    results[i] = result
                small.extendleft(reversed(run[len(done) :]))  # after a worker was lost

        async def alone(i: int) -> None:
            results[i] = await self._one(fn, jobs[i])

        lanes = min(self.pooled, len(small))
        await asyncio.gather(*(lane() for _ in range(lanes)), *(alone(i) for i in large))
        return results

    async def _one(self, fn: ParseFn, job: Job) -> list[Story] | IngestError:
        try:
            return await self.parse(fn, size=len(job["data"]), **job)
        except IngestError as exc:
            return exc

    async def _pooled(self, fn: ParseFn, run: list[Job]) -> list[list[Story] | IngestError]:
        """The outcomes of a run on one long-lived worker, in order. Shorter than the
        run when the worker was lost: its last entry is the refusal of the input
        that ran over or killed it, and the rest is still to parse."""
        async with self._lanes:
            answers, failure = await self._on_a_worker(fn, run)
        done: list[list[Story] | IngestError] = []
        for job, answer in zip(run, answers, strict=False):
            try:
                done.append(_rebuilt(job["name"], answer))
            except IngestError as exc:
                done.append(exc)
        if failure is not None:
            name = run[len(answers)]["name"]
            if failure == "timeout":
                reason = f"parsing took longer than {self.seconds:g} s; refused"
            else:
                reason = "the parser's process died"
            done.append(MalformedInput(name, reason))
        return done

    async def _on_a_worker(
        self, fn: ParseFn, run: list[Job]
    ) -> tuple[list[tuple[Any, ...]], str | None]:
        """``_Worker.run`` on an idle worker (or a new one), the worker given back,
        retired or killed after; a worker found dead before the run is replaced
        once, the run sent again."""
        for _ in range(2):
            worker = self._idle.pop() if self._idle else _Worker(self._ctx())
            healthy = False
            try:
                answers, failure = await asyncio.to_thread(worker.run, fn, run, self.seconds)
                healthy = failure is None
            finally:
                if healthy and worker.jobs < JOBS_PER_WORKER and not self._closed:
                    self._idle.append(worker)
                else:  # lost, cancelled or closed: killed; or retired after its share
                    await asyncio.shield(asyncio.to_thread(worker.stop, kill=not healthy))
            if failure != "unsent":
                return answers, failure
        return [], "died"

    async def close(self) -> None:
        """Stop the long-lived workers (they also end with this process); a worker
        still busy is stopped when its run ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for worker in idle:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(worker.stop)

    async def _in_process(self, fn: ParseFn, *, name: str, **kwargs: Any) -> list[Story]:
        ctx = self._ctx()
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_work, args=(send, fn, {"name": name, **kwargs}), daemon=True)
        process.start()
        send.close()
        loop = asyncio.get_running_loop()
        try:
            ready = await loop.run_in_executor(None, receive.poll, self.seconds)
            if not ready:
                raise MalformedInput(name, f"parsing took longer than {self.seconds:g} s; refused")
            try:
                result = await loop.run_in_executor(None, receive.recv)
            except EOFError as exc:  # the worker died without a word (memory, a signal)
                raise MalformedInput(name, "the parser's process died") from exc
            return _rebuilt(name, result)
        finally:
            if process.is_alive():
                process.kill()
            await loop.run_in_executor(None, process.join)
            receive.close()
