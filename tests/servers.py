"""aiohttp test servers: one that listens the way ``wire serve`` does (connections
start on the cached-feed shortcut, ``wire.web.front``, and are handed to aiohttp),
and a recording endpoint for what wire pushes (webhooks, WebSub)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from wire.web.front import Front, ShortcutSite


class ShortcutTestServer(TestServer):
    """``TestServer`` with wire's own site in front of the application."""

    site: ShortcutSite | None = None

    async def start_server(self, loop: Any = None, **kwargs: Any) -> None:
        if self.runner:
            return
        runner = await self._make_runner(handler_cancellation=True, **kwargs)
        assert isinstance(runner, web.AppRunner)
        self.runner = runner
        await runner.setup()
        sock = self.socket_factory(self.host, self.port or 0, socket.AF_INET)
        self.host, self.port = sock.getsockname()[:2]
        self.site = ShortcutSite(runner, sock=sock)
        await self.site.start()
        self.scheme = "http"
        self._root = URL(f"http://{self.host}:{self.port}")

    @property
    def front(self) -> Front:
        assert self.site is not None
        return self.site.front


@dataclass(frozen=True)
class Recorded:
    """One request a ``Recorder`` received."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """A loopback endpoint standing in for partners' webhook receivers and WebSub
    subscribers: every request is kept in order; a GET echoes ``hub.challenge``
    (verification of intent), anything else is answered 204."""

    base: str
    requests: list[Recorded] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def posts(self, path: str) -> list[bytes]:
        return [r.body for r in self.requests if r.method == "POST" and r.path == path]

    def websub(self, path: str) -> list[tuple[str, bytes]]:
        """(``hub.mode`` of a GET, or "post", body) for each request to ``path``."""
        return [
            (r.query.get("hub.mode", "") if r.method == "GET" else "post", r.body)
            for r in self.requests
            if r.path == path
        ]


@asynccontextmanager
async def recording() -> AsyncIterator[Recorder]:
    """A started ``Recorder``; closed afterwards."""
    requests: list[Recorded] = []

    async def handle(request: web.Request) -> web.Response:
        requests.append(
            Recorded(request.method, request.path, dict(request.query), await request.read())
        )
        if request.method == "GET":
            return web.Response(text=request.query.get("hub.challenge", ""))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app)
    await server.start_server()
    try:
        yield Recorder(str(server.make_url("")).rstrip("/"), requests)
    finally:
        await server.close()


async def until_listening(port: int, proc: Any = None, *, within: float = 10.0) -> None:
    """Until something accepts connections on 127.0.0.1:``port`` (a server started
    as a process: ``proc``, whose early exit fails at once with what it said)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise AssertionError(proc.communicate()[1].decode(errors="replace")) from None
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"nothing listens on port {port}") from None
            await asyncio.sleep(0.05)
