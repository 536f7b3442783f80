"""Initial schema: stories and their versions, raw archive, credentials, WebSub, deliveries.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Spelled out column by column rather than taken from ``wire.store.tables`` so that
later changes to the tables module never rewrite history. Instants are BIGINT
microseconds since the epoch (see ``wire.store.tables.Instant``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.BigInteger:
    return sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
        [{"name": "change_seq", "value": 0}, {"name": "delivery_seq", "value": 0}],
    )

    op.create_table(
        "stories",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("pub_status", sa.String(16), nullable=False),
        sa.Column("sort_time", _instant(), nullable=False),
        sa.Column("version_created", _instant(), nullable=False),
        sa.Column("embargoed_until", _instant(), nullable=True),
        sa.Column("source", _key(), nullable=True),
        sa.Column("language", _key(), nullable=True),
        sa.Column("provider", _key(), nullable=True),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("guid", name="pk_stories"),
        sa.UniqueConstraint("seq", name="uq_stories_seq"),
    )
    op.create_index("ix_stories_feed", "stories", ["pub_status", "sort_time", "guid"])
    for column in ("source", "language", "provider"):
        op.create_index(
            f"ix_stories_{column}_feed", "stories", [column, "pub_status", "sort_time", "guid"]
        )
    op.create_index("ix_stories_embargo", "stories", ["pub_status", "embargoed_until"])
    op.create_index("ix_stories_changed", "stories", ["pub_status", "version_created"])

    op.create_table(
        "story_terms",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("term", _key(), nullable=False),
        sa.Column("pub_status", sa.String(16), nullable=False),
        sa.Column("sort_time", _instant(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guid"], ["stories.guid"], name="fk_story_terms_guid_stories", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("guid", "kind", "term", name="pk_story_terms"),
    )
    op.create_index(
        "ix_story_terms_feed", "story_terms", ["kind", "term", "pub_status", "sort_time", "guid"]
    )

    op.create_table(
        "story_versions",
        sa.Column("guid", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pub_status", sa.String(16), nullable=False),
        sa.Column("version_created", _instant(), nullable=False),
        sa.Column("raw_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("guid", "version", name="pk_story_versions"),
    )
    op.create_index("ix_story_versions_raw", "story_versions", ["raw_sha256"])

    op.create_table(
        "raw_inputs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received_at", _instant(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name="pk_raw_inputs"),
    )

    op.create_table(
        "ingest_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("raw_sha256", sa.String(64), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_failures"),
    )
    op.create_index("ix_ingest_failures_at", "ingest_failures", ["at"])

    op.create_table(
        "credentials",
        sa.Column("token_hash", _key(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("created_at", _instant(), nullable=True),
        sa.Column("expires_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_credentials"),
    )

    op.create_table(
        "subscriptions",
        sa.Column("topic", _key(), nullable=False),
        sa.Column("callback", _key(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("created_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("topic", "callback", name="pk_subscriptions"),
    )

    op.create_table(
        "deliveries",
        sa.Column("id", _key(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _instant(), nullable=True),
        sa.Column("enqueued", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])

    op.create_table(
        "source_states",
        sa.Column("name", _key(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_success", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _instant(), nullable=True),
        sa.Column("next_run", _instant(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("items_stored", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_source_states"),
    )


def downgrade() -> None:
    for table in (
        "source_states",
        "deliveries",
        "subscriptions",
        "credentials",
        "ingest_failures",
        "raw_inputs",
        "story_versions",
        "story_terms",
        "stories",
        "counters",
    ):
        op.drop_table(table)
