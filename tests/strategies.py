"""Hypothesis strategies for wire's values, shared by the property tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import strategies as st

from wire.model import (
    Dateline,
    InfoSource,
    Origin,
    Picture,
    Provider,
    PubStatus,
    Related,
    Rights,
    Story,
)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
maybe = st.none() | text
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
stories = st.builds(
    Story,
    headline=words,
    guid=st.just("x"),
    pub_status=st.sampled_from(PubStatus),
    version_created=st.none() | instants,
    first_created=st.none() | instants,
    published_at=st.none() | instants,
    embargoed_until=st.none() | instants,
    language=st.none() | st.from_regex(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})?", fullmatch=True),
    slugline=maybe,
    summary=maybe,
    body=st.lists(text, max_size=3).map(tuple),
    link=maybe,
    byline=st.lists(words, max_size=3).map(tuple),
    provider=st.none() | st.builds(Provider, name=words, abbreviation=maybe),
    credit_line=maybe,
    dateline=st.none()
    | st.builds(Dateline, place=text, agency=maybe, date=st.none() | st.dates().map(str)),
    editor=maybe,
    pictures=st.lists(st.builds(Picture, maybe, maybe, maybe, maybe), max_size=2).map(tuple),
    sources=st.lists(
        st.builds(InfoSource, name=words, role=words, evidence=maybe, url=maybe), max_size=2
    ).map(tuple),
    related=st.lists(st.builds(Related, title=text, url=maybe), max_size=2).map(tuple),
    rights=st.builds(Rights, maybe, maybe, maybe),
    subjects=st.lists(text, max_size=3).map(tuple),
    keywords=st.lists(text, max_size=3).map(tuple),
    signals=st.lists(text, max_size=2).map(tuple),
    ed_note=maybe,
    origin=st.builds(
        Origin,
        source=maybe,
        format=maybe,
        fetched_at=st.none() | instants,
        raw_sha256=st.none() | st.binary(min_size=1).map(lambda b: hashlib.sha256(b).hexdigest()),
        url=maybe,
    ),
    removed=st.lists(text, max_size=2).map(tuple),
    review=st.lists(text, max_size=2).map(tuple),
)
"""Any story the schema accepts (guid ``x``: callers give each a fresh one)."""
