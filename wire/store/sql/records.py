"""Small records kept by key: credentials, desk sessions, WebSub subscriptions,
idempotent replies, source polling state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from wire.store.base import (
    Acknowledged,
    Credential,
    DeskSession,
    IdempotentReply,
    Publication,
    QueueState,
    Reached,
    SourceState,
    Subscription,
)
from wire.store.rows import record_from_row, record_values
from wire.store.sql.engine import SQLBase
from wire.store.tables import (
    acks,
    credentials,
    desk_sessions,
    idempotency_keys,
    publications,
    queue_states,
    reach,
    source_states,
    subscriptions,
    usage,
)
from wire.usage import UsageRow


class RecordsSQL(SQLBase):
    """Credentials, WebSub subscriptions, idempotent replies and source polling state."""

    # credentials --------------------------------------------------------------------

    async def add_credential(self, credential: Credential) -> None:
        """Store a credential; one with the same hash is replaced."""
        async with self._write() as conn:
            await conn.execute(
                delete(credentials).where(credentials.c.token_hash == credential.token_hash)
            )
            await conn.execute(insert(credentials).values(record_values(credential)))

    async def find_credential(self, token_hash: str) -> Credential | None:
        """The credential with that hash, expired or not (the caller checks expiry)."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(credentials).where(credentials.c.token_hash == token_hash)
                )
            ).first()
        return record_from_row(Credential, row) if row else None

    async def list_credentials(self) -> list[Credential]:
        """Every stored credential, by kind then subject."""
        c = credentials.c
        async with self._read() as conn:
            rows = await conn.execute(select(credentials).order_by(c.kind, c.subject, c.token_hash))
            return [record_from_row(Credential, r) for r in rows]

    async def delete_credential(self, token_hash: str) -> bool:
        """Revoke a credential; ``False`` if there was none."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(credentials).where(credentials.c.token_hash == token_hash)
            )
        return bool(result.rowcount)

    # desk sessions ------------------------------------------------------------------

    async def add_session(self, session: DeskSession) -> None:
        """Keep a session, pruning those already expired when it was made."""
        d = desk_sessions.c
        async with self._write() as conn:
            await conn.execute(delete(desk_sessions).where(d.expires_at <= session.created_at))
            await conn.execute(insert(desk_sessions).values(record_values(session)))

    async def find_session(self, session_hash: str) -> DeskSession | None:
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(desk_sessions).where(desk_sessions.c.session_hash == session_hash)
                )
            ).first()
        return record_from_row(DeskSession, row) if row else None

    async def delete_session(self, session_hash: str) -> bool:
        async with self._write() as conn:
            result = await conn.execute(
                delete(desk_sessions).where(desk_sessions.c.session_hash == session_hash)
            )
        return bool(result.rowcount)

    # queues -------------------------------------------------------------------------

    async def get_queue(self, partner: str, feed: str, consumer: str) -> QueueState | None:
        q = queue_states.c
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(queue_states).where(
                        q.partner == partner, q.feed == feed, q.consumer == consumer
                    )
                )
            ).first()
        return record_from_row(QueueState, row) if row else None

    async def put_queue(self, state: QueueState) -> bool:
        """Optimistic: the update names the revision it read; a first write inserts."""
        q = queue_states.c
        async with self._write() as conn:
            if state.revision == 1:
                try:
                    async with conn.begin_nested():
                        await conn.execute(insert(queue_states).values(record_values(state)))
                except IntegrityError:
                    return False
                return True
            result = await conn.execute(
                update(queue_states)
                .where(
                    q.partner == state.partner,
                    q.feed == state.feed,
                    q.consumer == state.consumer,
                    q.revision == state.revision - 1,
                )
                .values(revision=state.revision, state=state.state, updated_at=state.updated_at)
            )
        return bool(result.rowcount)

    # publications -------------------------------------------------------------------

    async def add_publication(self, publication: Publication) -> bool:
        async with self._write() as conn:
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(publications).values(record_values(publication)))
            except IntegrityError:
                return False
        return True

    async def publications(self, guid: str) -> list[Publication]:
        p = publications.c
        query = select(publications).where(p.guid == guid).order_by(p.reported_at, p.partner, p.url)
        async with self._read() as conn:
            return [record_from_row(Publication, r) for r in await conn.execute(query)]

    # reach --------------------------------------------------------------------------

    def _upsert(self, table: Table) -> Any:
        """An INSERT that takes ``ON CONFLICT`` clauses, in this database's dialect."""
        return (postgresql_insert if self.is_postgres else sqlite_insert)(table)

    async def add_reached(self, rows: Sequence[Reached]) -> None:
        if not rows:
            return
        async with self._write() as conn:
            for row in rows:
                await conn.execute(
                    self._upsert(reach).values(record_values(row)).on_conflict_do_nothing()
                )

    async def reached(self, guid: str) -> list[Reached]:
        r = reach.c
        query = select(reach).where(r.guid == guid).order_by(r.partner, r.version, r.channel)
        async with self._read() as conn:
            return [record_from_row(Reached, row) for row in await conn.execute(query)]

    async def add_ack(self, ack: Acknowledged) -> None:
        a = acks.c
        statement = self._upsert(acks).values(record_values(ack))
        async with self._write() as conn:
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[a.guid, a.partner],
                    set_={"version": statement.excluded.version, "at": statement.excluded.at},
                    where=a.version < statement.excluded.version,
                )
            )

    async def acks(self, guid: str) -> list[Acknowledged]:
        query = select(acks).where(acks.c.guid == guid).order_by(acks.c.partner)
        async with self._read() as conn:
            return [record_from_row(Acknowledged, row) for row in await conn.execute(query)]

    # usage --------------------------------------------------------------------------

    async def add_usage(self, rows: Sequence[UsageRow]) -> None:
        """One upsert per row, adding to the kept counts (every instance adds its own)."""
        if not rows:
            return
        u = usage.c
        async with self._write() as conn:
            for row in rows:
                values = record_values(row)
                statement = self._upsert(usage).values(values)
                await conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[u.partner, u.day, u.channel],
                        set_={
                            "requests": u.requests + statement.excluded.requests,
                            "bytes": u.bytes + statement.excluded.bytes,
                            "items": u["items"] + statement.excluded["items"],
                        },
                    )
                )

    async def usage(self, start: date, end: date, partner: str | None = None) -> list[UsageRow]:
        u = usage.c
        query = select(usage).where(u.day >= start, u.day <= end)
        if partner is not None:
            query = query.where(u.partner == partner)
        query = query.order_by(u.partner, u.day, u.channel)
        async with self._read() as conn:
            return [record_from_row(UsageRow, r) for r in await conn.execute(query)]

    # WebSub -------------------------------------------------------------------------

    async def put_subscription(self, sub: Subscription) -> None:
        """Insert or replace the (topic, callback) subscription."""
        s = subscriptions.c
        async with self._write() as conn:
            await conn.execute(
                delete(subscriptions).where(s.topic == sub.topic, s.callback == sub.callback)
            )
            await conn.execute(insert(subscriptions).values(record_values(sub)))

    async def delete_subscription(self, topic: str, callback: str) -> bool:
        s = subscriptions.c
        async with self._write() as conn:
            result = await conn.execute(
                delete(subscriptions).where(s.topic == topic, s.callback == callback)
            )
        return bool(result.rowcount)

    async def subscriptions(self, topic: str, *, now: datetime) -> list[Subscription]:
        """Unexpired subscriptions to a topic, by callback."""
        s = subscriptions.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(subscriptions)
                .where(s.topic == topic, s.expires_at > now)
                .order_by(s.callback)
            )
            return [record_from_row(Subscription, r) for r in rows]

    async def count_subscriptions(self, *, now: datetime) -> int:
        """Unexpired subscriptions, every topic."""
        s = subscriptions.c
        async with self._read() as conn:
            found = await conn.execute(
                select(func.count()).select_from(subscriptions).where(s.expires_at > now)
            )
            return int(found.scalar() or 0)

    # idempotency keys ---------------------------------------------------------------

    async def get_reply(self, editor: str, key: str) -> IdempotentReply | None:
        """The reply kept for this editor's key; None if there is none."""
        k = idempotency_keys.c
        async with self._read() as conn:
            row = (
                await conn.execute(select(idempotency_keys).where(k.editor == editor, k.key == key))
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["headers"] = json.loads(values["headers"])
        values["body"] = bytes(values["body"])
        return IdempotentReply(**values)

    async def put_reply(self, reply: IdempotentReply) -> None:
        """Keep a reply; a key already kept (a concurrent retry) keeps the first."""
        values = record_values(reply)
        values["headers"] = json.dumps(reply.headers, ensure_ascii=False)
        try:
            async with self._write() as conn:
                await conn.execute(insert(idempotency_keys).values(values))
        except IntegrityError:
            return

    # sources ------------------------------------------------------------------------

    async def get_source_state(self, name: str) -> SourceState | None:
        async with self._read() as conn:
            row = (
                await conn.execute(select(source_states).where(source_states.c.name == name))
            ).first()
        return record_from_row(SourceState, row) if row else None

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace the state of one source."""
        async with self._write() as conn:
            await conn.execute(delete(source_states).where(source_states.c.name == state.name))
            await conn.execute(insert(source_states).values(record_values(state)))

    async def source_states(self) -> list[SourceState]:
        """Every source's state, by name."""
        async with self._read() as conn:
            rows = await conn.execute(select(source_states).order_by(source_states.c.name))
            return [record_from_row(SourceState, r) for r in rows]
