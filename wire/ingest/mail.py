"""E-mail (RFC 5322, MIME) → a draft story: the way stringers and small agencies file. Pure.

The message is read by the standard library's ``email`` package (MIME parts,
transfer encodings such as quoted-printable and base64, charsets, encoded
words in headers). The subject is the headline; the text part (else the HTML
part, as text) is raw copy and goes through the same extraction as any other
(``wire.ingest.extract``): byline, dateline, captions, "as reported by",
sign-off. What the message itself says fills what the copy does not: the
sender's name as the byline, the ``Date`` header as the time. Attached
pictures become the story's pictures, credited as the copy credits its
pictures, else to the sender.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

from wire.attribution import SourcePolicy
from wire.errors import MalformedInput, NoContent
from wire.ingest.repair import check_size
from wire.ingest.textcopy import story_of_copy
from wire.ingest.values import finish, html_paragraphs
from wire.model import Picture, Story

_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]")
_MAIL_HEADERS = frozenset(
    {"subject", "date", "message-id", "received", "mime-version", "to", "delivered-to"}
)
_FORWARDED = re.compile(r"^(?:(?:fwd?|fw|re|aw|wg)\s*:\s*)+", re.I)
_HEAD_LINES = 200
_HEAD_BYTES = 64 * 1024


def is_email(text: str) -> bool:
    """Whether the document opens with an RFC 5322 header block: header lines
    (folded lines allowed) up to an empty line, ``From`` among them with at
    least one other header only mail carries (an mbox ``From `` line first is
    allowed)."""
    lines = text.lstrip("\ufeff").split("\n", _HEAD_LINES)[:_HEAD_LINES]
    if lines and lines[0].startswith("From ") and not _HEADER_LINE.match(lines[0]):
        lines = lines[1:]
    names: set[str] = set()
    for line in lines:
        line = line.rstrip("\r")
        if not line:
            return "from" in names and bool(names & _MAIL_HEADERS)
        if line[0] in " \t" and names:
            continue  # a folded header line
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(":", 1)[0].lower())
    return False


def _text_of(message: EmailMessage, name: str) -> str:
    """The message's text: its plain part, else its HTML part as paragraphs."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError) as exc:  # an unknown charset, a broken encoding
        raise MalformedInput(name, f"the text part cannot be decoded: {exc}") from exc
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return "\n\n".join(html_paragraphs(content))
    return content


def _attached_pictures(message: EmailMessage) -> list[str]:
    """The names (or descriptions) of the pictures attached to the message."""
    found: list[str] = []
    for part in message.iter_attachments():
        if part.get_content_maintype() == "image":
            label = part.get("Content-Description") or part.get_filename() or ""
            found.append(str(label).strip())
    return found


def _sent(message: EmailMessage) -> datetime | None:
    value = message.get("Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def parse_email(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
) -> list[Story]:
    """An e-mailed story as one draft story. Raises ``InputTooLarge``,
    ``MalformedInput`` (an undecodable text part) or ``NoContent`` (no subject
    and no text)."""
    check_size(data, name)
    if not is_email(data[:_HEAD_BYTES].decode("latin-1")):  # header names are ASCII
        raise MalformedInput(name, "not an e-mail: no RFC 5322 header block with From")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # what policy.default builds
    subject = _FORWARDED.sub("", str(message.get("Subject") or "")).strip()
    text = _text_of(message, name)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if subject and (not lines or lines[0].casefold() != subject.casefold()):
        text = f"{subject}\n\n{text}"
    if not text.strip():
        raise NoContent(name, "an e-mail with neither a subject nor text")
    story = story_of_copy(
        text,
        name=name,
        fmt="email",
        raw_sha256=hashlib.sha256(data).hexdigest(),
        fetched_at=fetched_at,
        source=source,
        policy=policy,
        url=url,
    )
    sender, _address = parseaddr(str(message.get("From") or ""))
    review = list(story.review)
    byline = story.byline
    if not byline and sender:
        byline = (sender,)
        review.append("no byline in the copy: the sender's name is the byline")
    # Attached pictures the copy captions are those captions' pictures; the
    # others are credited as the copy credits its pictures, else to the sender.
    credits = [p.credit for p in story.pictures if p.credit]
    credit = credits[0] if credits else (sender or None)
    attached = tuple(
        Picture(caption=label or None, credit=credit)
        for label in _attached_pictures(message)[len(story.pictures) :]
    )
    sent = _sent(message)
    story = replace(
        story,
        byline=byline,
        published_at=story.published_at or sent,
        first_created=story.first_created or sent,
        pictures=story.pictures + attached,
        review=tuple(review),
    )
    return finish([story], name=name, policy=policy)
