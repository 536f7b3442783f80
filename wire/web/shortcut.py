"""The feed shortcut: a poll of a feed answered from the request head.

Polls are nearly all of wire's traffic; for them, building aiohttp's request and
response objects costs several times what the answer itself does. The shortcut
answers only the plain case — an HTTP/1.1 keep-alive GET or HEAD without a body,
of a feed URL, from a reader with no token or a valid one already known, who is
within the rate limit — with the same functions the aiohttp handler uses
(entitlement, conditional GET, gzip). When the rendering is cached the answer is
immediate; when it is not (the first poll after a change), ``answer`` returns a
``Miss`` whose ``render`` assembles the view and answers, so the connection stays
on the shortcut through a newsroom's stream of changes. Everything else,
malformed requests included, is declined (``None``) and answered by aiohttp,
precise problems and all.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate

import httptools
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE

from wire.access import Authenticator
from wire.config import FeedSpec
from wire.errors import WireError
from wire.formats import feed_path
from wire.model import PUBLIC, Audience
from wire.publish.cache import Rendered
from wire.publish.publisher import Publisher
from wire.tokens import hash_token
from wire.web.auth import token_from
from wire.web.conditional import cached_reply
from wire.web.feeds import entitled_feed
from wire.web.keys import AUTH, PUBLISHER, RATE_LIMITER, WIRE
from wire.web.problems import Problem
from wire.web.ratelimit import RateLimiter

STATUS_LINES = {200: "HTTP/1.1 200 OK\r\n", 304: "HTTP/1.1 304 Not Modified\r\n"}
SERVER_LINE = f"Server: {SERVER_SOFTWARE}\r\n"
READ_HEADERS = {
    name.encode(): name
    for name in ("authorization", "if-none-match", "if-modified-since", "accept-encoding")
}
QUERY_TOKEN = re.compile(rb"token=([A-Za-z0-9._~-]+)")


class Declined(Exception):
    """The request is not the plain case: aiohttp answers it."""


class RequestHead:
    """One parsed request head (httptools calls these methods while parsing)."""

    __slots__ = ("complete", "headers", "hosts", "messages", "url")

    def __init__(self) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.complete = False
        self.messages = 0
        self.hosts = 0

    def on_message_begin(self) -> None:
        self.messages += 1

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # Only the headers the answer depends on are kept; the first of repeated
        # ones counts, as in aiohttp's ``headers.get``.
        lowered = name.lower()
        if lowered == b"host":
            self.hosts += 1
        key = READ_HEADERS.get(lowered)
        if key is not None and key not in self.headers:
            self.headers[key] = value.decode("latin-1").strip()

    def on_message_complete(self) -> None:
        self.complete = True


def parse_plain_get(head: bytes) -> tuple[bytes, RequestHead]:
    """(method, head) of a keep-alive HTTP/1.1 GET or HEAD with no body; else Declined."""
    request = RequestHead()
    parser = httptools.HttpRequestParser(request)
    try:
        parser.feed_data(head)
    except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
        raise Declined from exc
    method = parser.get_method()
    if (
        not request.complete  # a body follows the head
        or request.messages != 1  # more than one request in what looked like one head
        or method not in (b"GET", b"HEAD")
        or parser.get_http_version() != "1.1"
        or not parser.should_keep_alive()
        or request.hosts != 1  # RFC 9112 3.2: exactly one Host (aiohttp answers 400 otherwise)
    ):
        raise Declined
    return method, request


def query_token(query: bytes) -> str | None:
    """The token of a query that is nothing but ``token=…`` in plain characters;
    Declined for any other query (aiohttp parses those)."""
    if not query:
        return None
    match = QUERY_TOKEN.fullmatch(query)
    if match is None:
        raise Declined
    return match.group(1).decode("ascii")


@dataclass(frozen=True, slots=True)
class Miss:
    """A plain poll whose rendering is not cached: ``FeedShortcut.render`` answers it."""

    method: bytes
    headers: dict[str, str]
    feed: str
    fmt: str
    audience: Audience
    spec: FeedSpec


class FeedShortcut:
    """Turns the head of a poll into the bytes to send, or declines it."""

    def __init__(
        self,
        publisher: Publisher,
        auth: Authenticator,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
    ) -> None:
        self._publisher = publisher
        self._auth = auth
        self._limiter = limiter
        self._clock = clock
        self._routes = {
            feed_path(spec.name, fmt).encode(): (spec.name, fmt)
            for spec in publisher.specs.values()
            for fmt in spec.formats
        }
        self._date_second = -1
        self._date_tail = b""

    @classmethod
    def of_app(cls, app: web.Application) -> FeedShortcut:
        """The shortcut over a started application's publisher, tokens and rate limit."""
        return cls(app[PUBLISHER], app[AUTH], app[RATE_LIMITER], app[WIRE].clock)

    def answer(self, head: bytes, peer: str) -> list[bytes] | Miss | None:
        """The response to one request head, a ``Miss`` to ``render``, or None when
        aiohttp must answer it."""
        try:
            return self._answer(head, peer)
        except (Declined, Problem, WireError):
            return None

    async def render(self, miss: Miss) -> list[bytes]:
        """Assemble the view a ``Miss`` asked for and answer it. Raises what the
        publisher raises (the store unreachable with nothing cached): the caller
        hands the request to aiohttp, which answers the problem."""
        rendered = await self._publisher.rendered(miss.feed, miss.fmt, miss.audience)
        return self._reply(
            miss.method, miss.headers, rendered, miss.feed, miss.fmt, miss.audience, miss.spec
        )

    def _answer(self, head: bytes, peer: str) -> list[bytes] | Miss | None:
        method, request = parse_plain_get(head)
        path, _, query = request.url.partition(b"?")
        route = self._routes.get(path)
        if route is None:
            return None
        name, fmt = route
        token = token_from(request.headers.get("authorization"), query_token(query))
        if token is None:
            audience, client = PUBLIC, peer
        else:
            client = hash_token(token)
            known = self._auth.known_audience(client, self._clock())
            if known is None:
                return None
            audience = known
        spec = entitled_feed(self._publisher, name, fmt, audience)
        # Checked last, so a declined request has taken nothing from the bucket and
        # aiohttp, checking again, answers 429 with the same Retry-After.
        if self._limiter.check(client) > 0:
            return None
        rendered = self._publisher.cached(name, fmt, audience)
        if rendered is None:
            return Miss(method, request.headers, name, fmt, audience, spec)
        return self._reply(method, request.headers, rendered, name, fmt, audience, spec)

    def _reply(
        self,
        method: bytes,
        headers: dict[str, str],
        rendered: Rendered,
        feed: str,
        fmt: str,
        audience: Audience,
        spec: FeedSpec,
    ) -> list[bytes]:
        reply = cached_reply(
            headers,
            rendered,
            max_age=spec.refresh_interval,
            public=audience.is_public,
            links=self._publisher.link_header(feed, fmt),
        )
        lines = [STATUS_LINES[reply.status]]
        lines += [f"{key}: {value}\r\n" for key, value in reply.headers.items()]
        if reply.status == 200:
            lines.append(f"Content-Length: {len(reply.body)}\r\n")
        status_and_headers = "".join(lines).encode("utf-8") + self._date()
        if method == b"HEAD" or reply.status == 304:
            return [status_and_headers]
        return [status_and_headers, reply.body]

    def _date(self) -> bytes:
        """``Date`` and ``Server`` and the blank line that ends the head, made once a second."""
        second = int(time.time())
        if second != self._date_second:
            self._date_second = second
            date = formatdate(second, usegmt=True)
            self._date_tail = f"Date: {date}\r\n{SERVER_LINE}\r\n".encode()
        return self._date_tail
