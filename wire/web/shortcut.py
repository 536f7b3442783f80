"""The feed shortcut: a poll of a feed answered from the request head.

Polls are nearly all of wire's traffic; for them, building aiohttp's request and
response objects costs several times what the answer itself does. The shortcut
answers the plain case — an HTTP/1.1 keep-alive GET or HEAD without a body, of a
feed URL, its query empty or only ``token=`` — with the steps and functions the
aiohttp handler uses, in its order: the bearer token, the rate limit and the
reader (``wire.web.feeds.admit``), entitlement, conditional GET, gzip. Refusals
(401, 403, 429) are answered here too, with the same problem document
(``problem_body``), so a reader that was refused once keeps its connection on
the shortcut. When the answer needs more than memory holds — the view is not
cached (the first poll after a change), or the token must be looked up in the
store — ``answer`` returns a ``Miss`` whose ``render`` does that and answers.
Everything else, malformed requests included, is declined (``None``) and
answered by aiohttp.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote

import httptools
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE

from wire.access import Authenticator
from wire.config import FeedSpec
from wire.errors import WireError
from wire.formats import feed_path
from wire.model import Audience
from wire.publish.cache import Rendered
from wire.publish.publisher import Publisher
from wire.web.auth import token_from
from wire.web.conditional import cached_reply
from wire.web.feeds import Reader, admit, audience_of_reader, entitled_feed
from wire.web.keys import AUTH, PUBLISHER, RATE_LIMITER, WIRE
from wire.web.problems import PROBLEM_TYPE, Problem, as_problem, problem_body
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
    """A plain poll that cannot be answered from what is in memory: its view is
    not cached, or its token must be looked up. ``FeedShortcut.render`` answers it."""

    method: bytes
    headers: dict[str, str]
    feed: str
    fmt: str
    instance: str  # the path, as problems name it
    reader: Reader
    spec: FeedSpec | None  # None until the reader's audience is known


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
            feed_path(spec.name, fmt).encode(): (spec.name, fmt, unquote(feed_path(spec.name, fmt)))
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
        except Declined:
            return None

    async def render(self, miss: Miss) -> list[bytes]:
        """Answer a ``Miss``: look the token up if need be, then assemble the view.
        Raises what is not a problem of the request's (a bug): the caller hands
        the request to aiohttp."""
        try:
            audience = await audience_of_reader(miss.reader, self._auth, self._clock())
            spec = miss.spec or entitled_feed(self._publisher, miss.feed, miss.fmt, audience)
            rendered = await self._publisher.rendered(miss.feed, miss.fmt, audience)
        except (Problem, WireError) as exc:
            return self._problem(miss.method, as_problem(exc), miss.instance)
        return self._reply(miss.method, miss.headers, rendered, miss.feed, miss.fmt, audience, spec)

    def _answer(self, head: bytes, peer: str) -> list[bytes] | Miss | None:
        method, request = parse_plain_get(head)
        path, _, query = request.url.partition(b"?")
        route = self._routes.get(path)
        if route is None:
            return None
        name, fmt, instance = route
        token_query = query_token(query)
        # The steps and their order are aiohttp's (``wire.web.feeds.get_feed``),
        # so each refusal is the same answer, taken from the same bucket.
        try:
            token = token_from(request.headers.get("authorization"), token_query)
            reader = admit(token, peer, self._auth, self._limiter, self._clock())
            if reader.audience is None:
                return Miss(method, request.headers, name, fmt, instance, reader, None)
            spec = entitled_feed(self._publisher, name, fmt, reader.audience)
        except (Problem, WireError) as exc:
            return self._problem(method, as_problem(exc), instance)
        rendered = self._publisher.cached(name, fmt, reader.audience)
        if rendered is None:
            return Miss(method, request.headers, name, fmt, instance, reader, spec)
        return self._reply(method, request.headers, rendered, name, fmt, reader.audience, spec)

    def _problem(self, method: bytes, problem: Problem, instance: str) -> list[bytes]:
        """The problem answer aiohttp's middleware gives (``problem_response``)."""
        body = problem_body(problem, instance)
        lines = [
            f"HTTP/1.1 {problem.status} {HTTPStatus(problem.status).phrase}\r\n",
            f"Content-Type: {PROBLEM_TYPE}\r\n",
        ]
        lines += [f"{key}: {value}\r\n" for key, value in problem.headers.items()]
        lines.append(f"Content-Length: {len(body)}\r\n")
        status_and_headers = "".join(lines).encode("utf-8") + self._date()
        return [status_and_headers] if method == b"HEAD" else [status_and_headers, body]

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
