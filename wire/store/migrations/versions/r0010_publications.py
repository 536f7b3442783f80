"""Publications: the URLs partners report running a story at, once each.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("partner", _key(), nullable=False),
        sa.Column("url", _key(), nullable=False),
        sa.Column("reported_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guid", "partner", "url", name="pk_publications"),
    )


def downgrade() -> None:
    op.drop_table("publications")
