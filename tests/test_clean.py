"""Boilerplate removal: furniture out, every cut listed once, story lines untouched."""

from __future__ import annotations

import pytest

from wire.ingest.clean import clean_lines


@pytest.mark.parametrize(
    "line",
    [
        "ADVERTISEMENT",
        "SCROLL TO CONTINUE WITH CONTENT",
        "Peace in Palestine = Peace in the World",
        "10 Views",
        "1,204 views",
        "5 hours ago",
        "an hour ago",
        "IKLAN",
        "Dilihat 120 kali",
        "5 jam yang lalu",
        "منذ ٥ ساعات",
        "١٢٠ مشاهدة",
        "إعلان",
    ],
)
def test_furniture_lines_are_recognised(line: str) -> None:
    assert clean_lines([line]) == ((), (line,))


@pytest.mark.parametrize(
    "line",
    [
        "Russia Officially Recognize Taliban Government in Afghanistan",
        "The vote came 5 hours ago, officials said.",
        "Views differ on the deal.",
        "Advertisement revenue fell 10% in May.",
    ],
)
def test_story_lines_are_not_furniture(line: str) -> None:
    assert clean_lines([line]) == ((line,), ())


def test_removed_lists_each_cut_once_in_the_order_first_seen() -> None:
    kept, removed = clean_lines(
        [
            "SCROLL TO CONTINUE WITH CONTENT",
            "",
            "ADVERTISEMENT",
            "SCROLL TO CONTINUE WITH CONTENT",
            "Headline",
            "10 Views",
        ]
    )
    assert kept == ("Headline",)
    assert removed == ("SCROLL TO CONTINUE WITH CONTENT", "ADVERTISEMENT", "10 Views")


def test_a_line_printed_twice_in_a_row_is_kept_once_and_not_listed() -> None:
    caption = "Rescuers search the rubble in Palu (photo: AFP)"
    kept, removed = clean_lines(["Headline", caption, caption, "Body."])
    assert kept == ("Headline", caption, "Body.")
    assert removed == ()


def test_a_short_line_between_two_ad_markers_is_a_slogan() -> None:
    kept, removed = clean_lines(["ADVERTISEMENT", "Your Trusted Voice", "IKLAN", "Headline"])
    assert kept == ("Headline",)
    assert removed == ("ADVERTISEMENT", "Your Trusted Voice", "IKLAN")


def test_a_sentence_between_two_ad_markers_stays() -> None:
    kept, _ = clean_lines(["ADVERTISEMENT", "The minister resigned on Monday.", "IKLAN"])
    assert kept == ("The minister resigned on Monday.",)


def test_everything_after_an_end_marker_is_furniture() -> None:
    kept, removed = clean_lines(["Body.", "Recommendation for you", "Other story", "Another"])
    assert kept == ("Body.",)
    assert removed == ("Recommendation for you", "Other story", "Another")


def test_a_repeated_story_line_is_not_collapsed() -> None:
    kept, _ = clean_lines(["Headline", "Yes.", "Yes."])
    assert kept == ("Headline", "Yes.", "Yes.")


def test_cleaning_its_own_output_removes_nothing() -> None:
    caption = "Rescuers in Palu (photo: AFP)"
    kept, _ = clean_lines(["ADVERTISEMENT", "Slogan here", "IKLAN", "Headline", caption, caption])
    assert clean_lines(kept) == (kept, ())
