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

Pollers send the same head again and again (the same URL, token and
validators), so what a head says is worked out once per distinct head and kept
(``Poll``, in a memo keyed by the head's bytes, bounded in heads and in each
head's length): the parse, the token's
hash, the route, and the answer's status line and headers for the rendering
they were made for. A repeated poll then costs the rate limit, the token's
validity, the entitlement (when the reader's audience is another object than
last time), a cache lookup and a write; only ``Date`` is added per request.

Every answer is counted (``wire.metrics``: requests by status, the time from
head to answer, render-cache hits) and, unless sampled out, gets an access line
(``wire.logs.AccessLog``) whose request part is made once per head, like the
rest of the memo.
"""

from __future__ import annotations

import re
import time
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from http import HTTPStatus
from time import perf_counter
from urllib.parse import unquote

import httptools
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE

from wire.access import Authenticator
from wire.config import FeedSpec
from wire.errors import WireError
from wire.formats import feed_path
from wire.logs import AccessLog
from wire.metrics import HTTP, RENDER_LOOKUPS
from wire.model import Audience
from wire.publish.cache import Rendered, view_of
from wire.publish.publisher import Publisher
from wire.reachlog import ReachLog
from wire.tokens import hash_token
from wire.usage import UsageCounter
from wire.web.auth import token_from
from wire.web.conditional import cached_reply
from wire.web.feeds import (
    Reader,
    admit_digest,
    allowance_of,
    audience_of_reader,
    entitled_feed,
)
from wire.web.keys import ACCESS_LOG, AUTH, PUBLISHER, RATE_LIMITER, REACH, WIRE
from wire.web.problems import PROBLEM_TYPE, Problem, as_problem, problem_body
from wire.web.proxies import client_address, trusted_networks
from wire.web.ratelimit import Allowance, RateLimiter

STATUS_LINES = {200: "HTTP/1.1 200 OK\r\n", 304: "HTTP/1.1 304 Not Modified\r\n"}
SERVER_LINE = f"Server: {SERVER_SOFTWARE}\r\n"
READ_HEADERS = {
    name.encode(): name
    for name in (
        "authorization",
        "if-none-match",
        "if-modified-since",
        "accept-encoding",
        "accept",
        "forwarded",
        "x-forwarded-for",
        "user-agent",  # for the access log
        "referer",
    )
}
QUERY_TOKEN = re.compile(rb"token=([A-Za-z0-9._~-]+)")
POLLS_KEPT = 8192  # distinct request heads whose parse is remembered (a few hundred bytes each)
POLL_HEAD_KEPT = 2048  # longer heads are parsed every time: the memo holds 16 MB at worst
FAMILY = "feeds"  # the route family of everything the shortcut answers (wire.web.observe)
_BOUNDS = HTTP.bounds


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


class Poll:
    """What one distinct request head says, worked out once: the route, the
    headers the answer depends on, the token's hash (or the refusal of a
    malformed token), and the answer last prepared for it.

    ``prepared_for`` refers weakly to the rendering the prepared head was made
    for, so the memo never keeps an evicted rendering's bytes alive; ``audience``
    is the reader's audience the entitlement was last checked for."""

    __slots__ = (
        "audience",
        "body",
        "digest",
        "feed",
        "fmt",
        "headers",
        "hit",
        "instance",
        "logged_as",
        "method",
        "prepared",
        "prepared_for",
        "refusal",
        "spec",
        "status",
        "target",
        "view",
    )

    def __init__(
        self,
        method: bytes,
        headers: dict[str, str],
        route: tuple[str, str, str],
        digest: str | None,
        refusal: Problem | None,
        target: str = "",
    ) -> None:
        self.method = method
        self.headers = headers
        self.target = target  # the request target as sent, for the access log
        self.feed, self.fmt, self.instance = route
        self.hit = (self.fmt, "hit")  # wire_render_cache_lookups labels of a cache hit
        self.digest = digest
        self.refusal = refusal
        self.audience: Audience | None = None
        self.spec: FeedSpec | None = None
        self.view: Audience | None = None
        self.prepared = b""  # status line and headers, without Date and the blank line
        self.body = ""  # "body", "gzipped" or "" (none): which of the rendering's bytes follow
        self.status = 200  # of the prepared answer
        self.prepared_for: weakref.ref[Rendered] | None = None
        self.logged_as: tuple[str, str] | None = None  # AccessLog.request_part, made once


@dataclass(frozen=True, slots=True)
class Miss:
    """A plain poll that cannot be answered from what is in memory: its view is
    not cached, or its token must be looked up. ``FeedShortcut.render`` answers it."""

    poll: Poll
    reader: Reader
    peer: str
    started: float  # perf_counter() when the head was read


class FeedShortcut:
    """Turns the head of a poll into the bytes to send, or declines it."""

    def __init__(
        self,
        publisher: Publisher,
        auth: Authenticator,
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        access: AccessLog | None = None,
        usage: UsageCounter | None = None,
        reach: ReachLog | None = None,
    ) -> None:
        self._publisher = publisher
        self._access = access or AccessLog(enabled=False)
        self._usage = usage
        self._reach = reach
        self._auth = auth
        self._limiter = limiter
        self._clock = clock
        self._trusted = trusted_networks(publisher.config.server.trusted_proxies)
        self._use_feeds()
        self._counted: dict[int, list[float]] = {}  # status → its series in wire.metrics.HTTP
        self._date_second = -1
        self._date_tail = b""

    def _use_feeds(self) -> None:
        """Routes from the publisher's feeds; what was worked out of heads forgotten."""
        self._specs = self._publisher.specs
        self._routes = {
            feed_path(spec.name, fmt).encode(): (spec.name, fmt, unquote(feed_path(spec.name, fmt)))
            for spec in self._specs.values()
            for fmt in spec.formats
        }
        self._polls: dict[bytes, Poll | None] = {}  # by request head; None: declined

    @classmethod
    def of_app(cls, app: web.Application) -> FeedShortcut:
        """The shortcut over a started application's publisher, tokens, rate limit
        and access log."""
        wire = app[WIRE]
        return cls(
            app[PUBLISHER],
            app[AUTH],
            app[RATE_LIMITER],
            wire.clock,
            app.get(ACCESS_LOG),
            wire.usage,
            app.get(REACH),
        )

    @property
    def remembered(self) -> int:
        """Distinct request heads whose parse is kept."""
        return len(self._polls)

    def answer(self, head: bytes, peer: str) -> list[bytes] | Miss | None:
        """The response to one request head, a ``Miss`` to ``render``, or None when
        aiohttp must answer it."""
        started = perf_counter()
        if self._specs is not self._publisher.specs:
            self._use_feeds()  # the config was reloaded: its feeds may differ
        poll = self._polls.get(head, self)  # self: not seen yet
        if poll is self:
            poll = self._poll_of(head)
            if len(head) <= POLL_HEAD_KEPT:
                if len(self._polls) >= POLLS_KEPT:
                    del self._polls[next(iter(self._polls))]  # the oldest head goes first
                self._polls[head] = poll
        if not isinstance(poll, Poll):
            return None
        return self._answer(poll, peer, started)

    async def render(self, miss: Miss) -> list[bytes]:
        """Answer a ``Miss``: look the token up if need be, then assemble the view.
        Raises what is not a problem of the request's (a bug): the caller hands
        the request to aiohttp."""
        poll = miss.poll
        allowance = miss.reader.allowance
        try:
            audience = await audience_of_reader(miss.reader, self._auth, self._clock())
            allowance = allowance_of(miss.reader, audience, self._limiter)
            if audience is not poll.audience:
                spec = entitled_feed(self._publisher, poll.feed, poll.fmt, audience)
                poll.audience, poll.spec, poll.view = audience, spec, view_of(audience)
                poll.prepared_for = None
            rendered = await self._publisher.rendered(poll.feed, poll.fmt, audience)
        except (Problem, WireError) as exc:
            return self._problem(poll, as_problem(exc), miss.peer, miss.started, allowance)
        return self._prepared(poll, rendered, miss.peer, miss.started, allowance)

    def _answer(self, poll: Poll, peer: str, started: float) -> list[bytes] | Miss:
        if poll.refusal is not None:
            return self._problem(poll, poll.refusal, peer, started)
        # The steps and their order are aiohttp's (``wire.web.feeds.get_feed``),
        # so each refusal is the same answer, taken from the same bucket.
        try:
            client = client_address(peer, poll.headers, self._trusted)
            reader = admit_digest(poll.digest, client, self._auth, self._limiter, self._clock())
        except (Problem, WireError) as exc:
            return self._problem(poll, as_problem(exc), peer, started)
        audience = reader.audience
        if audience is None:
            return Miss(poll, reader, peer, started)
        if audience is not poll.audience:
            try:
                poll.spec = entitled_feed(self._publisher, poll.feed, poll.fmt, audience)
            except (Problem, WireError) as exc:
                return self._problem(poll, as_problem(exc), peer, started, reader.allowance)
            poll.audience, poll.view, poll.prepared_for = audience, view_of(audience), None
        assert poll.view is not None  # set with the audience
        rendered = self._publisher.cache.peek(poll.feed, poll.fmt, poll.view)
        if rendered is None:
            return Miss(poll, reader, peer, started)  # its render counts the miss
        RENDER_LOOKUPS.add(poll.hit)
        return self._prepared(poll, rendered, peer, started, reader.allowance)

    def _prepared(
        self,
        poll: Poll,
        rendered: Rendered,
        peer: str,
        started: float,
        allowance: Allowance | None = None,
    ) -> list[bytes]:
        """The answer to ``poll`` from ``rendered``, its head prepared once; a
        partner's ``RateLimit`` lines (they change with every request) added."""
        if poll.prepared_for is None or poll.prepared_for() is not rendered:
            self._prepare(poll, rendered)
        head = poll.prepared if allowance is None else poll.prepared + allowance.lines()
        audience = poll.audience
        if poll.status == 200 and audience is not None and audience.partner and self._reach:
            self._reach.fetched(audience.name, rendered.etag, self._clock())
        if not poll.body:
            self._served(poll, peer, started, poll.status, 0)
            return [head + self._date()]
        body: bytes = getattr(rendered, poll.body)
        self._served(poll, peer, started, poll.status, len(body))
        return [head + self._date(), body]

    def _served(self, poll: Poll, peer: str, started: float, status: int, size: int) -> None:
        """Count the answer, time it, and give it its access line; a partner's
        counts to its usage."""
        seconds = perf_counter() - started
        audience = poll.audience
        if audience is not None and audience.partner and self._usage is not None:
            self._usage.count(audience.name, "feeds", at=self._clock(), size=size)
        series = self._counted.get(status)
        if series is None:
            series = self._counted[status] = HTTP.series(FAMILY, str(status), "fast")
        series[bisect_left(_BOUNDS, seconds)] += 1
        series[-1] += seconds
        access = self._access
        if access.enabled and access.wants(status):
            part = poll.logged_as
            if part is None:
                headers = poll.headers
                part = poll.logged_as = access.request_part(
                    poll.method.decode("ascii"),
                    poll.target,
                    user_agent=headers.get("user-agent"),
                    referer=headers.get("referer"),
                    family=FAMILY,
                    served="fast",
                )
            access.write(
                part, client_address(peer, poll.headers, self._trusted), status, size, seconds
            )

    def _poll_of(self, head: bytes) -> Poll | None:
        """What a head says, or None when aiohttp must answer it."""
        try:
            method, request = parse_plain_get(head)
            path, _, query = request.url.partition(b"?")
            route = self._routes.get(path)
            if route is None:
                return None
            token_query = query_token(query)
        except Declined:
            return None
        target = request.url.decode("latin-1")
        try:
            token = token_from(request.headers.get("authorization"), token_query)
        except WireError as exc:
            return Poll(method, request.headers, route, None, as_problem(exc), target)
        digest = hash_token(token) if token else None
        return Poll(method, request.headers, route, digest, None, target)

    def _prepare(self, poll: Poll, rendered: Rendered) -> None:
        """Make and keep the answer's head (all but ``Date``) for this rendering,
        for the audience and feed the poll was last admitted to."""
        assert poll.audience is not None
        assert poll.spec is not None
        reply = cached_reply(
            poll.headers,
            rendered,
            max_age=poll.spec.refresh_interval,
            public=poll.audience.is_public,
            links=self._publisher.link_header(poll.feed, poll.fmt),
        )
        poll.status = reply.status
        lines = [STATUS_LINES[reply.status]]
        lines += [f"{key}: {value}\r\n" for key, value in reply.headers.items()]
        if reply.status == 200:
            lines.append(f"Content-Length: {len(reply.body)}\r\n")
        poll.prepared = "".join(lines).encode("utf-8")
        if poll.method == b"HEAD" or reply.status == 304:
            poll.body = ""
        else:
            poll.body = "gzipped" if reply.body is rendered.gzipped else "body"
        poll.prepared_for = weakref.ref(rendered)

    def _problem(
        self,
        poll: Poll,
        problem: Problem,
        peer: str,
        started: float,
        allowance: Allowance | None = None,
    ) -> list[bytes]:
        """The problem answer aiohttp's middleware gives (``problem_response``)."""
        body = problem_body(problem, poll.instance)
        lines = [
            f"HTTP/1.1 {problem.status} {HTTPStatus(problem.status).phrase}\r\n",
            f"Content-Type: {PROBLEM_TYPE}\r\n",
        ]
        headers = (
            problem.headers if allowance is None else {**allowance.headers(), **problem.headers}
        )
        lines += [f"{key}: {value}\r\n" for key, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}\r\n")
        status_and_headers = "".join(lines).encode("utf-8") + self._date()
        if poll.method == b"HEAD":
            self._served(poll, peer, started, problem.status, 0)
            return [status_and_headers]
        self._served(poll, peer, started, problem.status, len(body))
        return [status_and_headers, body]

    def _date(self) -> bytes:
        """``Date`` and ``Server`` and the blank line that ends the head, made once a second."""
        second = int(time.time())
        if second != self._date_second:
            self._date_second = second
            date = formatdate(second, usegmt=True)
            self._date_tail = f"Date: {date}\r\n{SERVER_LINE}\r\n".encode()
        return self._date_tail
