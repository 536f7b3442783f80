"""The one policy for text, markup and links that enter wire, applied before any story is stored.

Text: every string field of a story (headline, body, byline, credit line,
captions, notes, …) loses the characters XML 1.0 cannot carry — C0 controls
other than tab, newline and carriage return, U+FFFE, U+FFFF — so a story that
is stored always renders in every format. A guid holding one is refused
instead (``StoryValidationError`` at ``/guid``): an identity is never silently
changed. A lone surrogate is not text at all (it only arrives through JSON's
``"\\ud800"``): anywhere, it is refused with the field named, here and in the
HTTP API before this point (``first_surrogate``).

Body paragraphs are plain text, or XHTML when they start with ``<`` (see
``wire.publish.storyhtml``); the latter are cleaned here with nh3 (ammonia: an
allow-list HTML sanitizer) to a small set of inline and block elements, links
limited to web and mail schemes, and re-serialized as XHTML so every renderer
reads them alike. Links a story carries (its own, its pictures', its sources'
and related stories') must be ``http``/``https``: anything else is dropped and
noted in ``review``. Every parser's stories pass ``sanitize_story`` as they
leave the pipeline (``wire.ingest.pipeline.parse_input``), and every story —
pushed, PUT or corrected story JSON too — again on its one way into the store,
``wire.service.Wire.save``. Idempotent. Pure.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any, Final
from urllib.parse import urlsplit

import nh3
from lxml import etree, html

from wire.errors import StoryValidationError
from wire.model import Story

_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")

TAGS: Final = frozenset(
    {
        "p", "br", "a", "b", "i", "em", "strong", "span", "sub", "sup", "code", "pre",
        "blockquote", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "q", "cite",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
    }
)  # fmt: skip
ATTRIBUTES: Final = {
    "a": {"href", "title", "hreflang"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"lang", "dir"},
}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_SCHEMES: Final = frozenset({"http", "https"})


def clean_markup(text: str) -> str:
    """A body paragraph as stored: plain text as it is; markup (text that starts
    with ``<``) sanitized and re-serialized as XHTML."""
    if not text.lstrip().startswith("<"):
        return text
    cleaned = nh3.clean(
        text,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    try:
        parts = html.fragments_fromstring(cleaned)
    except (etree.ParserError, ValueError):
        return cleaned
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(_escape(part))
        else:
            out.append(etree.tostring(part, encoding="unicode", method="xml"))
    return "".join(out).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_link(url: str | None) -> bool:
    """Whether a story's link may be published: absolute http(s), no credentials."""
    if url is None:
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.hostname) and not parts.username


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def _clean_value(value: Any, path: str) -> Any:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise StoryValidationError(path, "holds a lone surrogate, which is not Unicode text")
        return xml_text(value)
    if isinstance(value, tuple):
        return tuple(_clean_value(v, f"{path}/{i}") for i, v in enumerate(value))
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: cleaned
            for f in fields(value)
            if (cleaned := _clean_value(old := getattr(value, f.name), f"{path}/{f.name}"))
            is not old
            and cleaned != old
        }
        return replace(value, **changes) if changes else value
    return value


def first_surrogate(value: Any, path: str = "") -> str | None:
    """The JSON Pointer of the first string in decoded JSON holding a lone surrogate."""
    if isinstance(value, str):
        return path if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = first_surrogate(key, path) or first_surrogate(item, f"{path}/{key}")
            if where is not None:
                return where
    if isinstance(value, list):
        for index, item in enumerate(value):
            where = first_surrogate(item, f"{path}/{index}")
            if where is not None:
                return where
    return None


def sanitize_story(story: Story) -> Story:
    """The story with text XML can carry, its markup cleaned and its unsafe links
    dropped (noted in ``review``). Raises ``StoryValidationError``, naming the
    field, for a guid holding a character XML cannot carry and for a lone
    surrogate anywhere."""
    if _NOT_XML.search(story.guid):
        raise StoryValidationError("/guid", "holds a control character XML cannot carry")
    story = _clean_value(story, "")
    notes: list[str] = []

    def link(url: str | None, what: str) -> str | None:
        if safe_link(url):
            return url
        notes.append(f"{what} {url!r} dropped: only absolute http(s) links are published")
        return None

    body = tuple(p for p in (clean_markup(p) for p in story.body) if p.strip())
    pictures = tuple(replace(p, url=link(p.url, "picture URL")) for p in story.pictures)
    sources = tuple(replace(s, url=link(s.url, "source URL")) for s in story.sources)
    related = tuple(replace(r, url=link(r.url, "related URL")) for r in story.related)
    cleaned = replace(
        story,
        body=body,
        link=link(story.link, "link"),
        pictures=pictures,
        sources=sources,
        related=related,
    )
    if notes:
        cleaned = replace(cleaned, review=tuple(dict.fromkeys((*story.review, *notes))))
    return cleaned if cleaned != story else story
