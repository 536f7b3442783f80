"""Shared fixtures: where ../shared lives (skipping cleanly where absent), the store."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import uvloop

pytest_plugins = ["tests.store_fixtures", "tests.desk_client"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared_dir() -> Path | None:
    candidate = Path(os.environ.get("WIRE_SHARED", ROOT.parent / "shared"))
    return candidate if (candidate / "DESIGN.md").is_file() else None


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (schemas, samples); tests that need it skip without it."""
    path = _shared_dir()
    if path is None:
        if os.environ.get("WIRE_REQUIRE_SHARED"):
            pytest.fail("../shared is absent but WIRE_REQUIRE_SHARED is set (CI)")
        pytest.skip("../shared is absent (set WIRE_SHARED to its path): schemas and samples needed")
    return path


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """asyncio's loop for every test; uvloop too, which ``wire serve`` runs on, for
    tests marked ``both_loops`` (code that touches transports behaves differently)."""
    if item.get_closest_marker("both_loops"):
        return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
    return {"asyncio": asyncio.new_event_loop}
