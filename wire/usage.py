"""Usage per partner and day: requests, bytes and items delivered, per channel.

Counted in memory where each answer is made (the feed shortcut, aiohttp's
requests, pushes) — a dictionary increment, nothing on the way of the answer —
and added to the store's ``usage`` rows in the background
(``Usage.add_usage``, which adds to what every instance added). ``wire usage``
and ``GET /api/v1/usage`` read them back. Days are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

CHANNELS: Final = ("feeds", "stories", "cursor", "queue", "search", "api", "webhook", "websub")
"""Where a partner is served: the feeds, story URLs, the change cursor, queues,
search, the rest of the API, and what is pushed to it."""


@dataclass(frozen=True, slots=True)
class UsageRow:
    partner: str
    day: date
    channel: str
    requests: int
    bytes: int
    items: int


def usage_dict(row: UsageRow) -> dict[str, object]:
    """A row as ``wire usage --json`` and ``GET /api/v1/usage`` give it."""
    return {
        "partner": row.partner,
        "day": row.day.isoformat(),
        "channel": row.channel,
        "requests": row.requests,
        "bytes": row.bytes,
        "items": row.items,
    }


class UsageCounter:
    """What partners used since the last ``take``."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, date, str], list[int]] = {}

    def count(
        self, partner: str, channel: str, *, at: datetime, size: int = 0, items: int = 0
    ) -> None:
        key = (partner, at.date(), channel)
        found = self._counts.get(key)
        if found is None:
            found = self._counts[key] = [0, 0, 0]
        found[0] += 1
        found[1] += size
        found[2] += items

    def items(self, partner: str, day: date, channels: tuple[str, ...]) -> int:
        """Items counted here and not yet flushed, for a partner, day and channels."""
        return sum(self._counts.get((partner, day, c), (0, 0, 0))[2] for c in channels)

    def take(self) -> list[UsageRow]:
        """Everything counted, as rows to add to the store; the counter starts over."""
        counts, self._counts = self._counts, {}
        return [UsageRow(p, d, c, *values) for (p, d, c), values in counts.items()]

    def give_back(self, rows: list[UsageRow]) -> None:
        """Rows the store could not take (it was away): counted again next time."""
        for row in rows:
            key = (row.partner, row.day, row.channel)
            found = self._counts.setdefault(key, [0, 0, 0])
            found[0] += row.requests
            found[1] += row.bytes
            found[2] += row.items
