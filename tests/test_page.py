"""Article pages → story: trafilatura's text, our own figure pass, the same agency patterns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.matching import subset
from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, NoContent
from wire.ingest.page import extract_page
from wire.instants import parse_instant
from wire.model import Picture, Provider
from wire.storyjson import story_to_dict

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)
GOLDEN = sorted(p for p in PAGES.glob("*.html") if p.with_suffix(".json").exists())


def page(body: str, head: str = "<title>Quake hits coast</title>") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head>'
        f"<body><article><h1>Quake hits coast</h1>{body}</article></body></html>"
    ).encode()


PARAGRAPHS = (
    "<p>A strong earthquake struck the coast of Sulawesi on Thursday, officials said.</p>"
    "<p>The quake had a magnitude of 6.1, the national geophysics agency said on Friday.</p>"
)


@pytest.mark.parametrize("html", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_page_gives_the_expected_story(html: Path) -> None:
    expected: dict[str, Any] = json.loads(html.with_suffix(".json").read_text("utf-8"))
    call = expected.pop("input")
    fetched_at = parse_instant(call["fetched_at"])
    assert fetched_at is not None
    story = extract_page(
        html.read_bytes(),
        name=html.name,
        fetched_at=fetched_at,
        url=call["url"],
    )
    assert subset(story_to_dict(story), expected) == expected


def test_figcaption_credit_element_becomes_the_picture_credit() -> None:
    figure = (
        '<figure><img src="/a.jpg"><figcaption>Rescuers in Palu. '
        '<span class="credit">Photo: AFP</span></figcaption></figure>'
    )
    story = extract_page(
        page(figure + PARAGRAPHS), name="p", fetched_at=FETCHED, url="https://example.com/x/"
    )
    assert story.pictures == (
        Picture(caption="Rescuers in Palu.", credit="AFP", url="https://example.com/a.jpg"),
    )


def test_figcaption_inline_credit_is_split_from_the_caption() -> None:
    figure = (
        '<figure><img src="a.jpg"><figcaption>Rescuers (Foto: Antara/Basri)</figcaption></figure>'
    )
    story = extract_page(page(figure + PARAGRAPHS), name="p", fetched_at=FETCHED)
    assert story.pictures == (Picture(caption="Rescuers", credit="Antara/Basri", url="a.jpg"),)


def test_a_caption_trafilatura_keeps_is_not_body_text() -> None:
    story = extract_page(
        page(
            "<figure><figcaption>Rescuers in Palu. (Photo: AFP)</figcaption></figure>" + PARAGRAPHS
        ),
        name="p",
        fetched_at=FETCHED,
    )
    assert all("Rescuers" not in p for p in story.body)


def test_page_publication_time_comes_from_its_metadata() -> None:
    meta = '<meta property="article:published_time" content="2025-07-03T08:15:00+07:00">'
    story = extract_page(page(PARAGRAPHS, "<title>Q</title>" + meta), name="p", fetched_at=FETCHED)
    assert story.published_at == datetime(2025, 7, 3, 1, 15, tzinfo=UTC)


def test_a_page_time_after_the_fetch_is_ignored() -> None:
    head = '<title>Q</title><meta property="article:published_time" content="2030-01-01T00:00:00Z">'
    story = extract_page(page(PARAGRAPHS, head), name="p", fetched_at=FETCHED)
    assert story.published_at != datetime(2030, 1, 1, tzinfo=UTC)


def test_site_name_is_the_provider_when_nothing_else_says() -> None:
    head = '<title>Q</title><meta property="og:site_name" content="Example News">'
    story = extract_page(page(PARAGRAPHS, head), name="p", fetched_at=FETCHED)
    assert story.provider == Provider("Example News")


def test_policy_provider_beats_the_site_name_without_review() -> None:
    head = '<title>Q</title><meta property="og:site_name" content="Example News">'
    policy = SourcePolicy(provider="Example Agency", credit_line="Example Agency")
    story = extract_page(page(PARAGRAPHS, head), name="p", fetched_at=FETCHED, policy=policy)
    assert story.provider == Provider("Example Agency")
    assert story.review == ()


def test_origin_records_format_url_and_hash() -> None:
    data = page(PARAGRAPHS)
    story = extract_page(
        data, name="p", fetched_at=FETCHED, url="https://example.com/a", source="web"
    )
    assert (story.origin.format, story.origin.url, story.origin.source) == (
        "html",
        "https://example.com/a",
        "web",
    )
    assert story.link == "https://example.com/a"


def test_declared_legacy_charset_is_honoured() -> None:
    html = (
        '<html><head><meta charset="windows-1252"><title>Caf\xe9 opens</title></head><body>'
        "<article><p>\u201cThe caf\xe9 opened on Friday in the old town,\u201d the mayor said.</p>"
        "<p>It is the first new caf\xe9 in the district in more than ten years.</p></article>"
        "</body></html>"
    ).encode("cp1252")
    story = extract_page(html, name="p", fetched_at=FETCHED)
    assert story.headline == "Café opens"
    assert story.body[0].startswith("“The café opened")


def test_mojibake_in_the_page_is_repaired_before_extraction() -> None:
    broken = "Russia’s envoy met the minister in Kabul on Thursday afternoon.".encode().decode(
        "cp1252"
    )
    story = extract_page(page(f"<p>{broken}</p>" + PARAGRAPHS), name="p", fetched_at=FETCHED)
    assert "Russia’s envoy met the minister in Kabul on Thursday afternoon." in story.body


def test_a_page_with_no_article_is_no_content() -> None:
    with pytest.raises(NoContent, match=r"no-article\.html"):
        extract_page(
            (PAGES / "no-article.html").read_bytes(), name="no-article.html", fetched_at=FETCHED
        )


@pytest.mark.parametrize("data", [b"", b"  \n"])
def test_an_empty_page_is_no_content(data: bytes) -> None:
    with pytest.raises(NoContent):
        extract_page(data, name="empty.html", fetched_at=FETCHED)


def test_a_binary_page_is_no_content() -> None:
    with pytest.raises(NoContent):
        extract_page(b"\x89PNG\r\n\x1a\n\x00\x00" * 20, name="x.html", fetched_at=FETCHED)


def test_a_page_over_the_cap_is_refused() -> None:
    with pytest.raises(InputTooLarge):
        extract_page(b"<p>" + b"a" * MAX_INPUT_BYTES, name="big.html", fetched_at=FETCHED)


def test_a_pages_canonical_url_and_footer_copyright_are_read() -> None:
    page = b"""<html><head><title>Harbour reopens</title>
<link rel="canonical" href="/2026/11/harbour-reopens"></head><body>
<article><h1>Harbour reopens</h1>
<p>The harbour reopened on Monday after three days of storms, the port authority said.</p>
<p>Ships that had waited offshore began to enter at dawn, and the quays were busy by noon.</p>
</article><footer><p>About us</p><p>Copyright 2026 Harbour Daily. All rights reserved.</p>
</footer></body></html>"""
    story = extract_page(
        page, name="p", fetched_at=FETCHED, url="https://harbour.example/print?id=7"
    )
    assert story.link == "https://harbour.example/2026/11/harbour-reopens"
    assert story.rights.copyright_notice is not None
    assert story.rights.copyright_notice.startswith("Copyright 2026 Harbour Daily")
