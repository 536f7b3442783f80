"""Delivery bodies stored once: a feed pushed to a thousand subscribers is one row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_bodies",
        sa.Column(
            "digest", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_delivery_bodies"),
    )
    # Rows queued before keep their own body; new rows name a shared one.
    op.add_column("deliveries", sa.Column("body_digest", sa.Text()))


def downgrade() -> None:
    op.drop_column("deliveries", "body_digest")
    op.drop_table("delivery_bodies")
