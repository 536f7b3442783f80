"""The one place wire asks what time it is, so tests can pass their own clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
