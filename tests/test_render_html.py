"""The standalone story page: escaped, complete attribution box, lifecycle notes."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import lxml.html

from tests.validators import fixture_story
from wire.formats import STORY_FORMATS
from wire.model import PubStatus, SourceRole
from wire.publish.storyhtml import content_html, render_story_html

BASE = "https://wire.example"


def _page(name: str, **changes: object) -> lxml.html.HtmlElement:
    story = replace(fixture_story(name), **changes)  # type: ignore[arg-type]
    return lxml.html.document_fromstring(render_story_html(story, BASE))


def _rows(page: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    dts = page.xpath("//dl[@class='wire-attribution']/dt")
    return [(dt.text_content(), dt.getnext().text_content()) for dt in dts]


def test_page_starts_with_a_doctype_and_is_utf8() -> None:
    data = render_story_html(fixture_story("mina"))
    assert data.startswith(b"<!DOCTYPE html>\n")
    assert "Mi’raj".encode() in data


def test_headline_and_body_are_shown() -> None:
    page = _page("mina")
    assert page.xpath("string(//h1)") == fixture_story("mina").headline
    assert len(page.xpath("//article/p[not(@class)]")) == len(fixture_story("mina").body)


def test_markup_in_text_is_escaped_not_executed() -> None:
    page = _page("full", headline="<script>alert(1)</script>", editor="<b>x</b>")
    assert not page.xpath("//script")
    assert page.xpath("string(//h1)") == "<script>alert(1)</script>"
    assert ("Editor", "<b>x</b>") in _rows(page)


def test_attribution_box_lists_everything() -> None:
    """The whole box, as feeds carry it (the page prints credit and sources above it)."""
    rows = _rows(lxml.html.fragment_fromstring(content_html(fixture_story("full"))))
    for row in [
        ("By", "Jane Doe, Ahmad Rahimi"),
        ("Credit", "Example Wire Service (EWS) / Harbour Desk"),
        ("Dateline", "Port Town, EWS, 2025-07-05"),
        ("Provider", "Example Wire Service (EWS)"),
        (
            "Sources",
            "According to Port Authority Gazette; as quoted by Radio Coast;"
            " first published by Coastal Times.",
        ),
        ("Editor", "M. Editor"),
        ("Copyright", "© 2025 Example Wire Service"),
        ("Usage terms", "Editorial use only; no archiving."),
        ("Picture 1 credit", "Jane Doe/EWS"),
        ("Related", "Storm closes harbour"),
    ]:
        assert row in rows


def test_pictures_have_anchors_captions_and_credits() -> None:
    figure = _page("full").get_element_by_id("picture-2")
    assert figure.xpath("string(.//span[@class='caption'])") == "The storm surge on Thursday"
    assert figure.xpath("string(.//span[@class='credit'])") == "Reader photo via\nSocial Media"


def test_related_with_url_is_a_link() -> None:
    assert _page("full").xpath("//dl//a/@href") == ["https://news.example/storm-closes"]


def test_correction_note_is_shown() -> None:
    note = _page("correction").xpath("string(//p[@class='wire-correction'])")
    assert note == "Correction (version 3): Corrects the name of the port authority spokesperson."


def test_killed_story_shows_its_status() -> None:
    page = _page("full", pub_status=PubStatus.CANCELED)
    assert page.xpath("string(//p[@class='wire-pubstatus'])") == (
        "Killed: this story has been withdrawn and must not be published."
    )


def test_right_to_left_story_declares_its_language() -> None:
    assert _page("arabic").get("lang") == "ar"


def test_no_empty_element_is_self_closed() -> None:
    assert b"<p/>" not in render_story_html(replace(fixture_story("mina"), body=("",)))


def test_no_raw_role_token_or_status_value_is_printed() -> None:
    text = _page("full").text_content()
    for role in SourceRole:
        assert f"({role.value})" not in text
    assert "usable" not in text


def test_a_usable_story_carries_no_status_row() -> None:
    assert "Status" not in [term for term, _ in _rows(_page("full"))]


def test_withheld_story_is_told_in_words() -> None:
    page = _page("full", pub_status=PubStatus.WITHHELD)
    assert ("Status", "Withheld: do not publish this story until further notice.") in _rows(page)


def test_credit_and_sources_are_printed_in_words() -> None:
    page = _page("full")
    credit = page.xpath("string(//p[@class='wire-credit'])")
    assert credit == "Credit: Example Wire Service (EWS) / Harbour Desk"
    assert page.xpath("string(//p[@class='wire-sources'])").startswith(
        "According to Port Authority Gazette"
    )


def test_picture_credit_is_printed_under_the_picture() -> None:
    caption = _page("full").get_element_by_id("picture-1").xpath("string(.//figcaption)")
    assert caption.endswith("Credit: Jane Doe/EWS")


def test_page_shows_its_time_as_a_machine_readable_instant() -> None:
    story = fixture_story("full")
    assert story.sort_time is not None
    (time,) = _page("full").xpath("//time")
    assert time.get("datetime") == story.sort_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert time.text.endswith("UTC")


def test_page_prints_byline_and_dateline() -> None:
    page = _page("full")
    assert page.xpath("string(//p[@class='wire-byline'])") == "By Jane Doe and Ahmad Rahimi"
    assert page.xpath("string(//p[@class='wire-dateline'])").startswith("PORT TOWN")


def test_page_is_readable_on_a_phone() -> None:
    page = _page("mina")
    viewport = page.xpath("string(//meta[@name='viewport']/@content)")
    assert "width=device-width" in viewport
    assert "max-width" in page.xpath("string(//style)")


def test_canonical_link_is_the_pages_own_url() -> None:
    story = fixture_story("full")
    canonical = _page("full").xpath("//link[@rel='canonical']/@href")
    assert canonical == [f"{BASE}/stories/{quote(story.guid, safe='')}.html"]


def test_page_links_to_the_story_in_every_format() -> None:
    story = fixture_story("full")
    hrefs = _page("full").xpath("//nav[@class='wire-formats']//a/@href")
    guid = quote(story.guid, safe="")
    assert hrefs == [f"{BASE}/stories/{guid}.{f.extension}" for f in STORY_FORMATS]


def test_right_to_left_story_sets_the_direction() -> None:
    assert _page("arabic").get("dir") == "rtl"


def test_page_prints_credit_and_sources_once() -> None:
    terms = [term for term, _ in _rows(_page("full"))]
    assert "Credit" not in terms
    assert "Sources" not in terms


def test_printed_time_keeps_its_order_in_a_right_to_left_page() -> None:
    assert _page("arabic").xpath("//time/@dir") == ["ltr"]
