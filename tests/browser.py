"""Debian's Chromium through Playwright, for the tests that look at pages as a
reader or an editor does: where the browser is, how it is started, and a wire
listening on a real port whose ``base_url`` is its own address.

Skips (with the reason) where Chromium or Playwright is not installed; ``.ci/run``
installs both."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it)",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def browser_page(viewport: dict[str, int], *, args: Sequence[str] = ()) -> AsyncIterator[Any]:
    """A fresh page (its own cookies) in a headless Chromium with ``viewport``
    (and more command-line ``args``)."""
    playwright_api = pytest.importorskip(
        "playwright.async_api", reason="needs Playwright (the test extra installs it)"
    )
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *args]
        )
        try:
            context = await browser.new_context(viewport=viewport)
            yield await context.new_page()
        finally:
            await browser.close()
