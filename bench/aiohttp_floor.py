"""A bare aiohttp application serving the same bytes: no auth, no cache, no routing
beyond one route. ``bench_serve.py`` runs it beside wire and nginx: it is what any
poll answered through aiohttp's request and response objects costs at best, the
cost wire's cached-feed shortcut avoids.

    python bench/aiohttp_floor.py FILE PORT
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import uvloop
from aiohttp import web


def main() -> None:
    body = Path(sys.argv[1]).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    headers = {"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"}

    async def serve(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/all.rss", serve)
    web.run_app(
        app,
        host="127.0.0.1",
        port=int(sys.argv[2]),
        print=None,
        access_log=None,
        loop=uvloop.new_event_loop(),
    )


if __name__ == "__main__":
    main()
