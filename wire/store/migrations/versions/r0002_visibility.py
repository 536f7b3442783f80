"""One visibility rule: what earlier versions exposed, withdrawals, ordered pushes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- ``stories.exposure``: the earlier usable versions' facets (``wire.visibility.Exposure``),
  so every channel can tell who could have seen a story that is now killed,
  withheld, re-embargoed or moved; ``stories.withdrawn_at``: when that last
  happened (wall clock), indexed, so feeds find the removals to announce.
- ``sort_time`` of an embargoed story is its release time (``Story.sort_time``).
- ``subscriptions.token_hash``: the token a WebSub subscription was made with.
- ``deliveries.chain``: pushes of one story to one target (or one feed to one
  subscriber) form a chain sent in order; a newer one supersedes an older one.

Existing rows are brought up to date from their version history, replayed
through the same pure functions the store uses for new writes.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("stories", sa.Column("exposure", sa.Text(), nullable=True))
    op.add_column("stories", sa.Column("withdrawn_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_stories_withdrawn_at", "stories", ["withdrawn_at", "guid"])
    op.add_column("subscriptions", sa.Column("token_hash", sa.Text(), nullable=True))
    op.add_column("deliveries", sa.Column("chain", _key(), nullable=True))
    op.create_index("ix_deliveries_chain", "deliveries", ["chain", "state"])
    _backfill()


def _backfill() -> None:
    """Replay each story's versions through the store's own planning functions."""
    from datetime import UTC, datetime, timedelta

    from wire.store.base import Entry
    from wire.store.plan import plan_exposure
    from wire.storyjson import story_from_dict

    bind = op.get_bind()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    versions = sa.table(
        "story_versions",
        sa.column("guid"),
        sa.column("version"),
        sa.column("created_at"),
        sa.column("doc"),
    )
    heads = sa.table(
        "stories",
        sa.column("guid"),
        sa.column("sort_time"),
        sa.column("exposure"),
        sa.column("withdrawn_at"),
    )
    terms = sa.table("story_terms", sa.column("guid"), sa.column("sort_time"))
    rows = bind.execute(
        sa.select(versions.c.guid, versions.c.created_at, versions.c.doc).order_by(
            versions.c.guid, versions.c.version
        )
    )
    entries: dict[str, Entry] = {}
    for guid, created_at, doc in rows:
        at = epoch + timedelta(microseconds=int(created_at))
        story = story_from_dict(json.loads(doc))
        exposure, withdrawn_at = plan_exposure(story, entries.get(guid), at)
        entries[guid] = Entry(story, exposure, withdrawn_at)
    for guid, entry in entries.items():
        sort_time = entry.story.sort_time
        values = {
            "exposure": entry.exposure.to_json(),
            "withdrawn_at": None
            if entry.withdrawn_at is None
            else (entry.withdrawn_at - epoch) // timedelta(microseconds=1),
        }
        if sort_time is not None:
            values["sort_time"] = (sort_time - epoch) // timedelta(microseconds=1)
            bind.execute(
                terms.update().where(terms.c.guid == guid).values(sort_time=values["sort_time"])
            )
        bind.execute(heads.update().where(heads.c.guid == guid).values(**values))


def downgrade() -> None:
    op.drop_index("ix_deliveries_chain", "deliveries")
    op.drop_column("deliveries", "chain")
    op.drop_column("subscriptions", "token_hash")
    op.drop_index("ix_stories_withdrawn_at", "stories")
    op.drop_column("stories", "withdrawn_at")
    op.drop_column("stories", "exposure")
