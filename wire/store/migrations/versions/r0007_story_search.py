"""The editor's desk: each story's review count, its search words and their full-text index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

``stories.reviews`` copies the length of the current version's ``review`` list
out of the document, so "needs review" is a column test. ``story_search`` holds
each story's words as ``wire.store.search`` cuts them, under a full-text index
of each backend's own: an FTS5 table over it on SQLite (external content, kept
by triggers, tokenized only at the spaces the words are joined by), a GIN index
on the words taken as lexemes on PostgreSQL. Existing stories are indexed here,
by the tokenizer of this revision (imported, not copied: a later change to how
words are cut re-indexes in a migration of its own).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from wire.store.search import index_text

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

FTS5_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* Co Cn Cs'"
BATCH = 500


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _texts(doc: dict[str, Any]) -> list[str | None]:
    return [doc.get("headline"), *doc.get("body", ())]


def _fill(bind: sa.Connection) -> None:
    """Every existing story's review count and words, a batch of heads at a time."""
    heads = sa.table(
        "stories",
        sa.column("guid"),
        sa.column("version"),
        sa.column("pub_status"),
        sa.column("doc"),
        sa.column("reviews"),
    )
    versions = sa.table("story_versions", sa.column("guid"), sa.column("version"), sa.column("doc"))
    search = sa.table("story_search", sa.column("guid"), sa.column("words"))
    after = ""
    while True:
        rows = bind.execute(
            sa.select(heads.c.guid, heads.c.version, heads.c.pub_status, heads.c.doc)
            .where(heads.c.guid > after)
            .order_by(heads.c.guid)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].guid
        killed = [(r.guid, r.version - 1) for r in rows if r.pub_status == "canceled"]
        replaced: dict[str, dict[str, Any]] = {}
        for guid, version in killed:
            doc = bind.execute(
                sa.select(versions.c.doc).where(
                    versions.c.guid == guid, versions.c.version == version
                )
            ).scalar()
            if doc is not None:
                replaced[guid] = json.loads(doc)
        counts, found = [], []
        for row in rows:
            doc = json.loads(row.doc)
            texts = _texts(doc)
            if row.guid in replaced:
                texts += _texts(replaced[row.guid])
            counts.append({"key": row.guid, "reviews": len(doc.get("review", ()))})
            found.append({"guid": row.guid, "words": index_text(texts).replace("\x00", "\ufffd")})
        bind.execute(
            sa.update(heads)
            .where(heads.c.guid == sa.bindparam("key"))
            .values(reviews=sa.bindparam("reviews")),
            counts,
        )
        bind.execute(sa.insert(search), found)


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("stories", sa.Column("reviews", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_stories_desk", "stories", ["sort_time", "guid"])
    op.create_table(
        "story_search",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guid", _key(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_story_search"),
        sa.UniqueConstraint("guid", name="uq_story_search_guid"),
        sa.ForeignKeyConstraint(
            ["guid"], ["stories.guid"], name="fk_story_search_guid_stories", ondelete="CASCADE"
        ),
    )
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE story_search_fts USING fts5(words, content='story_search',"
            f" content_rowid='id', tokenize=\"{FTS5_TOKENIZER}\")"
        )
        op.execute(
            "CREATE TRIGGER story_search_ai AFTER INSERT ON story_search BEGIN"
            " INSERT INTO story_search_fts(rowid, words) VALUES (new.id, new.words); END"
        )
        op.execute(
            "CREATE TRIGGER story_search_ad AFTER DELETE ON story_search BEGIN"
            " INSERT INTO story_search_fts(story_search_fts, rowid, words)"
            " VALUES ('delete', old.id, old.words); END"
        )
        op.execute(
            "CREATE TRIGGER story_search_au AFTER UPDATE ON story_search BEGIN"
            " INSERT INTO story_search_fts(story_search_fts, rowid, words)"
            " VALUES ('delete', old.id, old.words);"
            " INSERT INTO story_search_fts(rowid, words) VALUES (new.id, new.words); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_story_search_words ON story_search"
            " USING gin (array_to_tsvector(string_to_array(words, ' ')))"
        )
    _fill(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("story_search_au", "story_search_ad", "story_search_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS story_search_fts")
    op.drop_table("story_search")
    op.drop_index("ix_stories_desk", table_name="stories")
    op.drop_column("stories", "reviews")
