"""Callback URL safety: which URLs wire agrees to call on a stranger's behalf.

WebSub subscribers and webhook partners hand wire a URL that wire will later
request from inside the agency's network. Without a check that is a server-side
request forgery hole: ``http://169.254.169.254/`` (cloud metadata),
``http://localhost:5432/`` or ``http://10.0.0.5/admin``. The check has a pure part
(``parse_target``, ``address_problem``, ``check_addresses``) and a DNS part that
resolves the host and checks every address it resolves to; an address that
embeds an IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo) is judged by the
IPv4 address it carries.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from wire.errors import UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = {"http": 80, "https": 443}
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598

# Kinds of address that ``allow_private`` permits (tests, a private deployment).
# Unspecified, multicast, broadcast and reserved space are never callable targets.
PRIVATE_KINDS = frozenset({"loopback", "private", "link-local", "shared", "site-local"})

__all__ = [
    "Target",
    "address_problem",
    "check_addresses",
    "check_callback",
    "check_callback_async",
    "embedded_ipv4",
    "parse_target",
]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL points: scheme, host (an IP literal or a DNS name) and port."""

    scheme: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """The URL's target, refusing anything but plain ``http(s)://host[:port]/…``.

    Userinfo is refused because ``http://good.example@evil/`` misleads a reader
    about where the request goes, and because wire never sends credentials this way."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"{url!r} is not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UnsafeURL(f"{url!r}: only http and https callbacks are allowed")
    if "@" in parts.netloc:
        raise UnsafeURL(f"{url!r}: user information in a callback URL is not allowed")
    host = parts.hostname
    if not host:
        raise UnsafeURL(f"{url!r}: no host")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UnsafeURL(f"{url!r}: whitespace or control characters")
    return Target(scheme, host.rstrip(".") or host, port or SCHEMES[scheme])


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (and routes to), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why wire must not call this address (``loopback``, ``private``, …), or None.

    Only globally routable unicast addresses are fine; an IPv6 address embedding
    an IPv4 address is as good as the IPv4 address it embeds."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        return address_problem(inner)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in SHARED:
        return "shared"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def check_addresses(host: str, addresses: Iterable[IPAddress], *, allow_private: bool) -> None:
    """Refuse the host unless every address it resolves to may be called.

    Every address, not just the first: a name resolving to one public and one
    private address could be connected to either."""
    found = False
    for ip in addresses:
        found = True
        problem = address_problem(ip)
        if problem is None or (allow_private and problem in PRIVATE_KINDS):
            continue
        raise UnsafeURL(f"{host} resolves to {ip}, a {problem} address")
    if not found:
        raise UnsafeURL(f"{host} does not resolve to any address")


def _checked_literal(target: Target, *, allow_private: bool) -> bool:
    """True when the host is an IP literal, checked here (no DNS); False for a name."""
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        return False
    check_addresses(target.host, [literal], allow_private=allow_private)
    return True


def _addresses(infos: Iterable[tuple[object, ...]]) -> list[IPAddress]:
    out: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        out.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return out


def check_callback(url: str, *, allow_private: bool) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is an http(s) URL whose host resolves only
    to addresses wire may call. Blocking (DNS): use ``check_callback_async`` on the loop."""
    target = parse_target(url)
    if _checked_literal(target, allow_private=allow_private):
        return
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"{target.host} does not resolve: {exc}") from exc
    check_addresses(target.host, _addresses(infos), allow_private=allow_private)


async def check_callback_async(url: str, *, allow_private: bool) -> None:
    """``check_callback`` with the event loop's resolver, for use inside the server."""
    target = parse_target(url)
    if _checked_literal(target, allow_private=allow_private):
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"{target.host} does not resolve: {exc}") from exc
    check_addresses(target.host, _addresses(infos), allow_private=allow_private)
