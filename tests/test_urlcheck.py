"""Callback URL safety: wire calls only public http(s) targets unless the config allows more."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Mapping

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from wire.deliver.retry import send
from wire.errors import UnsafeURL
from wire.net.session import GuardedResolver, RefusedAddress, make_guarded_session, refusal
from wire.net.urlcheck import (
    address_problem,
    check_addresses,
    check_callback,
    check_callback_async,
    parse_target,
)
from wire.store.base import Delivery, DeliveryKind

ipv4 = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)
ipv6 = st.integers(min_value=0, max_value=2**128 - 1).map(ipaddress.IPv6Address)


def in_net(net: str) -> st.SearchStrategy[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    network = ipaddress.ip_network(net)
    first = int(network.network_address)
    return st.integers(first, first + network.num_addresses - 1).map(
        lambda n: ipaddress.ip_address(n) if network.version == 4 else ipaddress.IPv6Address(n)
    )


# -- parse_target: scheme, userinfo, host, port --------------------------------------


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port"),
    [
        ("http://example.com/cb", "http", "example.com", 80),
        ("https://example.com/cb", "https", "example.com", 443),
        ("HTTPS://Example.COM:8443/cb?x=1", "https", "example.com", 8443),
        ("http://[2001:db8::1]:81/", "http", "2001:db8::1", 81),
        ("http://example.com./", "http", "example.com", 80),
    ],
)
def test_parse_target_reads_scheme_host_and_port(
    url: str, scheme: str, host: str, port: int
) -> None:
    target = parse_target(url)
    assert (target.scheme, target.host, target.port) == (scheme, host, port)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "//example.com/cb",
        "http:///cb",
        "http://user:pass@example.com/",
        "http://example.com@evil.example/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "http://exa mple.com/",
    ],
)
def test_parse_target_refuses_anything_but_plain_http_urls(url: str) -> None:
    with pytest.raises(UnsafeURL):
        parse_target(url)


# -- address_problem: the pure classification --------------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_address_problem_names_the_kind_of_address(address: str, problem: str | None) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@given(ipv4)
def test_an_ipv4_mapped_address_is_judged_like_the_ipv4_address(ip: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address("::ffff:" + str(ip))
    assert address_problem(mapped) == address_problem(ip)


@given(ipv4)
def test_a_nat64_address_is_judged_like_the_ipv4_address(ip: ipaddress.IPv4Address) -> None:
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(ip))
    assert address_problem(nat64) == address_problem(ip)


@given(st.one_of(ipv4, ipv6))
def test_only_globally_routable_addresses_pass(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if address_problem(ip) is None:
        assert ip.is_global
        assert not ip.is_multicast


@given(
    st.one_of(
        in_net("127.0.0.0/8"),
        in_net("10.0.0.0/8"),
        in_net("172.16.0.0/12"),
        in_net("192.168.0.0/16"),
        in_net("169.254.0.0/16"),
        in_net("fc00::/7"),
        in_net("fe80::/10"),
    )
)
def test_private_loopback_and_link_local_are_refused_unless_allowed(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    with pytest.raises(UnsafeURL):
        check_addresses("host", [ip], allow_private=False)
    check_addresses("host", [ip], allow_private=True)


@given(st.one_of(in_net("224.0.0.0/4"), in_net("ff00::/8"), st.just(ipaddress.ip_address("::"))))
def test_multicast_and_unspecified_are_refused_even_when_private_is_allowed(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    with pytest.raises(UnsafeURL):
        check_addresses("host", [ip], allow_private=True)


def test_one_unsafe_address_among_several_refuses_the_host() -> None:
    addresses = [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")]
    with pytest.raises(UnsafeURL, match=r"10\.0\.0\.1"):
        check_addresses("mixed.example", addresses, allow_private=False)


def test_a_host_with_no_address_is_refused() -> None:
    with pytest.raises(UnsafeURL):
        check_addresses("nothing.example", [], allow_private=True)


# -- check_callback: literals and names resolved locally -----------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "http://localhost/cb",
        "http://2130706433/cb",  # 127.0.0.1 written as one number
        "http://0x7f000001/cb",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/cb",
    ],
)
def test_check_callback_refuses_loopback_and_metadata_targets(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_callback(url, allow_private=False)


def test_check_callback_allows_loopback_when_configured() -> None:
    check_callback("http://127.0.0.1:8080/cb", allow_private=True)
    check_callback("http://localhost:8080/cb", allow_private=True)


def test_check_callback_accepts_a_public_ip_literal_without_dns() -> None:
    check_callback("https://93.184.216.34/cb", allow_private=False)


def test_check_callback_refuses_a_name_that_does_not_resolve() -> None:
    with pytest.raises(UnsafeURL, match="resolve"):
        check_callback("http://no-such-host.invalid/cb", allow_private=True)


async def test_check_callback_async_agrees_with_the_blocking_check() -> None:
    with pytest.raises(UnsafeURL):
        await check_callback_async("http://localhost/cb", allow_private=False)
    await check_callback_async("http://localhost:9/cb", allow_private=True)
    with pytest.raises(UnsafeURL):
        await check_callback_async("ftp://localhost/cb", allow_private=True)


# -- the guarded session: the address checked is the address connected to ----------------


class FixedResolver(AbstractResolver):
    """A DNS server under the test's control: each name answers with fixed addresses
    (the hostile answer a rebinding attacker would give at connection time)."""

    def __init__(self, answers: Mapping[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.answers:
            raise OSError(f"{host}: no such name")
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.answers[host]
        ]

    async def close(self) -> None:
        return None


REBIND = FixedResolver({"rebind.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.5"]})
PUBLIC_ONLY = FixedResolver({"public.test": ["93.184.216.34", "2606:2800:220:1::1"]})


async def test_the_resolver_refuses_a_name_answering_with_loopback() -> None:
    guarded = GuardedResolver(REBIND, allow_private=False)
    with pytest.raises(RefusedAddress, match="loopback"):
        await guarded.resolve("rebind.test", 80)


async def test_the_resolver_allows_loopback_when_private_targets_are_allowed() -> None:
    guarded = GuardedResolver(REBIND, allow_private=True)
    (answer,) = await guarded.resolve("rebind.test", 80)
    assert answer["host"] == "127.0.0.1"


async def test_the_resolver_refuses_a_name_with_one_private_answer_among_public_ones() -> None:
    guarded = GuardedResolver(REBIND, allow_private=False)
    with pytest.raises(RefusedAddress, match=r"10\.0\.0\.5"):
        await guarded.resolve("mixed.test", 443)


async def test_the_resolver_passes_public_answers_through_unchanged() -> None:
    guarded = GuardedResolver(PUBLIC_ONLY, allow_private=False)
    assert await guarded.resolve("public.test", 443) == await PUBLIC_ONLY.resolve(
        "public.test", 443
    )


def test_a_refusal_is_an_unsafe_url_and_a_connection_error() -> None:
    refused = RefusedAddress("rebind.test resolves to 127.0.0.1, a loopback address")
    assert isinstance(refused, UnsafeURL)
    assert isinstance(refused, OSError)
    assert str(refused) == "rebind.test resolves to 127.0.0.1, a loopback address"


@pytest.fixture
async def local_server() -> AsyncIterator[tuple[TestServer, list[str]]]:
    """A real HTTP server on loopback, and the paths it was asked for."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.Response(text="reached")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, seen
    await server.close()


async def test_the_session_does_not_connect_to_a_name_rebound_to_loopback(
    local_server: tuple[TestServer, list[str]],
) -> None:
    server, seen = local_server
    async with make_guarded_session(allow_private=False, user_agent="t", resolver=REBIND) as http:
        with pytest.raises(aiohttp.ClientConnectorDNSError) as caught:
            await http.get(f"http://rebind.test:{server.port}/hook")
    assert refusal(caught.value) is not None
    assert seen == []


async def test_the_session_reaches_a_loopback_name_when_private_targets_are_allowed(
    local_server: tuple[TestServer, list[str]],
) -> None:
    server, seen = local_server
    async with (
        make_guarded_session(allow_private=True, user_agent="t", resolver=REBIND) as http,
        http.get(f"http://rebind.test:{server.port}/hook") as response,
    ):
        assert await response.text() == "reached"
    assert seen == ["/hook"]


async def test_the_session_refuses_an_ip_literal_the_resolver_never_sees(
    local_server: tuple[TestServer, list[str]],
) -> None:
    server, seen = local_server
    async with make_guarded_session(allow_private=False, user_agent="t", resolver=REBIND) as http:
        with pytest.raises(RefusedAddress, match="loopback"):
            await http.get(f"http://127.0.0.1:{server.port}/hook")
    assert seen == []


async def test_a_push_the_pre_send_check_let_through_dies_at_connection_time(
    local_server: tuple[TestServer, list[str]],
) -> None:
    """The pre-send check saw an allowed answer; the connection-time answer is
    refused, and the delivery is dead at once rather than retried."""
    server, seen = local_server
    delivery = Delivery(
        id="d1",
        kind=DeliveryKind.WEBHOOK,
        target=f"http://localhost:{server.port}/hook",
        body=b"{}",
    )
    async with make_guarded_session(allow_private=False, user_agent="t") as http:
        attempt = await send(http, delivery, time_limit=2.0, allow_private=True)
    assert attempt.permanent
    assert not attempt.ok
    assert attempt.error is not None
    assert attempt.error.startswith("unsafe target:")
    assert seen == []
