"""Feed and story endpoints: what partners and aggregators poll.

The hot path: resolve the audience, check the rate limit, look up cached bytes,
answer 304 or the (gzipped) body with validators and cache headers.
"""

from __future__ import annotations

from aiohttp import web

from wire.config import FeedSpec
from wire.errors import AuthError
from wire.model import PUBLIC, Audience
from wire.publish.cache import CONTENT_TYPES, Rendered
from wire.publish.publisher import Publisher
from wire.tokens import hash_token
from wire.web.auth import bearer_token
from wire.web.conditional import cached_reply
from wire.web.keys import AUTH, PUBLISHER, RATE_LIMITER, WIRE
from wire.web.problems import Problem

EXTENSIONS = {"rss": "rss", "atom": "atom", "xml": "newsml", "json": "ninjs"}
STORY_TYPES = {
    "xml": "application/vnd.iptc.g2.newsitem+xml; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


async def audience_of(request: web.Request) -> Audience:
    """The reader behind a request (public without a token) after the rate limit."""
    token = bearer_token(request, allow_query=True)
    digest = hash_token(token) if token else None
    limiter = request.app[RATE_LIMITER]
    wait = limiter.check(digest or request.remote or "unknown")
    if wait > 0:
        retry = limiter.retry_after(wait)
        raise Problem(
            429, f"rate limit exceeded; retry in {retry} s", headers={"Retry-After": retry}
        )
    if digest is None:
        return PUBLIC
    return await request.app[AUTH].audience_of_hash(digest, request.app[WIRE].clock())


def entitled_feed(publisher: Publisher, name: str, fmt: str, audience: Audience) -> FeedSpec:
    """The feed's spec if this audience may read it in this format; else the error to answer."""
    spec = publisher.specs.get(name)
    if spec is None or fmt not in spec.formats:
        raise Problem(404, f"no feed {name!r} in that format")
    if audience.is_public and not spec.public:
        raise AuthError(f"feed {name!r} is for partners only")
    if not audience.may_read_feed(name):
        raise Problem(403, f"partner {audience.name!r} is not entitled to feed {name!r}")
    return spec


def serve_bytes(
    request: web.Request, rendered: Rendered, *, max_age: int, public: bool, links: str | None
) -> web.Response:
    """The aiohttp response for one cached entry."""
    reply = cached_reply(request.headers, rendered, max_age=max_age, public=public, links=links)
    if reply.status == 304:
        return web.Response(status=304, headers=reply.headers)
    return web.Response(body=reply.body, headers=reply.headers)


async def get_feed(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    fmt = EXTENSIONS.get(request.match_info["ext"])
    if fmt is None:
        raise Problem(404, "unknown feed extension")
    publisher = request.app[PUBLISHER]
    audience = await audience_of(request)
    spec = entitled_feed(publisher, name, fmt, audience)
    links = publisher.link_header(name, fmt)
    before = request.query.get("before")
    if before is not None:
        rendered = await publisher.render_page(name, fmt, audience, before)
    else:
        rendered = await publisher.rendered(name, fmt, audience)
    return serve_bytes(
        request,
        rendered,
        max_age=spec.refresh_interval,
        public=audience.is_public,
        links=links,
    )


async def get_story(request: web.Request) -> web.Response:
    guid = request.match_info["guid"]
    ext = request.match_info["ext"]
    if ext not in STORY_TYPES:
        raise Problem(404, "unknown story extension")
    publisher = request.app[PUBLISHER]
    audience = await audience_of(request)
    story = await publisher.visible_story(guid, audience)
    if story is None:
        raise Problem(404, f"no story {guid!r}")
    rendered = publisher.story_rendered(story, ext, STORY_TYPES[ext])
    return serve_bytes(request, rendered, max_age=60, public=audience.is_public, links=None)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(r"/feeds/{name}.{ext:(rss|atom|xml|json)}", get_feed)
    app.router.add_get(r"/stories/{guid:[^/]+?}.{ext:(xml|json|html)}", get_story)


__all__ = ["CONTENT_TYPES", "setup_routes"]
