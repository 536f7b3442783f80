"""Raw agency copy (plain text) → story: size check, repair, clean, extract, policy. Pure."""

from __future__ import annotations

import hashlib
from datetime import datetime

from wire.attribution import SourcePolicy
from wire.errors import NoContent
from wire.ingest.extract import Extraction, extract_copy
from wire.ingest.identity import copy_guid
from wire.ingest.repair import check_size, repair
from wire.ingest.values import finish
from wire.model import Origin, Story

__all__ = ["extract_text", "story_from_extraction", "story_of_copy"]


def story_from_extraction(
    ex: Extraction,
    *,
    source: str | None,
    fmt: str,
    fetched_at: datetime,
    raw_sha256: str,
    url: str | None = None,
    policy: SourcePolicy | None = None,
) -> Story:
    """The draft story for an extraction: guid from what identifies it
    (``copy_guid``; the day too for the policy's daily series), version created
    at the fetch (the store numbers versions)."""
    series_day = None
    if policy is not None and policy.in_series(ex.headline):
        dated = ex.dateline.date if ex.dateline else None
        series_day = dated or (ex.published_at or fetched_at).date().isoformat()
    return Story(
        guid=copy_guid(
            source,
            url=url,
            headline=ex.headline,
            place=ex.dateline.place if ex.dateline else None,
            date=ex.dateline.date if ex.dateline else None,
            body=ex.body,
            series_day=series_day,
        ),
        headline=ex.headline,
        version_created=fetched_at,
        published_at=ex.published_at,
        language=ex.language,
        body=ex.body,
        link=url,
        byline=ex.byline,
        provider=ex.provider,
        credit_line=ex.credit_line,
        dateline=ex.dateline,
        editor=ex.editor,
        pictures=ex.pictures,
        sources=ex.sources,
        related=ex.related,
        rights=ex.rights,
        origin=Origin(
            source=source, format=fmt, fetched_at=fetched_at, raw_sha256=raw_sha256, url=url
        ),
        removed=ex.removed,
        review=ex.review,
    )


def extract_text(
    data: bytes | str,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
) -> Story:
    """One piece of raw copy → its story, attribution explicit.

    The language is the copy's own, detected from it (the source policy's
    language is only the fallback ``apply_policy`` fills, never an override: an
    Arabic story from an English-language source is Arabic); what the copy
    states wins over the policy, disagreements are flagged for review.
    Raises ``InputTooLarge``, ``NoContent`` (empty, binary, only furniture) or
    ``MalformedInput`` (undecodable), each naming ``name``."""
    check_size(data, name)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    story = story_of_copy(
        data,
        name=name,
        fmt="text",
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        fetched_at=fetched_at,
        source=source,
        policy=policy,
    )
    return finish([story], name=name, policy=policy)[0]


def story_of_copy(
    copy: bytes | str,
    *,
    name: str,
    fmt: str,
    raw_sha256: str,
    fetched_at: datetime,
    source: str | None,
    policy: SourcePolicy | None,
    url: str | None = None,
) -> Story:
    """Copy repaired and extracted → its draft story, the policy not yet applied:
    raw copy, and the text of inputs that carry raw copy (an e-mail's). Raises
    ``NoContent`` when nothing but furniture is left, or what ``repair`` raises."""
    ex = extract_copy(repair(copy, name), fetched_at=fetched_at)
    if not ex.headline:
        raise NoContent(name, "nothing but page furniture in the copy")
    return story_from_extraction(
        ex,
        source=source,
        fmt=fmt,
        fetched_at=fetched_at,
        raw_sha256=raw_sha256,
        url=url,
        policy=policy,
    )
