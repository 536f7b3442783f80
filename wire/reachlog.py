"""Kill reach, as it happens: which partner received which version of a story, by
which channel — the cursor, a queue acknowledgement, a delivered webhook, a story
URL, a feed rendering it was sent (a poll answered ``200``, not ``304``: a 304 is
what it had already; or a WebSub notification of its topic).

Recorded where each answer is made, in memory (a set insert: nothing on the way
of the answer), and written in the background (``Reach.add_reached``, each row
once). A feed rendering is kept as (partner, ETag) and resolved, when written,
to the versions that rendering showed (``Publisher.contents``): a poll costs no
more than remembering one pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wire.formats.printed import CORRECTION_SIGNAL
from wire.model import PubStatus, Story
from wire.store.base import Acknowledged, Reached

Contents = Callable[[str], tuple[tuple[str, int], ...] | None]
"""A rendering's ETag → the (guid, version) pairs it showed (None: forgotten)."""


class ReachLog:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, int, str], Reached] = {}
        self._fetched: dict[tuple[str, str], datetime] = {}

    def reached(self, partner: str, guid: str, version: int, channel: str, at: datetime) -> None:
        key = (guid, partner, version, channel)
        if key not in self._rows:
            self._rows[key] = Reached(guid, partner, version, channel, at)

    def fetched(self, partner: str, etag: str, at: datetime) -> None:
        """A feed rendering (by its ETag) was sent to a partner."""
        self._fetched.setdefault((partner, etag), at)

    def take(self, contents: Contents) -> list[Reached]:
        """Every row recorded since the last ``take``, feed renderings resolved."""
        rows, self._rows = self._rows, {}
        fetched, self._fetched = self._fetched, {}
        for (partner, etag), at in fetched.items():
            for guid, version in contents(etag) or ():
                rows.setdefault(
                    (guid, partner, version, "feed"), Reached(guid, partner, version, "feed", at)
                )
        return list(rows.values())

    def give_back(self, rows: list[Reached]) -> None:
        for row in rows:
            self._rows.setdefault((row.guid, row.partner, row.version, row.channel), row)


@dataclass(frozen=True, slots=True)
class PartnerReach:
    """What one partner received of a story and whether it still owes an
    acknowledgement: the story's current version is a kill or a correction, the
    partner had an earlier version, and it has not acknowledged the current one."""

    partner: str
    received: dict[int, tuple[str, ...]]  # version → the channels it came by
    acknowledged: int | None
    outstanding: bool


def reach_of(story: Story, reached: list[Reached], acks: list[Acknowledged]) -> list[PartnerReach]:
    """Pure: each partner's reach of ``story`` (its current version), by name."""
    received: dict[str, dict[int, list[str]]] = {}
    for row in reached:
        received.setdefault(row.partner, {}).setdefault(row.version, []).append(row.channel)
    acked = {a.partner: a.version for a in acks}
    owed = story.pub_status is PubStatus.CANCELED or CORRECTION_SIGNAL in story.signals
    out = []
    for partner in sorted(received.keys() | acked.keys()):
        versions = received.get(partner, {})
        had_earlier = any(v < story.version for v in versions)
        outstanding = owed and had_earlier and acked.get(partner, 0) < story.version
        out.append(
            PartnerReach(
                partner,
                {v: tuple(sorted(c)) for v, c in sorted(versions.items())},
                acked.get(partner),
                outstanding,
            )
        )
    return out
