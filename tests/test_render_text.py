"""A story as plain text: what a partner pastes or prints, the credit line and
rights as they must be printed."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.strategies import renderable_stories
from wire.formats.printed import printed_byline, printed_dateline, sources_in_words
from wire.model import InfoSource, PubStatus, Story
from wire.publish.plaintext import paragraph_lines, render_text_story, story_text
from wire.storyjson import story_from_dict

FIXTURES = Path(__file__).parent / "fixtures"
FULL = story_from_dict(json.loads((FIXTURES / "stories" / "full.json").read_text(encoding="utf-8")))


def test_a_full_story_prints_in_reading_order_with_attribution_last() -> None:
    assert story_text(FULL) == (FIXTURES / "stories" / "full.txt").read_text(encoding="utf-8")


def test_bylines_are_printed_after_by_with_and_before_the_last_name() -> None:
    assert printed_byline(()) is None
    assert printed_byline(("Jane Doe",)) == "By Jane Doe"
    assert printed_byline(("A", "B")) == "By A and B"
    assert printed_byline(("A", "B", "C")) == "By A, B and C"


def test_sources_of_one_role_are_named_together_in_the_order_the_story_names_them() -> None:
    sources = (
        InfoSource("Al Jazeera", "reported-by"),
        InfoSource("Reuters", "according-to"),
        InfoSource("BBC", "reported-by"),
    )
    assert sources_in_words(sources) == "As reported by Al Jazeera and BBC; according to Reuters."


def test_a_dateline_prints_the_place_in_capitals_then_date_and_agency() -> None:
    assert printed_dateline(FULL.dateline) == "PORT TOWN, July 5, 2025 (EWS) –"
    assert printed_dateline(None) is None


def test_markup_paragraphs_print_as_their_text() -> None:
    assert paragraph_lines("<p>A <b>bold</b> word</p>") == ["A bold word"]
    assert paragraph_lines("<table><tr><td>A</td><td>2</td></tr></table>") == ["A | 2"]
    assert paragraph_lines("<ul><li>one</li><li>two</li></ul>") == ["- one", "- two"]


def test_a_removed_story_says_its_status_first() -> None:
    killed = Story(headline="Story withdrawn", guid="urn:t:k", pub_status=PubStatus.CANCELED)
    assert story_text(killed).startswith(
        "Killed: this story has been withdrawn and must not be published.\nStory withdrawn\n"
    )
    assert "canceled" not in story_text(killed)  # the status in words, not its token


def test_right_to_left_copy_is_printed_as_it_is() -> None:
    story = Story(headline="مرحبا", guid="urn:t:ar", body=("نص الخبر",), byline=("فاطمة",))
    assert "مرحبا" in story_text(story)
    assert "By فاطمة" in story_text(story)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=renderable_stories)
def test_any_story_prints_as_utf8_with_its_headline_and_credit(story: Story) -> None:
    text = render_text_story(story).decode("utf-8")
    assert " ".join(story.headline.split()) in text
    if story.credit_line and story.credit_line.strip():
        assert "Credit: " + " ".join(story.credit_line.split()) in text
    assert text.endswith("\n")
    assert "\r" not in text.replace("\r\n", "")
