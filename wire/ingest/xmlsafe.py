"""Safe reading of untrusted XML and HTML, and the value checks all format parsers share.

Every XML input wire reads goes through :func:`parse_xml`: no entity is expanded,
no DTD or anything else is fetched, and a document whose DOCTYPE declares
entities or points at an external DTD is refused outright rather than parsed
"safely", because a refusal is easier to audit than a partial expansion. The
small element helpers below exist so each format parser reads namespaced XML
the same way without repeating itself; ``conform`` is the last step of every
parser, so a hostile value in any format becomes a review note rather than a
story that fails ``schemas/story.schema.json`` further down the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import nh3
from lxml import etree, html

from wire.errors import InputTooLarge, MalformedInput, UnsafeXML
from wire.model import Dateline, Story

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""The size cap for one XML input; the poller may pass a smaller one per source."""

_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SINGLE_BYTE = frozenset(
    {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "us-ascii", "ascii", "windows-1252", "cp1252"}
)
# A UTF-8 multi-byte sequence: what latin-1 text almost never contains by chance.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_DOCTYPE = re.compile(r"<!DOCTYPE\b(?P<decl>[^\[>]*)(?P<subset>\[.*?\]\s*)?>", re.S | re.I)
_EXTERNAL_ID = re.compile(r"\b(SYSTEM|PUBLIC)\b")


def _parser() -> etree.XMLParser:
    # A fresh parser per document: lxml parsers are not safe to share across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def declared_encoding(data: bytes) -> str | None:
    """The encoding named in the XML declaration, lower-cased, if there is one."""
    match = _DECLARED.match(data[:512])
    return match.group(1).decode("ascii").lower() if match else None


def _prolog_text(data: bytes) -> str:
    """The head of the document as text, good enough to find a DOCTYPE in."""
    head = data[:65536]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, errors="replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="replace")
    return head.decode("latin-1")


def _refuse_doctype(text: str, name: str) -> None:
    match = _DOCTYPE.search(text)
    if match is None:
        return
    if "<!ENTITY" in (match.group("subset") or "").upper():
        raise UnsafeXML(name, "the DOCTYPE declares entities; wire never expands them")
    if _EXTERNAL_ID.search(match.group("decl")):
        raise UnsafeXML(name, "the DOCTYPE references an external DTD; wire never loads one")


def _check_encoding(data: bytes, name: str) -> None:
    declared = declared_encoding(data)
    if declared in _SINGLE_BYTE and _UTF8_MULTIBYTE.search(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return
        raise MalformedInput(
            name, f"declares encoding {declared!r} but the bytes are UTF-8; refusing to misread"
        )


def parse_xml(data: bytes, *, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root element of a well-formed, entity-free XML document.

    Raises ``InputTooLarge`` over ``max_bytes``, ``UnsafeXML`` for a DOCTYPE that
    declares entities or names an external DTD, and ``MalformedInput`` for
    anything that is not well-formed in its declared encoding."""
    if len(data) > max_bytes:
        raise InputTooLarge(name, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    if not data.strip():
        raise MalformedInput(name, "empty document")
    _refuse_doctype(_prolog_text(data), name)
    _check_encoding(data, name)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        declared = declared_encoding(data)
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower():
            said = f"the declared encoding {declared!r}" if declared else "UTF-8 (none declared)"
            raise MalformedInput(name, f"bytes do not match {said}: {exc}") from exc
        raise MalformedInput(name, f"not well-formed XML: {exc}") from exc
    except ValueError as exc:  # lxml refuses some inputs before parsing (e.g. bad encodings)
        raise MalformedInput(name, f"not parseable as XML: {exc}") from exc
    if root is None:
        raise MalformedInput(name, "no root element")
    _refuse_docinfo(root, name)
    return root


def _refuse_docinfo(root: etree._Element, name: str) -> None:
    # The authoritative check, on what libxml2 actually saw; the lexical one above
    # only makes the refusal win over a syntax error in the same document.
    info = root.getroottree().docinfo
    # lxml-stubs lack DocInfo.system_url and DTD.iterentities; both exist since lxml 3.
    if getattr(info, "system_url", None) or info.public_id:
        raise UnsafeXML(name, "the DOCTYPE references an external DTD; wire never loads one")
    dtd: Any = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXML(name, "the DOCTYPE declares entities; wire never expands them")


# -- element helpers ----------------------------------------------------------------


def local(el: etree._Element) -> str:
    """An element's name without its namespace ('' for comments and PIs)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(el: etree._Element) -> str:
    """An element's namespace URI, '' when it has none."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].partition("}")[0]


def kids(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    """Child elements whose local name is one of ``names`` (any namespace), in order."""
    for child in el:
        if local(child) in names:
            yield child


def kid(el: etree._Element | None, *names: str) -> etree._Element | None:
    """The first child element named one of ``names``, or None."""
    if el is None:
        return None
    return next(kids(el, *names), None)


def descendants(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    """Descendant elements whose local name is one of ``names``, in document order."""
    for node in el.iter():
        if node is not el and local(node) in names:
            yield node


def all_text(el: etree._Element) -> str:
    """Every text node inside an element, joined as they are."""
    return "".join(str(t) for t in el.itertext())


def squash(text: str | None) -> str | None:
    """Whitespace collapsed to single spaces; None for nothing left."""
    if text is None:
        return None
    joined = " ".join(text.split())
    return joined or None


def text_of(el: etree._Element | None) -> str | None:
    """All the text inside an element, whitespace collapsed; None when empty."""
    if el is None:
        return None
    return squash(all_text(el))


def attr(el: etree._Element | None, name: str) -> str | None:
    """An attribute value, whitespace collapsed; None when absent or blank."""
    if el is None:
        return None
    return squash(el.get(name))


# -- HTML inside feeds and items ----------------------------------------------------------

_BLOCKS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "dd", "dt"}
)
_CONTAINERS = frozenset({"div", "blockquote", "li", "td", "dd"})


def html_paragraphs(markup: str) -> tuple[str, ...]:
    """Untrusted HTML to its paragraphs as plain text, sanitized with nh3 first.

    Block elements become paragraphs; text outside any block becomes a paragraph
    of its own, so a body of bare text with ``<br>`` breaks still splits sensibly."""
    if not markup.strip():
        return ()
    cleaned = nh3.clean(markup, tags=_BLOCKS | {"br", "a", "b", "i", "em", "strong", "span"})
    try:
        fragment = html.fragment_fromstring(cleaned, create_parent="div")
    except etree.ParserError:
        return ()
    out: list[str] = []
    loose: list[str] = []

    def flush() -> None:
        text = squash("".join(loose))
        if text:
            out.append(text)
        loose.clear()

    def walk(el: etree._Element) -> None:
        if el.text:
            loose.append(el.text)
        for child in el:
            name = local(child)
            if name in _BLOCKS and not (name in _CONTAINERS and _has_block(child)):
                flush()
                text = text_of(child)
                if text:
                    out.append(text)
            elif name in _CONTAINERS:
                flush()
                walk(child)
                flush()
            elif name == "br":
                flush()
            else:
                loose.append(all_text(child))
            if child.tail:
                loose.append(child.tail)

    walk(fragment)
    flush()
    return tuple(out)


def _has_block(el: etree._Element) -> bool:
    return any(local(d) in _BLOCKS for d in el.iterdescendants())


def html_text(markup: str | None) -> str | None:
    """Untrusted HTML (a title, a summary) flattened to one line of plain text."""
    if not markup:
        return None
    return squash(" ".join(html_paragraphs(markup)))


# -- values every parser checks -------------------------------------------------------------

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_GUID = 1024
MAX_URL = 4096


def iso_instant(text: str | None) -> datetime | None:
    """An RFC 3339 / ISO 8601 extended instant as aware UTC; None when unreadable.

    No zone means UTC. Years outside 1000–9999 are refused: they are always
    typos or hostile, and RFC 3339 cannot write them."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        return in_range(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        return None


def in_range(value: datetime | None) -> datetime | None:
    """The instant in UTC when it is between the years 1000 and 9999, else None."""
    if value is None:
        return None
    try:
        utc = value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return utc if 1000 <= utc.year <= 9999 else None


def language_tag(text: str | None) -> str | None:
    """A BCP 47-looking language tag (``en``, ``en-GB``), or None."""
    value = squash(text)
    return value if value and _LANGUAGE.match(value) else None


def _url(value: str | None, what: str, review: list[str]) -> str | None:
    if value is not None and len(value) > MAX_URL:
        review.append(f"{what} longer than {MAX_URL} characters dropped")
        return None
    return value


def conform(story: Story, *, name: str) -> Story:
    """The story with values the story schema refuses dropped and noted for review.

    A guid over ``MAX_GUID`` characters is not dropped but refused
    (``MalformedInput``): without its id a story cannot be versioned."""
    if len(story.guid) > MAX_GUID:
        raise MalformedInput(name, f"guid longer than {MAX_GUID} characters")
    review = list(story.review)
    language = story.language
    if language is not None and not _LANGUAGE.match(language):
        review.append(f"language {language!r} is not a language tag: dropped")
        language = None
    dateline = story.dateline
    if dateline is not None and dateline.date is not None:
        try:
            date.fromisoformat(dateline.date)
        except ValueError:
            review.append(f"dateline date {dateline.date!r} is not YYYY-MM-DD: dropped")
            dateline = Dateline(place=dateline.place, agency=dateline.agency)
    return replace(
        story,
        language=language,
        dateline=dateline,
        link=_url(story.link, "link", review),
        version_created=in_range(story.version_created),
        first_created=in_range(story.first_created),
        published_at=in_range(story.published_at),
        embargoed_until=in_range(story.embargoed_until),
        pictures=tuple(replace(p, url=_url(p.url, "picture url", review)) for p in story.pictures),
        sources=tuple(replace(s, url=_url(s.url, "source url", review)) for s in story.sources),
        related=tuple(replace(r, url=_url(r.url, "related url", review)) for r in story.related),
        review=tuple(dict.fromkeys(review)),
    )
