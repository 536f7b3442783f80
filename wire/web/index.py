"""The front page at ``/``: ``wire.publish.frontpage`` over the publisher's
newest public stories (shared with the feeds themselves, so a request costs no
store read while the feeds are unchanged) and the current config's feeds."""

from __future__ import annotations

from aiohttp import web

from wire.publish.frontpage import render_index
from wire.web.keys import PUBLISHER, WIRE


def setup_routes(app: web.Application) -> None:
    async def index(request: web.Request) -> web.Response:
        stories = await request.app[PUBLISHER].front_page_stories()
        config = request.app[WIRE].config  # the current one: SIGHUP may reload it
        response = web.Response(
            body=render_index(config, stories), content_type="text/html", charset="utf-8"
        )
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    app.router.add_get("/", index)
