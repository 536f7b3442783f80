"""The front page: what this wire publishes and where, for a person with a browser.

Built once from the config (it changes only when the config does), so it costs
nothing per request.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from wire.config import Config
from wire.formats import Format, feed_path


def render_index(config: Config) -> bytes:
    """An HTML page listing every public feed in each of its formats."""
    base = config.server.base_url.rstrip("/")
    rows = []
    for spec in config.feeds:
        links = " · ".join(
            f'<a href="{escape(base + feed_path(spec.name, fmt))}">{Format(fmt).label}</a>'
            for fmt in spec.formats
        )
        access = "public" if spec.public else "partners only"
        rows.append(
            f"<tr><td><b>{escape(spec.title)}</b><br><small>{escape(spec.description)}</small>"
            f"</td><td>{access}</td><td>{links}</td></tr>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wire</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
td{{padding:.4rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}}</style></head>
<body><h1>wire</h1>
<p>Wire-service feeds with their attribution made explicit.</p>
<table>{"".join(rows)}</table>
<p><a href="{escape(base)}/api/v1/openapi.yaml">HTTP API (OpenAPI 3.1)</a> ·
<a href="{escape(base)}/healthz">health</a></p>
</body></html>
"""
    return page.encode("utf-8")


def setup_routes(app: web.Application, config: Config) -> None:
    body = render_index(config)

    async def index(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    app.router.add_get("/", index)
