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

Written by hand rather than with ``ProcessPoolExecutor`` because an executor
cannot kill the one worker whose task ran over its time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
from collections.abc import Callable
from typing import Any

from wire import errors
from wire.errors import IngestError, MalformedInput
from wire.model import Story

PROCESS_THRESHOLD = 256 * 1024  # bytes; smaller inputs parse in a thread
_PRELOAD = ["wire.ingest.pipeline"]

ParseFn = Callable[..., list[Story]]


def _work(conn: multiprocessing.connection.Connection, fn: ParseFn, kwargs: dict[str, Any]) -> None:
    """In the worker: parse, send back the stories or the error's class and fields."""
    try:
        result: tuple[Any, ...] = ("ok", fn(**kwargs))
    except IngestError as exc:
        result = ("error", type(exc).__name__, exc.input_name, exc.reason)
    except Exception as exc:  # a parser bug: reported, not lost
        result = ("crash", f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


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

    def __init__(self, *, seconds: float, processes: int = 2) -> None:
        self.seconds = seconds
        self._gate = asyncio.Semaphore(processes)
        self._context: Any = None

    def _ctx(self) -> Any:
        if self._context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            self._context = ctx
        return self._context

    async def parse(self, fn: ParseFn, *, size: int, name: str, **kwargs: Any) -> list[Story]:
        """The stories ``fn`` finds; an ``IngestError`` if it refuses the input, runs
        over ``seconds``, or crashes."""
        if size < PROCESS_THRESHOLD:
            return await asyncio.to_thread(fn, name=name, **kwargs)
        async with self._gate:
            return await self._in_process(fn, name=name, **kwargs)

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
