"""aiohttp test servers that listen the way ``wire serve`` does: connections start
on the cached-feed shortcut (``wire.web.front``) and are handed to aiohttp."""

from __future__ import annotations

import socket
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
