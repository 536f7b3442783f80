"""The client address behind reverse proxies: trusted proxies name the client in
``Forwarded`` or ``X-Forwarded-For``; anyone else is their own client, whatever
their headers say. The rate limit goes by it on aiohttp's path and the shortcut."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.feed_server import ClientFactory, make_config, serving
from wire.config import parse_config
from wire.errors import ConfigError
from wire.web.proxies import client_address, trusted_networks

NGINX = trusted_networks(("127.0.0.1", "10.0.0.0/8"))


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    headers = {"x-forwarded-for": "203.0.113.7"}
    assert client_address("127.0.0.1", headers, ()) == "127.0.0.1"


def test_a_trusted_proxy_names_the_client_in_x_forwarded_for() -> None:
    headers = {"x-forwarded-for": "203.0.113.7"}
    assert client_address("127.0.0.1", headers, NGINX) == "203.0.113.7"


def test_the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() -> None:
    headers = {"x-forwarded-for": "198.51.100.1, 203.0.113.7, 10.1.2.3"}
    assert client_address("127.0.0.1", headers, NGINX) == "203.0.113.7"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    headers = {"x-forwarded-for": "203.0.113.7", "forwarded": "for=203.0.113.7"}
    assert client_address("192.0.2.50", headers, NGINX) == "192.0.2.50"


def test_forwarded_is_read_as_rfc_7239_and_wins_over_x_forwarded_for() -> None:
    headers = {
        "forwarded": 'for=198.51.100.9;proto=https, for="[2001:db8::7]:4711";by=10.0.0.1',
        "x-forwarded-for": "192.0.2.1",
    }
    assert client_address("10.0.0.1", headers, NGINX) == "2001:db8::7"


def test_an_address_with_a_port_is_the_address() -> None:
    assert client_address("127.0.0.1", {"forwarded": "for=203.0.113.7:5000"}, NGINX) == (
        "203.0.113.7"
    )


@pytest.mark.parametrize("value", ["unknown", "for=_hidden", "garbage;;", "for="])
def test_an_unreadable_forwarded_node_leaves_the_proxy_as_the_client(value: str) -> None:
    headers = {"forwarded": value if "=" in value else f"for={value}"}
    assert client_address("127.0.0.1", headers, NGINX) == "127.0.0.1"


def test_a_chain_of_only_trusted_proxies_names_its_first_address() -> None:
    headers = {"x-forwarded-for": "10.9.9.9, 10.1.1.1"}
    assert client_address("127.0.0.1", headers, NGINX) == "10.9.9.9"


@given(
    peer=st.ip_addresses(v=4).filter(lambda a: not a.is_loopback and a not in NGINX[1]),
    header=st.text(max_size=80),
)
def test_headers_never_change_who_an_untrusted_peer_is(
    peer: ipaddress.IPv4Address, header: str
) -> None:
    headers = {"forwarded": header, "x-forwarded-for": header}
    assert client_address(str(peer), headers, NGINX) == str(peer)


@given(header=st.text(max_size=120))
def test_any_header_from_a_trusted_proxy_gives_an_address(header: str) -> None:
    found = client_address("127.0.0.1", {"x-forwarded-for": header}, NGINX)
    ipaddress.ip_address(found)  # an address, never the header's raw text


def test_a_trusted_proxy_that_is_not_a_network_is_a_config_error(tmp_path: Path) -> None:
    raw = {"server": {"data_dir": str(tmp_path), "trusted_proxies": ["10.0.0.0/8", "nginx"]}}
    with pytest.raises(ConfigError, match=r"server.trusted_proxies\[1\].*'nginx'"):
        parse_config(raw, base_dir=tmp_path, env={})


# over HTTP: the rate limit goes by the client behind the proxy ------------------------


@pytest.fixture(params=["aiohttp", "shortcut"])
async def behind_nginx(
    aiohttp_client: ClientFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> TestClient[Any, Any]:
    config = make_config(tmp_path, rate_limit_per_minute=5, trusted_proxies=["127.0.0.1"])
    return await serving(aiohttp_client, config, shortcut=request.param == "shortcut")


async def test_each_client_behind_a_trusted_proxy_has_its_own_allowance(
    behind_nginx: TestClient[Any, Any],
) -> None:
    statuses = []
    for client in range(40):
        for _ in range(3):
            forwarded = {"X-Forwarded-For": f"203.0.113.{client}"}
            statuses.append((await behind_nginx.get("/feeds/all.rss", headers=forwarded)).status)
    assert set(statuses) == {200}


async def test_one_client_behind_a_trusted_proxy_is_still_limited(
    behind_nginx: TestClient[Any, Any],
) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.99"}
    statuses = [
        (await behind_nginx.get("/feeds/all.rss", headers=forwarded)).status for _ in range(8)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3


async def test_without_trusted_proxies_forwarded_addresses_share_the_proxys_allowance(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config = make_config(tmp_path, rate_limit_per_minute=5)
    client = await serving(aiohttp_client, config, shortcut=True)
    statuses = [
        (await client.get("/feeds/all.rss", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
        for i in range(8)
    ]
    assert statuses.count(429) == 3
