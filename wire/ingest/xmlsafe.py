"""Safe reading of untrusted XML.

Every XML input wire reads goes through :func:`parse_xml`: no entity is expanded,
no DTD or anything else is fetched, and a document whose DOCTYPE declares
entities is refused outright rather than parsed "safely", because a refusal is
easier to audit than a partial expansion. A DOCTYPE that only names an external
DTD (``<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">``, as real NITF and NewsML files
do) is accepted: the DTD is never loaded (no DTD loading, no network), and an
entity it would have defined is simply undefined, so the document fails as
malformed rather than expanding anything.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, MalformedInput, UnsafeXML
from wire.ingest.limits import Limits, current

"""The size cap for one XML input; the poller may pass a smaller one per source."""

_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SINGLE_BYTE = frozenset(
    {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "us-ascii", "ascii", "windows-1252", "cp1252"}
)
# A UTF-8 multi-byte sequence: what latin-1 text almost never contains by chance.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_DOCTYPE = re.compile(r"<!DOCTYPE\b(?P<decl>[^\[>]*)(?P<subset>\[.*?\]\s*)?>", re.S | re.I)


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


def parse_xml(data: bytes, *, name: str, max_bytes: int = MAX_INPUT_BYTES) -> etree._Element:
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
        root = _parse_bounded(data, name, current())
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


_CHUNK = 64 * 1024


def _parse_bounded(data: bytes, name: str, limits: Limits) -> etree._Element | None:
    """Parse incrementally, counting elements and depth as they start, so an input
    over the limits is refused part-way instead of after its whole tree is built."""
    # A fresh parser per document: lxml parsers are not safe to share across threads.
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    count = depth = 0
    for offset in range(0, len(data), _CHUNK):
        parser.feed(data[offset : offset + _CHUNK])
        for event, _element in parser.read_events():
            if event == "end":
                depth -= 1
                continue
            count += 1
            depth += 1
            if count > limits.max_elements:
                raise InputTooLarge(name, f"more than {limits.max_elements} elements")
            if depth > limits.max_depth:
                raise InputTooLarge(name, f"elements nested deeper than {limits.max_depth}")
    root: etree._Element | None = parser.close()
    return root


def _refuse_docinfo(root: etree._Element, name: str) -> None:
    # The authoritative check, on what libxml2 actually saw; the lexical one above
    # only makes the refusal win over a syntax error in the same document.
    info = root.getroottree().docinfo
    # lxml-stubs lack DTD.iterentities; it exists since lxml 3.
    dtd: Any = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXML(name, "the DOCTYPE declares entities; wire never expands them")


_ENTITY_DECL = re.compile(r"<!ENTITY\b", re.I)


def refuse_declarations(text: str, name: str) -> None:
    """Refuse markup declarations in a document read as text or an HTML page:
    an entity declaration anywhere, however it is hidden (behind comments,
    padding or a wide encoding the caller decoded), is a hostile document, never
    a story whose headline is raw XML."""
    if _ENTITY_DECL.search(text):
        raise UnsafeXML(name, "the document declares entities; wire never expands them")
