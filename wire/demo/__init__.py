"""Demo stories shipped with wire, so a new install shows feeds at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from importlib.resources import files

from wire.model import Audience, FeedFilter, Story
from wire.service import Wire
from wire.storyjson import loads


async def load_demo(wire: Wire) -> int:
    """Store the demo stories when the store is empty; returns how many were stored.

    Their times are shifted so the newest is an hour old: a demo feed looks live."""
    everyone = Audience(name="demo", embargo_rights=True)
    now = wire.clock()
    if await wire.store.latest(FeedFilter(), audience=everyone, now=now, limit=1):
        return 0
    stories = [
        loads(f.read_text(encoding="utf-8"))
        for f in sorted(files(__package__).iterdir(), key=lambda f: f.name)
        if f.name.endswith(".json")
    ]
    newest = max((s.published_at for s in stories if s.published_at), default=now)
    shift = (now - timedelta(hours=1)) - newest
    stored = 0
    for story in stories:
        story = _shifted(story, shift)
        result = await wire.save(story)
        stored += result.changed
    return stored


def _shifted(story: Story, shift: timedelta) -> Story:
    def move(value: datetime | None) -> datetime | None:
        return value + shift if value else None

    return replace(
        story,
        published_at=move(story.published_at),
        first_created=move(story.first_created),
        version_created=move(story.version_created),
        embargoed_until=move(story.embargoed_until),
    )
