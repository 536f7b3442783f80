"""Who is asking, behind reverse proxies: the client address a request's rate
limit and access log go by.

A connection from an address in ``server.trusted_proxies`` (networks, e.g.
``127.0.0.1/32`` for an nginx on the same host) carries the client's address in
``Forwarded`` (RFC 7239) or, failing that, ``X-Forwarded-For``; each proxy
appends the address it received the request from. The client is the rightmost
address that is not itself a trusted proxy — addresses further left were written
by whoever sent the request and prove nothing. A connection from anywhere else is
its own client, whatever its headers claim, so the headers cannot be spoofed to
borrow another client's allowance.

Written here rather than with aiohttp-remotes: its middleware rewrites
aiohttp's request, and the feed shortcut (``wire.web.shortcut``) answers polls
without one; the rule is a pure function both call with the same headers. Pure:
header values in, an address out; a malformed header is ignored (the peer
answers for itself), never an error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def trusted_networks(specs: tuple[str, ...]) -> tuple[Network, ...]:
    """``server.trusted_proxies`` as networks (a bare address is a /32 or /128),
    worked out once per config. Raises ``ValueError`` for a value that is not one."""
    return tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs)


def _address(value: str) -> Address | None:
    """One node of a forwarding chain as an address: ``203.0.113.7``,
    ``203.0.113.7:4711``, ``[2001:db8::1]:4711``, ``"[2001:db8::1]"``; None for
    ``unknown``, obfuscated identifiers (``_hidden``) and anything malformed."""
    node = value.strip().strip('"').strip()
    if node.startswith("["):
        node = node[1:].partition("]")[0]
    elif node.count(":") == 1:
        node = node.partition(":")[0]
    try:
        return ipaddress.ip_address(node)
    except ValueError:
        return None


def _forwarded_for(header: str) -> list[Address | None]:
    """The ``for=`` of each element of an RFC 7239 ``Forwarded`` header, in order
    (None where an element has none or an unusable one)."""
    chain: list[Address | None] = []
    for element in header.split(","):
        found: Address | None = None
        for pair in element.split(";"):
            name, _, value = pair.partition("=")
            if name.strip().lower() == "for":
                found = _address(value)
        chain.append(found)
    return chain


def _x_forwarded_for(header: str) -> list[Address | None]:
    return [_address(part) for part in header.split(",")]


@lru_cache(maxsize=4096)
def _client(peer: str, forwarded: str, x_forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    peer_address = _address(peer)
    if peer_address is None or not is_trusted(peer_address):
        return peer
    if forwarded:
        chain = _forwarded_for(forwarded)
    elif x_forwarded_for:
        chain = _x_forwarded_for(x_forwarded_for)
    else:
        return peer
    for node in reversed(chain):
        if node is None:
            return peer  # a node we cannot read: trust stops at the proxy we know
        if not is_trusted(node):
            return str(node)
    return str(chain[0]) if chain and chain[0] is not None else peer


def client_address(peer: str, headers: Mapping[str, str], trusted: Sequence[Network]) -> str:
    """The address a request counts as coming from (``headers`` looked up in lower
    case: aiohttp's are case-insensitive, the shortcut keeps them lower-cased).
    Without trusted proxies configured, the connection's peer, at no cost."""
    if not trusted:
        return peer
    return _client(
        peer,
        headers.get("forwarded", ""),
        headers.get("x-forwarded-for", ""),
        tuple(trusted),
    )
