"""Shared fixtures: where ../shared lives (skipping cleanly where absent), the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.store_fixtures"]

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
