"""E-mailed copy, the way stringers and small agencies file, becomes a story:
the subject its headline, the text its copy, the sender and date what the copy
does not say, attached pictures its pictures.

The messages in ``tests/fixtures/mail/`` were written for these tests: relay
headers and quoted-printable Windows-1252 text, plain and HTML alternatives
with a picture attached, HTML only in base64 with encoded-word headers. Each
``<name>.expected.json`` holds what must come out of ``<name>``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.matching import subset
from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest.detect import detect_format
from wire.ingest.mail import is_email, parse_email
from wire.ingest.pipeline import parse_input
from wire.model import Story
from wire.storyjson import story_to_dict, validate_story_dict

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail"
FETCHED = datetime(2026, 12, 2, tzinfo=UTC)
MESSAGES = sorted(MAIL.glob("*.eml"))


def parsed(path: Path) -> list[Story]:
    return parse_input(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="agency")


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_each_message_becomes_the_story_it_files(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
    assert subset([story_to_dict(s) for s in parsed(path)], expected) == expected


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_a_message_is_told_by_its_header_block_and_stored_as_email(path: Path) -> None:
    assert detect_format(path.read_bytes()) == "email"
    (story,) = parsed(path)
    validate_story_dict(story_to_dict(story))
    assert story.origin.format == "email"


def test_the_subject_is_the_headline_without_forwarding_prefixes() -> None:
    (story,) = parsed(MAIL / "stringer-plain-qp.eml")
    assert story.headline == "Floods cut road to Bogor for a second day"


def test_the_copys_byline_wins_over_the_sender() -> None:
    (story,) = parsed(MAIL / "bureau-alternative-photo.eml")
    assert story.byline == ("Omar Farouk",)


def test_without_a_byline_the_sender_signs_and_the_desk_is_told() -> None:
    (story,) = parsed(MAIL / "stringer-plain-qp.eml")
    assert story.byline == ("Rina Sari",)
    assert any("sender" in note for note in story.review)


def test_the_date_header_is_the_time_when_the_copy_gives_none() -> None:
    (story,) = parsed(MAIL / "stringer-plain-qp.eml")  # Tue, 01 Dec 2026 13:10:00 +0700
    assert story.published_at == datetime(2026, 12, 1, 6, 10, tzinfo=UTC)


def test_an_attached_picture_is_the_storys_picture_with_a_credit() -> None:
    (story,) = parsed(MAIL / "bureau-alternative-photo.eml")
    (picture,) = story.pictures
    assert picture.caption == "Passengers board the ferry at the Giza landing"
    assert picture.credit


def test_a_message_with_neither_subject_nor_text_is_refused() -> None:
    message = EmailMessage(policy=SMTP)
    message["From"] = "a@example.org"
    message["Date"] = "Wed, 02 Dec 2026 11:00:00 +0300"
    message.set_content("")
    with pytest.raises(NoContent):
        parse_email(bytes(message), name="empty", fetched_at=FETCHED)


def test_copy_that_starts_with_a_label_is_not_mail() -> None:
    assert not is_email("From: the desk\nFloods in Jakarta\n\nJAKARTA – Floods cut roads.")
    assert not is_email("Headline: Floods\nDate: today\n\nBody.")
    for path in sorted((MAIL.parent / "raw").glob("*.txt")):
        assert detect_format(path.read_bytes()) != "email"


@given(
    subject=st.text(max_size=80),
    body=st.text(max_size=400),
    charset=st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "koi8-r"]),
)
def test_any_message_gives_a_valid_story_or_a_named_refusal(
    subject: str, body: str, charset: str
) -> None:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Stringer <s@example.org>"
    message["Date"] = "Wed, 02 Dec 2026 11:00:00 +0300"
    try:
        message["Subject"] = subject
        message.set_content(body, charset=charset)
        data = bytes(message)
    except (ValueError, UnicodeError, LookupError):
        return  # not a message the standard library would send
    try:
        stories = parse_input(data, name="fuzz", fetched_at=FETCHED)
    except IngestError:
        return
    for story in stories:
        validate_story_dict(story_to_dict(story))


def test_copy_forced_to_be_read_as_mail_is_refused_by_name() -> None:
    with pytest.raises(MalformedInput, match="not an e-mail"):
        parse_input(
            b"Floods in Jakarta\n\nJAKARTA - Roads cut.", name="x", fetched_at=FETCHED, fmt="email"
        )
