"""Demo stories shipped with wire, so a new install shows feeds at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from importlib.resources import files

from wire.clock import utcnow
from wire.model import Audience, FeedFilter, Role, Story
from wire.service import Wire
from wire.store.base import Credential
from wire.storyjson import loads
from wire.tokens import hash_token, new_token

DEMO_KEY_NAME = "demo"


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


async def demo_desk_key(wire: Wire) -> str | None:
    """An admin key named ``demo`` when no editor key exists at all (none in the
    config, none stored), so that the desk of a new demo install can be opened;
    the key itself is returned once, only its hash is kept (``wire keys revoke``
    removes it). None when there already is a key: the demo never adds a second."""
    if wire.config.editor_keys:
        return None
    stored = await wire.store.list_credentials()
    if any(c.kind == "editor" for c in stored):
        return None
    key = new_token("wire_ed")
    await wire.store.add_credential(
        Credential(hash_token(key), "editor", DEMO_KEY_NAME, Role.ADMIN, utcnow(), None)
    )
    return key
