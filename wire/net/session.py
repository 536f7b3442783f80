"""The guarded HTTP client for requests to URLs strangers chose: pushes, polls of
upstream sources and every redirect they lead to, full-page fetches.

``check_callback_async`` checks a URL's addresses before wire sends to it, but
the client resolves the name again when it connects: a hostile DNS server can
answer the check with a public address and the connection with a private one
(DNS rebinding). This session closes that window where it opens, in the
resolver: ``GuardedResolver`` refuses any answer ``address_problem`` objects to,
so the address checked is the address connected to. aiohttp does not consult the
resolver for IP literals, so every request also checks a literal host as it
starts. That hook does not see redirects aiohttp follows itself, so callers use
``allow_redirects=False`` (a redirect followed by hand is a new request, checked).

A refusal is a ``RefusedAddress``: an ``UnsafeURL`` (wire's own verdict) that
is also an ``OSError``, so aiohttp reports it from the resolver as a
``ClientConnectorDNSError`` whose ``os_error`` is the refusal, and callers that
already treat connection failures as failed attempts keep working.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from types import SimpleNamespace

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from wire.errors import UnsafeURL
from wire.net.urlcheck import check_addresses

__all__ = ["GuardedResolver", "RefusedAddress", "make_guarded_session", "refusal"]

PUSH_TIMEOUT = 30.0  # seconds; each request sets its own, shorter limit


class RefusedAddress(UnsafeURL, OSError):
    """A host resolved to (or is) an address wire must not call."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EACCES, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def refusal(exc: BaseException) -> RefusedAddress | None:
    """The guard's refusal behind a client error, if that is what it was."""
    if isinstance(exc, RefusedAddress):
        return exc
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, RefusedAddress):
        return exc.os_error
    return None


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner`` and refuses the host unless every address it
    returns may be called (private and loopback ones only when ``allow_private``).

    Every address, not only the one used: the connector may try any of them."""

    def __init__(
        self,
        inner: AbstractResolver,
        *,
        allow_private: bool,
        allow_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self.inner = inner
        self.allow_private = allow_private
        self.allow_hosts = allow_hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self.inner.resolve(host, port, family)
        if _trusted(host, self.allow_hosts):
            return answers
        addresses = [ipaddress.ip_address(a["host"].split("%", 1)[0]) for a in answers]
        try:
            check_addresses(host, addresses, allow_private=self.allow_private)
        except UnsafeURL as exc:
            raise RefusedAddress(str(exc)) from exc
        return answers

    async def close(self) -> None:
        await self.inner.close()


def _trusted(host: str, allow_hosts: frozenset[str]) -> bool:
    """A host the operator named as allowed although it is private (an intranet feed)."""
    return host.rstrip(".").lower() in allow_hosts


def _literal_guard(allow_private: bool, allow_hosts: frozenset[str]) -> aiohttp.TraceConfig:
    """A request hook refusing IP-literal hosts the resolver never sees."""

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        host = params.url.raw_host or ""
        if _trusted(host, allow_hosts):
            return
        try:
            literal = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: the resolver checks it
        try:
            check_addresses(host, [literal], allow_private=allow_private)
        except UnsafeURL as exc:
            raise RefusedAddress(str(exc)) from exc

    guard = aiohttp.TraceConfig()
    guard.on_request_start.append(on_request_start)
    return guard


def make_guarded_session(
    *,
    allow_private: bool,
    user_agent: str,
    allow_hosts: frozenset[str] = frozenset(),
    resolver: AbstractResolver | None = None,
    timeout: float = PUSH_TIMEOUT,
) -> aiohttp.ClientSession:
    """A client session that can only reach addresses wire may call on a stranger's
    behalf: ``allow_private`` lets private ones through (tests, a private
    deployment), ``allow_hosts`` names hosts (lower-case names or IP literals)
    that may be private although others may not. Never reads proxy settings from
    the environment: a proxy would resolve the name itself, out of the guard's
    sight. ``resolver`` is the inner resolver (tests)."""
    hosts = frozenset(h.rstrip(".").lower() for h in allow_hosts)
    guarded = GuardedResolver(
        resolver or DefaultResolver(), allow_private=allow_private, allow_hosts=hosts
    )
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=guarded),
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": user_agent},
        trace_configs=[_literal_guard(allow_private, hosts)],
        trust_env=False,
    )
