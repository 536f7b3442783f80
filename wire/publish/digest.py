"""Provable completeness: a feed's digest for one reader over a window of time,
so a partner can compare its own copy with what wire delivered and find a gap.

For every story the feed shows the reader (and every removal notice it would be
sent) whose current version was made in ``[start, end)``, the digest lists
``(guid, version, status, sha256)``, the hash taken over the item's canonical
JSON — the story JSON the cursor and queues deliver, without its ``renditions``,
keys sorted, no whitespace, UTF-8 — and one hash over the lines
``guid TAB version TAB status TAB sha256``, sorted by guid. A partner computes
the same from its copy with nothing but a JSON library and SHA-256
(``docs/partner_client.py`` does). The items come from the change cursor itself
(``read_changes``), through the visibility rule, so the digest describes exactly
what the cursor delivers to that reader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wire.config import FeedSpec
from wire.model import Audience, Story
from wire.publish.changes import read_changes
from wire.store.base import Stories
from wire.storyjson import story_to_dict

PAGE = 500


def canonical_sha256(item: dict[str, Any]) -> str:
    """The hash of a delivered item's canonical JSON (``renditions`` left out)."""
    body = {k: v for k, v in item.items() if k != "renditions"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    guid: str
    version: int
    status: str
    sha256: str


def entry_of(story: Story) -> Entry:
    return Entry(
        story.guid, story.version, story.pub_status.value, canonical_sha256(story_to_dict(story))
    )


def digest_of(entries: list[Entry]) -> str:
    """One hash over the entries, in guid order."""
    lines = "".join(
        f"{e.guid}\t{e.version}\t{e.status}\t{e.sha256}\n"
        for e in sorted(entries, key=lambda e: e.guid)
    )
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


async def feed_digest(
    store: Stories,
    spec: FeedSpec,
    audience: Audience,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Entry]:
    """What the cursor delivers this reader for versions made in ``[start, end)``."""
    seq = await store.change_position(start)
    found: dict[str, Entry] = {}
    pending: tuple[tuple[str, int], ...] = ()
    while True:
        stories, seq, pending, more = await read_changes(
            store, spec, audience, seq, pending, PAGE, now=now
        )
        for story in stories:
            made = story.version_created
            if made is not None and start <= made < end:
                found[story.guid] = entry_of(story)
            else:
                found.pop(story.guid, None)  # changed again since: outside the window now
        if not more:
            return list(found.values())
