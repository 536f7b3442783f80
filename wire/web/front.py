"""The listening socket: connections start on the feed shortcut, and the first
request the shortcut declines hands its connection to aiohttp for good.

A poll of a feed whose rendering is not cached is not declined: the connection
waits (reading nothing further) while the view is assembled, answers, and goes on
with the requests behind it. Every push makes the next poll of each view a miss;
were misses declined, every keep-alive poller would leave the shortcut within
one change of the feed. Only when assembling fails is the request handed over,
and aiohttp answers it (a 503 problem while the store is away).

Handing over is plain asyncio: the transport gets aiohttp's protocol
(``transport.set_protocol``) and the unanswered bytes are fed to it, so aiohttp
sees an ordinary connection that starts at a request boundary. The shortcut
answers synchronously, so responses stay in request order, pipelined or not.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import cast

from aiohttp import web

from wire.web.shortcut import FeedShortcut, Miss

# A longer head goes to aiohttp, which applies its own limits (8190 bytes a line
# or header by default) and refuses precisely; one within this size cannot exceed them.
MAX_HEAD = 8190
KEEPALIVE_TIMEOUT = 75.0  # seconds an idle connection is kept, as aiohttp does


class Front:
    """Protocol factory and register of the connections still on the shortcut."""

    def __init__(
        self,
        shortcut: FeedShortcut,
        fallback: web.Server,
        *,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
    ) -> None:
        self.shortcut = shortcut
        self.fallback = fallback
        self.keepalive_timeout = keepalive_timeout
        self.connections: set[ShortcutProtocol] = set()
        self.renders: set[asyncio.Task[None]] = set()  # misses being assembled
        self.answered = 0  # requests the shortcut answered itself
        self._sweeper: asyncio.TimerHandle | None = None

    def __call__(self) -> ShortcutProtocol:
        return ShortcutProtocol(self)

    def start(self) -> None:
        """Close idle connections from time to time, as aiohttp does with its own."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        loop = asyncio.get_running_loop()
        self._sweeper = loop.call_later(self.keepalive_timeout / 3, self._sweep)

    def _sweep(self) -> None:
        cutoff = time.monotonic() - self.keepalive_timeout
        for connection in [c for c in self.connections if c.active_at < cutoff]:
            connection.close()
        self.start()

    def close(self) -> None:
        """Close every connection still on the shortcut: none has a request in flight,
        since the shortcut answers as it reads; written bytes are flushed first."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self.renders):
            task.cancel()
        for connection in list(self.connections):
            connection.close()


class ShortcutProtocol(asyncio.Protocol):
    """One client connection while the shortcut answers it."""

    def __init__(self, front: Front) -> None:
        self._front = front
        self._transport: asyncio.Transport | None = None
        self._pending = b""
        self._peer = "unknown"
        self._paused = False
        self._rendering = False  # a miss is being assembled; requests behind it wait
        self.active_at = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's does not subclass asyncio.Transport).
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self._peer = str(peer[0])
        self._front.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._front.connections.discard(self)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._pending += data
        self._answer_pending()

    def pause_writing(self) -> None:
        # The client reads slower than we answer: stop reading its requests too.
        self._paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._paused = False
        if self._transport is not None:
            self._transport.resume_reading()
            self._answer_pending()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _answer_pending(self) -> None:
        transport = self._transport
        if transport is None or self._rendering:
            return
        pending = self._pending
        shortcut = self._front.shortcut
        while not self._paused:
            end = pending.find(b"\r\n\r\n", 0, MAX_HEAD)
            if end < 0:
                if b"\n\n" in pending or b"\n\r\n" in pending:
                    # A head ended by bare line feeds: aiohttp decides what to make of it.
                    self._hand_over(transport, pending)
                    return
                break
            head = pending[: end + 4]
            reply = shortcut.answer(head, self._peer)
            if reply is None:
                self._hand_over(transport, pending)
                return
            self.active_at = time.monotonic()
            pending = pending[end + 4 :]
            if isinstance(reply, Miss):
                self._pending = pending
                self._rendering = True
                task = asyncio.ensure_future(self._render(reply, head))
                self._front.renders.add(task)
                task.add_done_callback(self._front.renders.discard)
                return
            self._front.answered += 1
            transport.writelines(reply)
        self._pending = pending
        if not self._paused and len(pending) >= MAX_HEAD:
            self._hand_over(transport, pending)

    async def _render(self, miss: Miss, head: bytes) -> None:
        """Answer a miss once its view is assembled, then the requests behind it."""
        try:
            reply = await self._front.shortcut.render(miss)
        except Exception:
            # aiohttp answers it afresh, with the precise problem (503 while the
            # store is away), and serves the connection from there.
            self._rendering = False
            if self._transport is not None:
                self._hand_over(self._transport, head + self._pending)
            return
        self._rendering = False
        transport = self._transport
        if transport is None:  # the client left meanwhile
            return
        self.active_at = time.monotonic()
        self._front.answered += 1
        transport.writelines(reply)
        self._answer_pending()

    def _hand_over(self, transport: asyncio.Transport, pending: bytes) -> None:
        """From here on aiohttp serves this connection, starting with ``pending``."""
        self._front.connections.discard(self)
        self._transport = None
        self._pending = b""
        handler = self._front.fallback()
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if pending:
            handler.data_received(pending)


WRITTEN_FOR_AIOHTTP = ((3, 10), (3, 14))
"""The aiohttp minor versions ``ShortcutSite`` was written and tested for: it sets
``BaseSite``'s private ``_server`` (read by ``stop``) and reads ``_backlog``.
pyproject.toml bounds the dependency to match; tests/test_shortcut.py fails on a
version outside the range, so an upgrade is a deliberate review of these lines."""


class ShortcutSite(web.BaseSite):
    """An aiohttp site whose connections start on the shortcut (``wire serve`` and
    the tests' servers use it; the runner stops it like any other site)."""

    __slots__ = ("_front", "_host", "_port", "_reuse_port", "_sock")

    def __init__(
        self,
        runner: web.AppRunner,
        host: str | None = None,
        port: int = 8080,
        *,
        sock: socket.socket | None = None,
        backlog: int = 2048,
        reuse_port: bool = False,
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._reuse_port = reuse_port
        assert runner.server is not None  # BaseSite refuses a runner not set up
        self._front = Front(FeedShortcut.of_app(runner.app), runner.server)
        self._host, self._port, self._sock = host, port, sock

    @property
    def front(self) -> Front:
        return self._front

    @property
    def name(self) -> str:
        if self._sock is not None:
            host, port = self._sock.getsockname()[:2]
            return f"http://{host}:{port}"
        return f"http://{self._host or '0.0.0.0'}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        if self._sock is not None:
            self._server = await loop.create_server(
                self._front, sock=self._sock, backlog=self._backlog
            )
        else:
            self._server = await loop.create_server(
                self._front,
                self._host,
                self._port,
                backlog=self._backlog,
                reuse_address=True,
                reuse_port=self._reuse_port or None,
            )
        self._front.start()

    async def stop(self) -> None:
        await super().stop()
        self._front.close()
