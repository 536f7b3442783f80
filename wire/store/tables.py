"""The store's tables as SQLAlchemy Core metadata, portable across SQLite and PostgreSQL.

Instants are stored as integer microseconds since the Unix epoch (``Instant``): the
same column type, ordering and exact UTC round trip on both backends, with no
driver-specific timezone handling. Identifiers sort bytewise on both (``C``
collation on PostgreSQL) so keyset paging agrees between backends.

``stories`` is the head table, one row per guid, with the columns feed queries
filter and order by copied out of the JSON document, so that
``ORDER BY sort_time DESC LIMIT n`` walks an index instead of sorting every story.
``story_versions`` is append-only and keeps every version's document.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from wire.errors import StoreError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    """An aware instant as integer microseconds since the epoch; naive values are refused
    because guessing their zone would silently shift stories in time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"naive datetime {value.isoformat()} cannot be stored: give it a zone")
    return (value - EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    return EPOCH + value * _MICRO


class Instant(TypeDecorator[datetime]):
    """An aware UTC ``datetime`` kept as a BIGINT of microseconds since the epoch."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(int(value))


def _key() -> Text:
    """Text compared bytewise on both backends (PostgreSQL's default collation
    would order guids differently from SQLite's BINARY)."""
    return Text().with_variant(Text(collation="C"), "postgresql")


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

stories = Table(
    "stories",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("pub_status", String(16), nullable=False),
    Column("sort_time", Instant, nullable=False),
    Column("version_created", Instant, nullable=False),
    Column("embargoed_until", Instant),
    Column("source", _key()),
    Column("language", _key()),
    Column("provider", _key()),
    Column("doc", Text, nullable=False),
    Column("exposure", Text),  # wire.visibility.Exposure as JSON; NULL: never seen
    Column("withdrawn_at", Instant),
    Column("reviews", Integer, nullable=False, server_default="0"),  # len(story.review)
)
Index("ix_stories_desk", stories.c.sort_time, stories.c.guid)  # the desk's list, newest first
Index("ix_stories_withdrawn_at", stories.c.withdrawn_at, stories.c.guid)
Index("ix_stories_feed", stories.c.pub_status, stories.c.sort_time, stories.c.guid)
Index(
    "ix_stories_source_feed",
    stories.c.source,
    stories.c.pub_status,
    stories.c.sort_time,
    stories.c.guid,
)
Index(
    "ix_stories_language_feed",
    stories.c.language,
    stories.c.pub_status,
    stories.c.sort_time,
    stories.c.guid,
)
Index(
    "ix_stories_provider_feed",
    stories.c.provider,
    stories.c.pub_status,
    stories.c.sort_time,
    stories.c.guid,
)
Index("ix_stories_embargo", stories.c.pub_status, stories.c.embargoed_until)
Index("ix_stories_changed", stories.c.pub_status, stories.c.version_created)

story_terms = Table(
    "story_terms",
    metadata,
    Column(
        "guid",
        _key(),
        ForeignKey("stories.guid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(8), primary_key=True),  # subject · keyword
    Column("term", _key(), primary_key=True),
    Column("pub_status", String(16), nullable=False),
    Column("sort_time", Instant, nullable=False),
)
Index(
    "ix_story_terms_feed",
    story_terms.c.kind,
    story_terms.c.term,
    story_terms.c.pub_status,
    story_terms.c.sort_time,
    story_terms.c.guid,
)

story_search = Table(
    "story_search",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "guid",
        _key(),
        ForeignKey("stories.guid", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("words", Text, nullable=False),
)
"""The words of each story's current version (``wire.store.search``), space-separated.

Found through a full-text index over ``words``: on SQLite the FTS5 table
``story_search_fts`` (external content, rowid ``id``, kept by triggers), on
PostgreSQL a GIN index on ``array_to_tsvector(string_to_array(words, ' '))``;
both are made by migration 0007, not by this metadata. ``id`` is the stable
integer key FTS5 needs (an ``INTEGER PRIMARY KEY`` keeps its value through VACUUM)."""

STORY_SEARCH_FTS = "story_search_fts"
PG_SEARCH_VECTOR = "array_to_tsvector(string_to_array(story_search.words, ' '))"
"""The expression PostgreSQL's GIN index is built on; a query must spell it the same."""

story_versions = Table(
    "story_versions",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("pub_status", String(16), nullable=False),
    Column("version_created", Instant, nullable=False),
    Column("raw_sha256", String(64)),
    Column("created_at", Instant, nullable=False),
    Column("doc", Text, nullable=False),
)
Index("ix_story_versions_raw", story_versions.c.raw_sha256)

raw_inputs = Table(
    "raw_inputs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("received_at", Instant, nullable=False),
    Column("source", Text()),
    Column("name", Text),
    Column("media_type", Text()),
)

ingest_failures = Table(
    "ingest_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("raw_sha256", String(64)),
    Column("source", Text()),
    Column("name", Text),
    Column("reason", Text, nullable=False),
    Column("at", Instant, nullable=False),
)
Index("ix_ingest_failures_at", ingest_failures.c.at)

credentials = Table(
    "credentials",
    metadata,
    Column("token_hash", _key(), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("subject", Text(), nullable=False),
    Column("role", String(32)),
    Column("created_at", Instant),
    Column("expires_at", Instant),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("topic", _key(), primary_key=True),
    Column("callback", _key(), primary_key=True),
    Column("expires_at", Instant, nullable=False),
    Column("secret", Text),
    Column("audience", Text(), nullable=False),
    Column("created_at", Instant),
    Column("token_hash", Text),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("target", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),  # JSON object
    Column("subject", Text(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Instant),
    Column("last_error", Text),
    Column("state", String(16), nullable=False),
    Column("created_at", Instant),
    Column("enqueued", BigInteger, nullable=False),  # insertion order, for "oldest first"
    Column("chain", _key()),
    # When set, the body is ``delivery_bodies.body`` of this digest (and ``body`` is
    # empty): a change fanned out to many subscribers stores its body once.
    Column("body_digest", Text),
)
Index("ix_deliveries_due", deliveries.c.state, deliveries.c.next_attempt_at)
Index("ix_deliveries_body_digest", deliveries.c.body_digest)  # bodies still referred to
Index("ix_deliveries_created", deliveries.c.state, deliveries.c.created_at)  # pruning

delivery_bodies = Table(
    "delivery_bodies",
    metadata,
    Column("digest", _key(), primary_key=True),  # sha256 hex of the body
    Column("body", LargeBinary, nullable=False),
)
Index("ix_deliveries_chain", deliveries.c.chain, deliveries.c.state)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("editor", _key(), primary_key=True),
    Column("key", _key(), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("headers", Text, nullable=False),  # JSON object
    Column("body", LargeBinary, nullable=False),
    Column("created_at", Instant, nullable=False),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)

desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("session_hash", _key(), primary_key=True),
    Column("key_hash", _key(), nullable=False),  # the editor key it was opened with
    Column("editor", Text(), nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("expires_at", Instant, nullable=False),
)
Index("ix_desk_sessions_expires_at", desk_sessions.c.expires_at)

queue_states = Table(
    "queue_states",
    metadata,
    Column("partner", _key(), primary_key=True),
    Column("feed", _key(), primary_key=True),
    Column("consumer", _key(), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    Column("state", Text(), nullable=False),  # wire.publish.queues.Queue as JSON
    Column("updated_at", Instant, nullable=False),
)

publications = Table(
    "publications",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("partner", _key(), primary_key=True),
    Column("url", _key(), primary_key=True),
    Column("reported_at", Instant, nullable=False),
)

reach = Table(
    "reach",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("partner", _key(), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("channel", _key(), primary_key=True),
    Column("at", Instant, nullable=False),
)

acks = Table(
    "acks",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("partner", _key(), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("at", Instant, nullable=False),
)

usage = Table(
    "usage",
    metadata,
    Column("partner", _key(), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("channel", _key(), primary_key=True),
    Column("requests", BigInteger, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("items", BigInteger, nullable=False),
)

fingerprints = Table(
    "fingerprints",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("source", _key()),
    Column("scheme", String(32), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("recorded_at", Instant, nullable=False),
)
"""Each story's current MinHash signature (``wire.duplicates``), for near-duplicate checks."""

fingerprint_bands = Table(
    "fingerprint_bands",
    metadata,
    Column("band", String(24), primary_key=True),
    Column("guid", _key(), primary_key=True),
)
Index("ix_fingerprint_bands_guid", fingerprint_bands.c.guid)

holds = Table(
    "holds",
    metadata,
    Column("guid", _key(), primary_key=True),
    Column("duplicate_of", _key(), nullable=False),
    Column("similarity", Float, nullable=False),
    Column("held_at", Instant, nullable=False),
    Column("decision", String(16)),
    Column("decided_at", Instant),
    Column("decided_by", Text),
)
Index("ix_holds_open", holds.c.decision, holds.c.held_at)

source_states = Table(
    "source_states",
    metadata,
    Column("name", _key(), primary_key=True),
    Column("url", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_success", Instant),
    Column("last_error", Text),
    Column("last_error_at", Instant),
    Column("next_run", Instant),
    Column("failures", Integer, nullable=False),
    Column("items_seen", Integer, nullable=False),
    Column("items_stored", Integer, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
"""Named counters. ``change_seq`` numbers every story write; on PostgreSQL its row lock
is held to commit, so sequence order is commit order and change readers see no gap."""

CHANGE_SEQ = "change_seq"
DELIVERY_SEQ = "delivery_seq"
