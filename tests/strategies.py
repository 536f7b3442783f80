"""Hypothesis strategies for wire's values, shared by the property tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

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
    SourceRole,
    Story,
)

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
text = st.text(st.characters(codec="utf-8", exclude_categories=SURROGATES), max_size=30)
words = st.text(
    st.characters(codec="utf-8", exclude_categories=SURROGATES), min_size=1, max_size=20
)
maybe = st.none() | text
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
stories = st.builds(
    Story,
    headline=words.filter(str.strip),  # a headline is never blank
    guid=st.just("x"),
    pub_status=st.sampled_from(PubStatus),
    urgency=st.none() | st.integers(min_value=1, max_value=9),
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


# Shared by the renderer and round-trip strategies below.
URL = st.none() | st.sampled_from(["https://example.org/a", "https://example.org/b?x=1&y=2"])
SECOND = st.none() | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))

# XML 1.0 characters only: no C0 controls (tab/newline/CR allowed), no surrogates.
_CHAR = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("\n\t ")
TEXT = st.text(_CHAR, max_size=40)
RTL = st.sampled_from(["مرحبا بالعالم", "שלום עולם", "سجادي\nفاطمة", "‏RLM‏ mixed عربي"])
ANY_TEXT = TEXT | RTL
WORD = st.text(_CHAR, min_size=1, max_size=30).filter(lambda t: t.strip() != "")
OPT = st.none() | ANY_TEXT

renderable_stories = st.builds(
    Story,
    headline=WORD | RTL,
    guid=st.from_regex(r"urn:wire:[a-z]{1,8}:[0-9a-f]{1,16}", fullmatch=True),
    version=st.integers(min_value=1, max_value=50),
    pub_status=st.sampled_from(list(PubStatus)),
    urgency=st.none() | st.integers(min_value=1, max_value=9),
    version_created=SECOND,
    first_created=SECOND,
    published_at=SECOND,
    embargoed_until=SECOND,
    language=st.none() | st.sampled_from(["en", "ar", "he", "pt-BR"]),
    summary=OPT,
    body=st.lists(ANY_TEXT | st.just("<p>x <em>y</em></p>") | st.just("<p>broken"), max_size=3).map(
        tuple
    ),
    byline=st.lists(WORD | RTL, max_size=3).map(tuple),
    provider=st.none() | st.builds(Provider, WORD | RTL, OPT),
    credit_line=OPT,
    dateline=st.none() | st.builds(Dateline, ANY_TEXT, OPT, st.none() | st.just("2025-07-03")),
    editor=OPT,
    pictures=st.lists(st.builds(Picture, OPT, OPT, URL, OPT), max_size=2).map(tuple),
    sources=st.lists(
        st.builds(InfoSource, WORD | RTL, st.sampled_from([r.value for r in SourceRole]), OPT, URL),
        max_size=3,
    ).map(tuple),
    related=st.lists(st.builds(Related, ANY_TEXT, URL), max_size=2).map(tuple),
    rights=st.builds(Rights, OPT, OPT, OPT),
    subjects=st.lists(WORD, max_size=2).map(tuple),
    keywords=st.lists(WORD, max_size=2).map(tuple),
    signals=st.lists(st.sampled_from(["correction", "update"]), max_size=2, unique=True).map(tuple),
    ed_note=OPT,
)
"""Stories any renderer must turn into valid output: XML 1.0 text, right-to-left
names, newlines in credits, HTML fragments in the body."""

_WORDS = st.lists(
    st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8), min_size=1, max_size=3
).map(" ".join)
_LINE = _WORDS | st.sampled_from(["سجادي", "فاطمة الزهراء", "O'Brien & Sons", "Smith, Jr."])
_UPPERCASE: tuple[Literal["Lu"]] = ("Lu",)
_AGENCY = st.text(st.characters(categories=_UPPERCASE), min_size=2, max_size=6)
_OPT_LINE = st.none() | _LINE

clean_stories = st.builds(
    Story,
    headline=_LINE,
    guid=st.from_regex(r"urn:wire:[a-z]{1,8}:[0-9a-f]{1,16}", fullmatch=True),
    version=st.integers(min_value=1, max_value=50),
    pub_status=st.sampled_from(list(PubStatus)),
    embargoed_until=SECOND,
    language=st.none() | st.sampled_from(["en", "ar", "pt-BR"]),
    byline=st.lists(_LINE, max_size=3, unique=True).map(tuple),
    # NewsML-G2 requires a provider: a story without one is published as provided by "wire".
    # An abbreviation equal to the name reads back as none (parsers drop the repeat).
    provider=st.builds(Provider, _LINE, st.none() | _AGENCY).filter(
        lambda p: p.abbreviation != p.name
    ),
    credit_line=_OPT_LINE,
    dateline=st.none()
    | st.builds(Dateline, _LINE, st.none() | _AGENCY, st.none() | st.just("2025-07-03")),
    editor=_OPT_LINE,
    pictures=st.lists(st.builds(Picture, _LINE, _OPT_LINE, URL), max_size=2).map(tuple),
    sources=st.lists(
        st.builds(
            InfoSource, _LINE, st.sampled_from([r.value for r in SourceRole]), _OPT_LINE, URL
        ),
        max_size=3,
    ).map(tuple),
    related=st.lists(st.builds(Related, _LINE, URL), max_size=3).map(tuple),
    rights=st.builds(Rights, _OPT_LINE, _OPT_LINE, _OPT_LINE),
    signals=st.lists(st.sampled_from(["correction", "update"]), max_size=2, unique=True).map(tuple),
    ed_note=_OPT_LINE,
)
"""Stories whose text is already one clean line (what the NewsML-G2 and ninjs
parsers normalise to): they must survive render → parse with every field intact."""
