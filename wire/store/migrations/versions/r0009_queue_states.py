"""Queues with receipts: one row per (partner, feed, consumer) holding where the
consumer is in the feed's changes and what it has not acknowledged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "queue_states",
        sa.Column("partner", _key(), nullable=False),
        sa.Column("feed", _key(), nullable=False),
        sa.Column("consumer", _key(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "feed", "consumer", name="pk_queue_states"),
    )


def downgrade() -> None:
    op.drop_table("queue_states")
