"""Which format an input is in, decided by its content alone — never by its file name.

A lexical walk of the document's structure: its encoding (BOM or byte pattern),
its whole prolog — declaration, comments, processing instructions, DOCTYPE and
internal subset, however long — and the root element and its namespace for
XML; the top-level shape for JSON. Nothing is parsed into a tree and nothing is
fetched, so detection is cheap and safe on hostile input; the chosen parser
then does the real (safe) parse and refuses what does not fit. Hand-written
because no library walks a prolog without building (and so risking) a tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from wire.formats import INPUT_FORMATS
from wire.formats.namespaces import NAR_NS, XHTML_NS
from wire.ingest.anpa import is_anpa
from wire.ingest.apmedia import is_apmedia
from wire.ingest.encodings import bom_of
from wire.ingest.iptc7901 import is_iptc7901
from wire.ingest.mail import is_email
from wire.ingest.newsml1 import is_newsml1
from wire.ingest.wireframes import ETX, SOH, STX, SYN

DETECTED: Final = (*INPUT_FORMATS, "xml", "framed")
"""What ``detect_format`` may answer: a parser's format; ``xml``, XML in a
vocabulary wire does not read, and ``framed``, text framed by control
characters (SOH, STX, ETX) in a layout it does not read, both of which the
pipeline refuses by name rather than reading them as something else."""

_NEWSML_ROOTS = frozenset(
    {"newsMessage", "newsItem", "packageItem", "conceptItem", "conceptSet", "knowledgeItem"}
)
_START_TAG = re.compile(r"<(?P<name>[A-Za-z_][\w.:-]*)(?P<attrs>[^>]*)")
_XMLNS = re.compile(r"""\bxmlns(?::(?P<prefix>[\w.-]+))?\s*=\s*["'](?P<uri>[^"']*)["']""")
_HTML_HINT = re.compile(r"<(?:!doctype\s+html|html|head|body|p|div|article)\b", re.I)
_DOCTYPE_NAME = re.compile(r"<!DOCTYPE\s+([^\s\[>]+)", re.I)


_WIDE_SHARE = 0.75  # of code units that must look wide before the text is read as such


def _wide_codec(head: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding of BOM-less text, told by where its zero bytes
    fall: ASCII in UTF-16LE is ``X\\0X\\0``, in UTF-32BE ``\\0\\0\\0X``. Text
    (markup, copy, JSON) has no NUL of its own, so mostly-zero lanes mean width."""
    if len(head) < 8:
        return None
    quads = [head[i : i + 4] for i in range(0, len(head) - 3, 4)]
    pairs = [head[i : i + 2] for i in range(0, len(head) - 1, 2)]
    for codec, rows, zeros, char in (
        ("utf-32-be", quads, slice(0, 3), 3),
        ("utf-32-le", quads, slice(1, 4), 0),
        ("utf-16-be", pairs, slice(0, 1), 1),
        ("utf-16-le", pairs, slice(1, 2), 0),
    ):
        width = len(rows[0])
        lanes = sum(
            1 for row in rows if row[zeros] == bytes(zeros.stop - zeros.start) and row[char]
        )
        if width and lanes >= _WIDE_SHARE * len(rows):
            return codec
    return None


def decode_text(data: bytes) -> str:
    """The whole document as text, by its BOM or the pattern of its zero bytes
    (UTF-8, UTF-16 and UTF-32, either byte order, with or without a BOM), else
    as UTF-8 with undecodable bytes replaced: good enough to find structure in,
    never to store."""
    if (found := bom_of(data)) is not None:
        bom, codec = found
        return data[len(bom) :].decode(codec, errors="replace")
    return data.decode(_wide_codec(data[:256]) or "utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Prolog:
    """What stands before the first element: the XML declaration, the DOCTYPE (its
    name, and whether it has an internal subset), and
    where the first element starts (-1: none found)."""

    declaration: bool
    doctype: str | None
    subset: bool
    start: int


def _skip_quoted(text: str, i: int) -> int:
    quote = text[i]
    end = text.find(quote, i + 1)
    return len(text) if end < 0 else end + 1


def _subset_end(text: str, i: int) -> int:
    """The index after the ``]`` closing an internal subset that starts at ``i``
    (after ``[``), stepping over comments, processing instructions and quoted
    strings, where a ``]`` does not close it."""
    while i < len(text):
        if text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = len(text) if end < 0 else end + 3
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            i = len(text) if end < 0 else end + 2
        elif text[i] in "\"'":
            i = _skip_quoted(text, i)
        elif text[i] == "]":
            return i + 1
        else:
            i += 1
    return len(text)


def read_prolog(text: str) -> Prolog:
    """Walk the prolog of the whole document — however long its comments, however
    many — to the first element. Pure and linear in the document."""
    i, n = 0, len(text)
    declaration = False
    doctype: str | None = None
    subset = False
    while i < n:
        if text[i].isspace() or text[i] == "\ufeff":
            i += 1
        elif text.startswith("<?", i):
            declaration = declaration or text[i : i + 5].lower() == "<?xml"
            end = text.find("?>", i + 2)
            i = n if end < 0 else end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = n if end < 0 else end + 3
        elif text[i : i + 9].upper() == "<!DOCTYPE":
            name = _DOCTYPE_NAME.match(text, i)
            doctype = name.group(1) if name else ""
            j = i + 9
            while j < n and text[j] != ">":
                if text[j] in "\"'":
                    j = _skip_quoted(text, j)
                elif text[j] == "[":
                    subset = True
                    j = _subset_end(text, j + 1)
                else:
                    j += 1
            i = j + 1
        else:
            break
    start = i if i < n and text[i] == "<" else -1
    return Prolog(declaration, doctype, subset, start)


def root_element(text: str) -> str | None:
    """The name of the document's first element, or None."""
    prolog = read_prolog(text)
    tag = _START_TAG.match(text, prolog.start) if prolog.start >= 0 else None
    return tag.group("name") if tag else None


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def _xml_kind(name: str, attrs: str) -> str | None:
    prefix, _, local = name.rpartition(":")
    namespaces = {m.group("prefix") or "": m.group("uri") for m in _XMLNS.finditer(attrs)}
    uri = namespaces.get(prefix, "")
    if local == "rss" or (local == "RDF" and "rss" in attrs.lower()):
        return "rss"
    if local == "feed":
        return "atom"
    if local in _NEWSML_ROOTS or uri == NAR_NS:
        return "newsml"
    if local == "nitf":
        return "nitf"
    if is_newsml1(local, uri):
        return "newsml1"
    if local.lower() == "html":
        return "html"
    return None


def _foreign_vocabulary(tag: re.Match[str]) -> bool:
    """A root in a namespace other than XHTML's, or with a prefix (``<ritzau:Story
    xmlns:ritzau=…>``, ``<svg xmlns="http://www.w3.org/2000/svg">``): XML of a
    vocabulary of its own, even without an XML declaration, never a web page."""
    prefix, colon, _ = tag.group("name").partition(":")
    namespaces = {
        m.group("prefix") or "": m.group("uri") for m in _XMLNS.finditer(tag.group("attrs"))
    }
    uri = namespaces.get(prefix if colon else "")
    return bool(colon) or (uri is not None and uri != XHTML_NS)


def detect_format(data: bytes, *, text: str | None = None) -> str:
    """One of ``DETECTED``: the format the content is in.

    The whole document is decoded (BOM or byte pattern) and its prolog walked,
    so no comment, padding or encoding hides what it is. XML is told apart by
    its root element (``rss``/``rdf:RDF``, Atom ``feed``, a NewsML-G2 item or
    message, NewsML 1's ``NewsML``, ``nitf``, ``html``); a document with any
    other root that declares itself XML (an XML declaration or a non-HTML
    DOCTYPE) or whose root is in a namespace other than XHTML's is ``xml``,
    refused later by name; other markup is ``html``. JSON is ``apmedia`` when
    it is an AP Media API response (``data.item``/``data.items`` of AP items,
    or an AP item alone), else ``ninjs``. Text framed by control characters is
    ``anpa`` or ``iptc7901`` by its header lines, else ``framed``, refused
    later by name. Text opening with a mail header block is ``email``. The
    rest is ``text``.
    ``text``: the document already decoded (``decode_text``), when the caller has it."""
    if text is None:
        text = decode_text(data)
    stripped = text.lstrip("\ufeff \t\r\n")
    # An AP Media API response is told by its shape; any other JSON goes to the
    # ninjs parser, which takes off an API's envelope and refuses other shapes
    # (and a truncated object) with the reason.
    if stripped.startswith("{") or (stripped.startswith("[") and _is_json(data)):
        return "apmedia" if is_apmedia(stripped) else "ninjs"
    if stripped.startswith((SYN, SOH)) or (STX in text and ETX in text):
        # The older agency wires: told apart by their header lines, never by name.
        if is_anpa(stripped):
            return "anpa"
        if is_iptc7901(stripped):
            return "iptc7901"
        return "framed"
    if not stripped.startswith("<"):
        if is_email(stripped):
            return "email"
        return "html" if _HTML_HINT.match(stripped) else "text"
    prolog = read_prolog(text)
    html_doctype = (prolog.doctype or "").lower() == "html"
    declared_xml = (
        prolog.declaration or prolog.subset or (prolog.doctype is not None and not html_doctype)
    )
    tag = _START_TAG.match(text, prolog.start) if prolog.start >= 0 else None
    if tag is not None:
        kind = _xml_kind(tag.group("name"), tag.group("attrs"))
        if kind is not None:
            return kind
        return "xml" if declared_xml or _foreign_vocabulary(tag) else "html"
    if declared_xml:
        return "xml"
    return "html" if html_doctype or _HTML_HINT.search(stripped) else "text"
