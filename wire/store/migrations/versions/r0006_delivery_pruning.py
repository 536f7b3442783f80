"""Delivered rows pruned: the indexes that find old delivered rows and orphan bodies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_body_digest", "deliveries", ["body_digest"])
    op.create_index("ix_deliveries_created", "deliveries", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_index("ix_deliveries_body_digest", table_name="deliveries")
