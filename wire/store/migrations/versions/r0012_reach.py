"""Reach: which partner received which version of a story by which channel, and
what each acknowledged (kills, corrections).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reach",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("partner", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("channel", _key(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guid", "partner", "version", "channel", name="pk_reach"),
    )
    op.create_table(
        "acks",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("partner", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guid", "partner", name="pk_acks"),
    )


def downgrade() -> None:
    op.drop_table("acks")
    op.drop_table("reach")
