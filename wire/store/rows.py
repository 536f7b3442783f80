"""Stories and records to table rows and back. Pure: no connection.

A story is stored as its JSON document plus the columns feed queries filter and
order by, copied out of it; every other record maps field for field onto a table
whose columns carry the same names.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from wire.model import Story
from wire.store.base import Delivery, DeliveryKind, DeliveryState, Entry, RawInput
from wire.storyjson import story_from_dict
from wire.visibility import NO_EXPOSURE, Exposure

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


# stories ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def decode_story(doc: str) -> Story:
    """A stored document back to a story. Documents never change once written, so
    decoding (and its schema validation) is cached."""
    return story_from_dict(json.loads(doc))


@lru_cache(maxsize=8192)
def decode_exposure(text: str | None) -> Exposure:
    return Exposure.from_json(text)


def entry_from_row(row: Any) -> Entry:
    """A head row (``doc``, ``exposure``, ``withdrawn_at``) as an ``Entry``."""
    return Entry(decode_story(row.doc), decode_exposure(row.exposure), row.withdrawn_at)


def indexable(value: str) -> str:
    """A value as kept in an index column: PostgreSQL text cannot hold NUL, so it
    becomes U+FFFD there and in the query values alike (the document keeps it)."""
    return value.replace("\x00", "\ufffd")


def _opt(value: str | None) -> str | None:
    return None if value is None else indexable(value)


def head_values(
    story: Story,
    *,
    seq: int,
    doc: str,
    exposure: Exposure = NO_EXPOSURE,
    withdrawn_at: datetime | None = None,
) -> dict[str, Any]:
    """The ``stories`` row of a current version: the filter and order columns copied out."""
    return {
        "exposure": exposure.to_json(),
        "withdrawn_at": withdrawn_at,
        "guid": story.guid,
        "version": story.version,
        "seq": seq,
        "pub_status": story.pub_status.value,
        "sort_time": story.sort_time,
        "version_created": story.version_created,
        "embargoed_until": story.embargoed_until,
        "source": _opt(story.origin.source),
        "language": _opt(story.language),
        "provider": _opt(story.provider.name if story.provider else None),
        "doc": doc,
        "reviews": len(story.review),
    }


def search_values(guid: str, words: str) -> dict[str, Any]:
    """The ``story_search`` row of a current version (``words``: ``story_words``)."""
    return {"guid": guid, "words": indexable(words)}


def term_values(story: Story) -> list[dict[str, Any]]:
    """The ``story_terms`` rows of a current version (duplicates folded)."""
    terms = {("subject", indexable(s)) for s in story.subjects}
    terms |= {("keyword", indexable(k)) for k in story.keywords}
    return [
        {
            "guid": story.guid,
            "kind": kind,
            "term": term,
            "pub_status": story.pub_status.value,
            "sort_time": story.sort_time,
        }
        for kind, term in sorted(terms)
    ]


def version_values(story: Story, *, doc: str, now: datetime) -> dict[str, Any]:
    """The append-only ``story_versions`` row of one version."""
    return {
        "guid": story.guid,
        "version": story.version,
        "pub_status": story.pub_status.value,
        "version_created": story.version_created,
        "raw_sha256": story.origin.raw_sha256,
        "created_at": now,
        "doc": doc,
    }


# other records ---------------------------------------------------------------------


def record_values(record: DataclassInstance) -> dict[str, Any]:
    """A record's fields as the row of the table whose columns bear the same names."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _row_fields(cls: type[DataclassInstance], row: Any) -> dict[str, Any]:
    mapping = row._mapping
    return {f.name: mapping[f.name] for f in fields(cls)}


def record_from_row(cls: type[R], row: Any) -> R:
    """The record a row holds; columns that are not fields (ids, order keys) are skipped."""
    return cls(**_row_fields(cls, row))


def raw_values(raw: RawInput) -> dict[str, Any]:
    """The ``raw_inputs`` row: the record plus its size, for audits that never load bytes."""
    return {**record_values(raw), "size": len(raw.data)}


def raw_from_row(row: Any) -> RawInput:
    """Some drivers hand binary columns back as ``memoryview``: the record holds bytes."""
    values = _row_fields(RawInput, row)
    values["data"] = bytes(values["data"])
    return RawInput(**values)


def delivery_values(delivery: Delivery) -> dict[str, Any]:
    """The ``deliveries`` row, headers as a JSON object; without ``id`` (the key an
    update matches on) and queue order (set once, when queued)."""
    values = record_values(delivery)
    del values["id"]
    values["headers"] = json.dumps(delivery.headers, ensure_ascii=False)
    return values


def delivery_from_row(row: Any) -> Delivery:
    values = _row_fields(Delivery, row)
    values["body"] = bytes(values["body"])
    values["headers"] = json.loads(values["headers"])
    values["kind"] = DeliveryKind(values["kind"])
    values["state"] = DeliveryState(values["state"])
    return Delivery(**values)
