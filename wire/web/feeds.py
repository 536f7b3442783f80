"""Feed and story endpoints: what partners and aggregators poll.

The hot path: resolve the audience, check the rate limit, look up cached bytes,
answer 304 or the (gzipped) body with validators and cache headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from wire.access import Authenticator
from wire.config import FeedSpec
from wire.errors import AuthError
from wire.formats import (
    STORY_PAGE,
    Format,
    by_extension,
    extension_pattern,
    story_extensions,
    story_type,
)
from wire.model import PUBLIC, Audience
from wire.publish import feedstyle
from wire.publish.cache import Rendered
from wire.publish.publisher import Publisher
from wire.tokens import hash_token
from wire.visibility import Verdict
from wire.web.auth import bearer_token
from wire.web.conditional import cached_reply
from wire.web.keys import AUTH, PUBLISHER, RATE_LIMITER, REACH, WIRE
from wire.web.problems import Problem
from wire.web.proxies import client_address, trusted_networks
from wire.web.ratelimit import Allowance, RateLimiter, retry_after


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is asking, as far as it is known without the store: the audience, or
    (``audience`` None) the hash of a token the store must be asked about."""

    audience: Audience | None
    digest: str | None
    allowance: Allowance | None = None  # a partner's: sent as RateLimit headers


def admit(
    token: str | None, peer: str, auth: Authenticator, limiter: RateLimiter, now: datetime
) -> Reader:
    """The rate limit, then the reader behind a token: the one step every feed
    request takes first, on aiohttp's path and on the shortcut."""
    return admit_digest(hash_token(token) if token else None, peer, auth, limiter, now)


def admit_digest(
    digest: str | None, peer: str, auth: Authenticator, limiter: RateLimiter, now: datetime
) -> Reader:
    """``admit`` for a token already hashed (the shortcut hashes each distinct
    request head's token once).

    A known token is limited on its own bucket; a request without one, or with a
    token not (yet) known, on the client address's, so rotating made-up tokens
    buys no extra allowance (and unknown tokens are remembered as such briefly,
    costing no store lookup). Raises the 429 ``Problem`` over the limit."""
    known = auth.known_audience(digest, now) if digest is not None else None
    if digest is None or known is None:
        wait = limiter.check(peer)
        allowance = None
    else:
        wait = limiter.check(digest, known.rate_per_minute)
        allowance = limiter.allowance(digest, known.rate_per_minute)
    if wait > 0:
        retry = retry_after(wait)
        extra = allowance.headers() if allowance is not None else {}
        raise Problem(
            429,
            f"rate limit exceeded; retry in {retry} s",
            headers={"Retry-After": retry, **extra},
        )
    if digest is None:
        return Reader(PUBLIC, None)
    return Reader(known, digest, allowance)


def allowance_of(reader: Reader, audience: Audience, limiter: RateLimiter) -> Allowance | None:
    """What a partner has left, once its audience is known (looked up in the store
    after ``admit``, when its token was not known yet)."""
    if reader.allowance is not None or not audience.partner or reader.digest is None:
        return reader.allowance
    return limiter.allowance(reader.digest, audience.rate_per_minute)


ALLOWANCE = web.RequestKey("allowance", Allowance)
"""Where a request keeps its partner's ``Allowance`` for the response headers."""


@dataclass(frozen=True, slots=True)
class StoryAllowance:
    """A partner's ``stories_per_day`` as a second ``RateLimit`` policy."""

    limit: int
    remaining: int
    reset: int

    def policy(self) -> str:
        return f'"stories";q={self.limit};w=86400'

    def left(self) -> str:
        return f'"stories";r={self.remaining};t={self.reset}'


STORIES_LEFT = web.RequestKey("stories_left", StoryAllowance)
"""A partner's daily story quota, when the answer spends it (cursor, queue, search)."""
READER = web.RequestKey("reader", Audience)
"""Who the request turned out to be from (the usage a partner's answer counts to)."""
ITEMS = web.RequestKey("items", int)
"""How many items the answer delivers (cursor, queue, search), for the usage."""


async def send_allowance(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: a partner's response carries the IETF ``RateLimit``
    headers (the feed shortcut writes the same lines itself)."""
    found = request.get(ALLOWANCE)
    if found is not None:
        response.headers.update(found.headers())
    stories = request.get(STORIES_LEFT)
    if stories is not None:
        policies = [found.headers()["RateLimit-Policy"]] if found is not None else []
        left = [found.headers()["RateLimit"]] if found is not None else []
        response.headers["RateLimit-Policy"] = ", ".join([*policies, stories.policy()])
        response.headers["RateLimit"] = ", ".join([*left, stories.left()])


async def audience_of_reader(reader: Reader, auth: Authenticator, now: datetime) -> Audience:
    """The reader's audience, asking the store about a token not known yet.
    Raises ``AuthError`` (401) for a token that does not stand."""
    if reader.audience is not None:
        return reader.audience
    assert reader.digest is not None
    return await auth.audience_of_hash(reader.digest, now)


async def audience_of(request: web.Request) -> Audience:
    """The reader behind a request (public without a token) after the rate limit."""
    token = bearer_token(request, allow_query=True)
    app = request.app
    now = app[WIRE].clock()
    trusted = trusted_networks(app[WIRE].config.server.trusted_proxies)
    client = client_address(request.remote or "unknown", request.headers, trusted)
    reader = admit(token, client, app[AUTH], app[RATE_LIMITER], now)
    audience = await audience_of_reader(reader, app[AUTH], now)
    if (allowance := allowance_of(reader, audience, app[RATE_LIMITER])) is not None:
        request[ALLOWANCE] = allowance
    request[READER] = audience
    return audience


def entitled_feed(publisher: Publisher, name: str, fmt: str | None, audience: Audience) -> FeedSpec:
    """The feed's spec if this audience may read it (in format ``fmt``, when given:
    the cursor API reads a feed in no format); else the error to answer."""
    spec = publisher.specs.get(name)
    if spec is None or (fmt is not None and fmt not in spec.formats):
        raise Problem(404, f"no feed {name!r} in that format", kind="not-found")
    if audience.is_public and not spec.public:
        raise AuthError(f"feed {name!r} is for partners only")
    if not audience.may_read_feed(name, public=spec.public):
        raise Problem(
            403, f"partner {audience.name!r} is not entitled to feed {name!r}", kind="forbidden"
        )
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
    fmt = by_extension(request.match_info["ext"])
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
    response = serve_bytes(
        request,
        rendered,
        max_age=spec.refresh_interval,
        public=audience.is_public,
        links=links,
    )
    if audience.partner and response.status == 200:
        request.app[REACH].fetched(audience.name, rendered.etag, request.app[WIRE].clock())
    return response


STORY_PAGE_POLICY = (
    "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The story page runs no script and loads nothing but pictures, whatever its copy holds."""


async def get_story(request: web.Request) -> web.Response:
    """One story, as the visibility rule says: 200 with the copy, ``410 Gone`` with
    only the removal notice (identity, status, note) for an audience that could
    have seen a story since killed or withheld, 404 for everyone else."""
    guid = request.match_info["guid"]
    ext = request.match_info["ext"]
    content_type = story_type(ext)
    if content_type is None:
        raise Problem(404, "unknown story extension")
    publisher = request.app[PUBLISHER]
    audience = await audience_of(request)
    decision = await publisher.story_decision(guid, audience)
    if decision.story is None:
        raise Problem(404, f"no story {guid!r}")
    rendered = await publisher.story_rendered(decision.story, ext, content_type)
    if decision.verdict is Verdict.ANNOUNCE:
        response = web.Response(
            status=410,
            body=rendered.body,
            headers={"Content-Type": rendered.content_type, "Cache-Control": "no-cache"},
        )
    else:
        response = serve_bytes(request, rendered, max_age=60, public=audience.is_public, links=None)
        if audience.partner and response.status == 200:
            story = decision.story
            now = request.app[WIRE].clock()
            request.app[REACH].reached(audience.name, story.guid, story.version, "story", now)
    if ext == STORY_PAGE:
        response.headers["Content-Security-Policy"] = STORY_PAGE_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def get_feed_stylesheet(request: web.Request) -> web.Response:
    """``/feeds/feed.xsl`` and ``/feeds/feed.css``: how a browser shows a feed
    (``wire.publish.feedstyle``); public, the same for every feed. Validated by
    its ETag (its Last-Modified is the epoch: it changes only with wire)."""
    rendered = feedstyle.rendered_stylesheet(request.path.rsplit("/", 1)[1])
    return serve_bytes(request, rendered, max_age=86400, public=True, links=None)


def setup_routes(app: web.Application) -> None:
    for name in feedstyle.STYLESHEETS:
        app.router.add_get(f"/feeds/{name}", get_feed_stylesheet)
    feeds = extension_pattern(tuple(f.extension for f in Format))
    app.router.add_get(rf"/feeds/{{name}}.{{ext:({feeds})}}", get_feed)
    stories = extension_pattern(story_extensions())
    app.router.add_get(rf"/stories/{{guid:[^/]+?}}.{{ext:({stories})}}", get_story)
