"""Desk sessions: an editor signed in at ``/desk``, by the hash of the session's
secret, tied to the key it was opened with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "desk_sessions",
        sa.Column("session_hash", _key(), nullable=False),
        sa.Column("key_hash", _key(), nullable=False),
        sa.Column("editor", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_hash", name="pk_desk_sessions"),
    )
    op.create_index("ix_desk_sessions_expires_at", "desk_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_desk_sessions_expires_at", "desk_sessions")
    op.drop_table("desk_sessions")
