"""The desk's search and filters in the store: words cut once (``wire.store.search``),
the same stories found on SQLite and PostgreSQL, the index kept by every write.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from tests.store_fixtures import empty_store
from wire.model import Origin, PubStatus, Story
from wire.store import SQLStore
from wire.store.base import DeskQuery, Hold
from wire.store.search import (
    _SEPARATION,
    FTS5_TOKENIZER,
    MAX_WORD,
    fold,
    fts5_match,
    index_text,
    tsquery,
    words,
)
from wire.store.tables import story_search

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def story(guid: str, headline: str, *body: str, **fields: object) -> Story:
    values: dict[str, object] = {"origin": Origin(source="agency"), **fields}
    return Story(headline, guid=guid, body=body, **values)  # type: ignore[arg-type]


async def found(store: SQLStore, query: DeskQuery | None = None, **filters: Any) -> list[str]:
    """The guids the desk lists for ``query`` (or a query of ``filters``), in order."""
    listed = await store.find_stories(query or DeskQuery(**filters), now=NOW, limit=100)
    return [item.story.guid for item in listed]


def q(text_: str) -> tuple[str, ...]:
    return tuple(words(text_))


# words: what the search compares --------------------------------------------------------


@pytest.mark.parametrize(
    ("text_", "expected"),
    [
        ("Aid convoy reaches GAZA", ["aid", "convoy", "reaches", "gaza"]),
        ("naïve Café ﬁne Straße İstanbul", ["naive", "cafe", "fine", "strasse", "istanbul"]),
        ("well-known — e‑mail", ["well", "known", "e", "mail"]),
        ("snake_case and O'Brien", ["snake", "case", "and", "o", "brien"]),
        ("3.14 1,000 covid19 G7 ²", ["3", "14", "1", "000", "covid19", "g7", "2"]),
        (
            "https://news.example.org/a-b?x=1",
            ["https", "news", "example", "org", "a", "b", "x", "1"],
        ),
        ("rania.saleh@mina.example", ["rania", "saleh", "mina", "example"]),
        ("الكِتَابُ كتـــاب ٣٤", ["الكتاب", "كتاب", "٣٤"]),
        ("co\u00adoperate zero\u200bwidth", ["cooperate", "zerowidth"]),
        ("東京で地震 ｶﾞｽ", ["東", "京", "で", "地", "震", "ガ", "ス"]),
        ("हिन्दी समाचार", ["हिनदी", "समाचार"]),
        ("a a A á", ["a"]),
        ("...!!! ---", []),
    ],
)
def test_words_are_cut_as_the_desk_compares_them(text_: str, expected: list[str]) -> None:
    assert words(text_) == expected


def test_a_word_too_long_to_index_is_left_out() -> None:
    assert words("x" * (MAX_WORD + 1) + " short") == ["short"]
    assert words("x" * MAX_WORD) == ["x" * MAX_WORD]


def test_markup_in_a_paragraph_separates_words_and_its_entities_are_read() -> None:
    assert index_text(["<p>Fish&amp;<b>chips</b></p>"]) == "fish chips"


@given(st.text())
def test_words_of_words_are_the_same_words(text_: str) -> None:
    """The index text read back as a query is itself: what is stored is what is asked."""
    cut = words(text_)
    assert words(" ".join(cut)) == cut
    assert fold(fold(text_)) == fold(text_)


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_text_is_cut_as_any_other(text_: str) -> None:
    """ASCII takes a faster path through ``words``: it finds what the general one does."""
    general = fold(text_).translate(_SEPARATION).split()
    assert words(text_) == list(dict.fromkeys(w for w in general if len(w) <= MAX_WORD))


def test_fts5_keeps_every_word_whole_and_unchanged() -> None:
    """Over every letter, mark and number, alone and inside a word: FTS5's
    tokenizer, on the index text, finds exactly the words ``words`` cut, in
    order. So it splits only at the spaces, and folds nothing further."""
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize="{FTS5_TOKENIZER}")')
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    want: dict[int, list[str]] = {}
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp))[0] not in "LMN":
            continue  # a separator, or deleted (Cf): never in a word
        for i, sample in enumerate((chr(cp), f"a{chr(cp)}b")):
            cut = words(sample)
            if cut:
                want[cp * 2 + i] = cut
    db.executemany(
        "INSERT INTO t(rowid, x) VALUES (?, ?)", [(k, " ".join(w)) for k, w in want.items()]
    )
    got: dict[int, list[str]] = {}
    for term, doc in db.execute("SELECT term, doc FROM v ORDER BY doc, offset"):
        got.setdefault(doc, []).append(term)
    wrong = [(hex(k // 2), w, got.get(k)) for k, w in want.items() if got.get(k) != w]
    assert wrong == []


async def test_postgres_takes_every_word_as_it_is(store: SQLStore) -> None:
    """Over every letter, mark and number inside a word: the indexed vector of
    the index text holds exactly its words. (PostgreSQL's own parser is not
    asked: ``to_tsvector('simple', …)`` over the same text splits 928 of these
    words on a C.UTF-8 database, at Bengali and Oriya fraction signs among
    others, and what it calls a letter follows the database's locale.)"""
    if not store.is_postgres:
        pytest.skip("PostgreSQL's vectors")
    samples = [
        " ".join(words(f"a{chr(cp)}b"))
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp))[0] in "LMN"
    ]
    async with store._require().connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT sample, tsvector_to_array(array_to_tsvector(string_to_array(sample, ' ')))"
                " AS lexemes FROM unnest(CAST(:samples AS text[])) AS sample"
            ),
            {"samples": samples},
        )
        wrong = [r for r in rows if sorted(set(r.sample.split())) != sorted(r.lexemes)]
    assert wrong == []


def test_query_expressions_quote_each_word() -> None:
    assert fts5_match(["a", 'b"c']) == '"a" AND "b""c"'
    assert tsquery(["a", "b'c"]) == "'a' & 'b''c'"


# the desk's list in the store ----------------------------------------------------------


async def test_the_list_holds_every_status_newest_first(store: SQLStore) -> None:
    await store.save(story("urn:t:a", "First"), now=NOW)
    await store.save(story("urn:t:b", "Second", pub_status=PubStatus.WITHHELD), now=NOW + MIN)
    await store.save(story("urn:t:c", "Third"), now=NOW + 2 * MIN)
    await store.save(story("urn:t:c", "Third", pub_status=PubStatus.CANCELED), now=NOW + 3 * MIN)
    assert await found(store) == ["urn:t:c", "urn:t:b", "urn:t:a"]
    assert await found(store, status=PubStatus.CANCELED) == ["urn:t:c"]
    assert await found(store, status=PubStatus.USABLE) == ["urn:t:a"]


async def test_stories_are_found_by_every_word_of_the_query(store: SQLStore) -> None:
    await store.save(story("urn:t:a", "Aid convoy reaches Gaza", "Twelve lorries."), now=NOW)
    await store.save(story("urn:t:b", "Convoy turned back", "No lorries crossed."), now=NOW)
    assert await found(store, words=q("convoy")) == ["urn:t:b", "urn:t:a"]
    assert await found(store, words=q("CONVOY lorries twelve")) == ["urn:t:a"]
    assert await found(store, words=q("convoy ferry")) == []


async def test_an_update_replaces_the_words_a_story_is_found_by(store: SQLStore) -> None:
    await store.save(story("urn:t:a", "Floods spread"), now=NOW)
    await store.save(story("urn:t:a", "Floods recede"), now=NOW + MIN)
    assert await found(store, words=q("recede")) == ["urn:t:a"]
    assert await found(store, words=q("spread")) == []


async def test_a_killed_story_is_still_found_by_what_it_said(store: SQLStore) -> None:
    await store.save(story("urn:t:a", "Minister resigns", "Sources say."), now=NOW)
    kill = story("urn:t:a", "Withdrawn", pub_status=PubStatus.CANCELED)
    await store.save(kill, now=NOW + MIN)
    assert await found(store, words=q("minister resigns")) == ["urn:t:a"]
    assert await found(store, words=q("withdrawn")) == ["urn:t:a"]


async def test_bulk_loaded_stories_are_found_too(store: SQLStore) -> None:
    await store.load_current([story("urn:t:a", "Harvest falls")], now=NOW)
    assert await found(store, words=q("harvest")) == ["urn:t:a"]


async def test_needs_review_is_review_notes_or_an_open_hold(store: SQLStore) -> None:
    await store.save(story("urn:t:plain", "Plain"), now=NOW)
    await store.save(story("urn:t:noted", "Noted", review=("byline guessed",)), now=NOW)
    await store.save(story("urn:t:held", "Held"), now=NOW)
    await store.save(story("urn:t:decided", "Decided"), now=NOW)
    await store.put_hold(Hold("urn:t:held", "urn:t:plain", 0.9, NOW))
    await store.put_hold(Hold("urn:t:decided", "urn:t:plain", 0.9, NOW, "keep-both", NOW, "r"))
    assert sorted(await found(store, needs_review=True)) == ["urn:t:held", "urn:t:noted"]
    assert sorted(await found(store, needs_review=False)) == ["urn:t:decided", "urn:t:plain"]
    listed = await store.find_stories(DeskQuery(), now=NOW, limit=10)
    assert {i.story.guid: i.duplicate_of for i in listed if i.duplicate_of} == {
        "urn:t:held": "urn:t:plain"
    }


async def test_embargoed_means_still_in_force_at_the_time_asked(store: SQLStore) -> None:
    await store.save(story("urn:t:later", "Later", embargoed_until=NOW + MIN), now=NOW)
    await store.save(story("urn:t:lifted", "Lifted", embargoed_until=NOW - MIN), now=NOW)
    await store.save(story("urn:t:none", "None"), now=NOW)
    assert await found(store, embargoed=True) == ["urn:t:later"]
    assert sorted(await found(store, embargoed=False)) == ["urn:t:lifted", "urn:t:none"]


async def test_a_language_finds_its_subtags_whatever_their_case(store: SQLStore) -> None:
    await store.save(story("urn:t:gb", "GB", language="en-GB"), now=NOW)
    await store.save(story("urn:t:en", "EN", language="EN"), now=NOW)
    await store.save(story("urn:t:eng", "ENG", language="eng"), now=NOW)
    await store.save(story("urn:t:ar", "AR", language="ar"), now=NOW)
    assert sorted(await found(store, language="en")) == ["urn:t:en", "urn:t:gb"]
    assert await found(store, language="EN-gb") == ["urn:t:gb"]


async def test_filters_combine(store: SQLStore) -> None:
    other = Origin(source="other")
    await store.save(story("urn:t:1", "Floods spread", language="en"), now=NOW)
    await store.save(story("urn:t:2", "Floods spread", language="ar"), now=NOW)
    await store.save(story("urn:t:3", "Floods spread", language="en", origin=other), now=NOW)
    await store.save(story("urn:t:4", "Harvest falls", language="en"), now=NOW)
    both = DeskQuery(source="agency", language="en", words=q("floods"))
    assert await found(store, both) == ["urn:t:1"]


async def test_pages_walk_by_sort_time_then_guid(store: SQLStore) -> None:
    for i in range(5):
        await store.save(story(f"urn:t:{i}", "Same time", published_at=NOW), now=NOW)
    first = await store.find_stories(DeskQuery(), now=NOW, limit=2)
    last = first[-1].story
    assert last.sort_time is not None
    rest = await store.find_stories(
        DeskQuery(), now=NOW, limit=10, before=(last.sort_time, last.guid)
    )
    assert [i.story.guid for i in [*first, *rest]] == [f"urn:t:{i}" for i in range(4, -1, -1)]


async def test_the_migration_indexes_the_stories_already_stored(store: SQLStore) -> None:
    """Upgrading a database from before the desk's index: existing stories are
    found by their words (a killed one by the version it killed), their review
    notes counted, as a fresh store would have them."""
    from alembic import command

    from wire.store.sql.engine import _alembic_config

    await store.save(story("urn:m:1", "Minister resigns", "Sources say."), now=NOW)
    await store.save(story("urn:m:1", "Withdrawn", pub_status=PubStatus.CANCELED), now=NOW + MIN)
    await store.save(story("urn:m:2", "Floods spread", review=("check",)), now=NOW)
    asked = [
        DeskQuery(words=q("minister")),
        DeskQuery(words=q("floods")),
        DeskQuery(needs_review=True),
    ]
    before = [await found(store, a) for a in asked]
    engine = store._require()
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0006"))
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "head"))
    assert (
        [await found(store, a) for a in asked] == before == [["urn:m:1"], ["urn:m:2"], ["urn:m:2"]]
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(select(story_search.c.guid, story_search.c.words))).all()
    assert sorted(rows) == [
        ("urn:m:1", "withdrawn minister resigns sources say"),
        ("urn:m:2", "floods spread"),
    ]


async def test_postgres_uses_the_words_index(store: SQLStore) -> None:
    """The query spells the indexed expression exactly, so the planner can use it."""
    if not store.is_postgres:
        pytest.skip("PostgreSQL's planner")
    await store.save(story("urn:t:a", "Floods spread"), now=NOW)
    async with store._require().connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))
        plan = await conn.execute(
            text(
                "EXPLAIN SELECT guid FROM story_search WHERE"
                " array_to_tsvector(string_to_array(story_search.words, ' '))"
                " @@ CAST('floods' AS tsquery)"
            )
        )
        assert "ix_story_search_words" in "\n".join(r[0] for r in plan)


# the same answers on both databases ----------------------------------------------------


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[tuple[SQLStore, SQLStore]]:
    """An empty SQLite store and an empty PostgreSQL store, side by side."""
    async with empty_store("sqlite", tmp_path) as lite, empty_store("postgres", tmp_path) as pg:
        yield lite, pg


PIECES = [
    "convoy",
    "Convoy",
    "CONVOY",
    "convoys",
    "naïve",
    "naive",
    "NAÏVE",
    "café",
    "cafe",
    "ﬁne",
    "fine",
    "Straße",
    "strasse",
    "İstanbul",
    "istanbul",
    "كتاب",
    "الكِتَابُ",
    "كتـاب",
    "٣٤",
    "34",
    "3.14",
    "3,14",
    "covid19",
    "covid-19",
    "G7",
    "well-known",
    "well",
    "known",
    "e-mail",
    "rania.saleh@mina.example",
    "https://news.example.org/a-b?x=1",
    "example.org",
    "snake_case",
    "O'Brien",
    "co\u00adoperate",
    "cooperate",
    "東京",
    "地震",
    "で",
    "て",
    "हिन्दी",
    "Ελλάδα",
    "ελλαδα",
    "Ωμέγα",
    "ǅemal",
    "džemal",
    "AND",
    "or",
    "NOT",
    "near",
    "NEAR(a b)",
    "col:umn",
    "pre*",
    "^start",
    "x &amp; y",
    "x" * (MAX_WORD + 1),
]
SEPARATORS = [" ", "  ", "\n", ", ", ". ", " - ", "/", "—", "\t", "!", ""]
texts = st.lists(
    st.one_of(
        st.sampled_from(PIECES), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6)
    ),
    min_size=0,
    max_size=8,
).flatmap(
    lambda parts: st.lists(
        st.sampled_from(SEPARATORS), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)
_examples = itertools.count()


@pytest.mark.postgres
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    bodies=st.lists(st.tuples(texts, texts), min_size=1, max_size=6),
    queries=st.lists(texts, min_size=1, max_size=6),
)
async def test_both_databases_find_the_same_stories(
    both: tuple[SQLStore, SQLStore], bodies: list[tuple[str, str]], queries: list[str]
) -> None:
    """Random texts in many scripts, with URLs, addresses, numbers and hyphens,
    searched with random queries (and with pieces of the texts themselves): SQLite
    and PostgreSQL list the same guids, and they are the stories holding every
    word of the query."""
    lite, pg = both
    source = f"s{next(_examples)}"  # this example's stories only
    stored: dict[str, set[str]] = {}
    for i, (headline, body) in enumerate(bodies):
        guid = f"urn:p:{source}:{i}"
        headline = f"h {headline}"  # never blank
        one = story(guid, headline, body, origin=Origin(source=source))
        for db in (lite, pg):
            await db.save(one, now=NOW + i * MIN)
        stored[guid] = set(
            index_text([headline, body]).split()
        )  # markup read as the index reads it
    asked = [*queries, *(h for h, _ in bodies), *(b[: len(b) // 2] for _, b in bodies)]
    for query in asked:
        terms = q(query)
        if not terms:
            continue
        flt = DeskQuery(source=source, words=terms)
        expected = sorted(g for g, w in stored.items() if set(terms) <= w)
        assert sorted(await found(lite, flt)) == expected, query
        assert sorted(await found(pg, flt)) == expected, query
