"""Near duplicates: each story's MinHash fingerprint, its LSH bands, and review holds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("source", _key()),
        sa.Column("scheme", sa.String(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guid", name="pk_fingerprints"),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("band", sa.String(24), nullable=False),
        sa.Column("guid", _key(), nullable=False),
        sa.PrimaryKeyConstraint("band", "guid", name="pk_fingerprint_bands"),
    )
    op.create_index("ix_fingerprint_bands_guid", "fingerprint_bands", ["guid"])
    op.create_table(
        "holds",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("duplicate_of", _key(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("held_at", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(16)),
        sa.Column("decided_at", sa.BigInteger()),
        sa.Column("decided_by", sa.Text()),
        sa.PrimaryKeyConstraint("guid", name="pk_holds"),
    )
    op.create_index("ix_holds_open", "holds", ["decision", "held_at"])


def downgrade() -> None:
    op.drop_index("ix_holds_open", "holds")
    op.drop_table("holds")
    op.drop_index("ix_fingerprint_bands_guid", "fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.drop_table("fingerprints")
