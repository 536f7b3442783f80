"""The standalone story page: escaped, complete attribution box, lifecycle notes."""

from __future__ import annotations

from dataclasses import replace

import lxml.html

from tests.validators import fixture_story
from wire.model import PubStatus
from wire.publish.storyhtml import render_story_html


def _page(name: str, **changes: object) -> lxml.html.HtmlElement:
    story = replace(fixture_story(name), **changes)  # type: ignore[arg-type]
    return lxml.html.document_fromstring(render_story_html(story))


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
    rows = _rows(_page("full"))
    for row in [
        ("By", "Jane Doe, Ahmad Rahimi"),
        ("Credit", "Example Wire Service (EWS) / Harbour Desk"),
        ("Dateline", "Port Town, EWS, 2025-07-05"),
        ("Provider", "Example Wire Service (EWS)"),
        ("Source", "Port Authority Gazette (according-to)"),
        ("Source", "Radio Coast (quoted)"),
        ("Editor", "M. Editor"),
        ("Copyright", "© 2025 Example Wire Service"),
        ("Usage terms", "Editorial use only; no archiving."),
        ("Picture 1 credit", "Jane Doe/EWS"),
        ("Related", "Storm closes harbour"),
        ("Status", "usable"),
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
    assert page.xpath("string(//p[@class='wire-pubstatus'])") == "Status: canceled"


def test_right_to_left_story_declares_its_language() -> None:
    assert _page("arabic").get("lang") == "ar"


def test_no_empty_element_is_self_closed() -> None:
    assert b"<p/>" not in render_story_html(replace(fixture_story("mina"), body=("",)))
