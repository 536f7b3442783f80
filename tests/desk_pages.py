"""Helpers for tests that use the editors' desk as a browser would, over HTTP:
sign in with a key, read a page's CSRF token and hidden fields, post its forms."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.desk_client import Client

SAMPLE_NAME = "mina-russia-recognizes-taliban"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page, by name (the last one of a name wins)."""
    return {name: unescape(value) for name, value in _HIDDEN.findall(html)}


def csrf_of_page(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: Client, key: str, *, follow: bool = False) -> Any:
    """Sign in through the form, as a browser does: the form's token, then the key."""
    form = await client.get("/desk/sign-in")
    token = hidden_fields(await form.text())["token"]
    return await client.post(
        "/desk/sign-in",
        data={"token": token, "key": key, "next": "/desk"},
        allow_redirects=follow,
    )


async def desk_csrf(client: Client) -> str:
    """The signed-in session's CSRF token, read off the inbox."""
    page = await client.get("/desk")
    assert page.status == 200, await page.text()
    return csrf_of_page(await page.text())


async def preview(client: Client, copy: str, *, source: str = "agency", **fields: str) -> Any:
    csrf = await desk_csrf(client)
    data = {"csrf": csrf, "copy": copy, "source": source, "format": "auto", **fields}
    return await client.post("/desk/preview", data=data)
