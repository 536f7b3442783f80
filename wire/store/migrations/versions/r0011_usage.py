"""Usage: each partner's requests, bytes and items delivered per day and channel.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "usage",
        sa.Column("partner", _key(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", _key(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "channel", name="pk_usage"),
    )


def downgrade() -> None:
    op.drop_table("usage")
