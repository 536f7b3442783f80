"""Which format an input is in, decided by its content alone — never by its file name.

A lexical sniff of the first bytes: the root element and its namespace for XML,
the top-level shape for JSON. Nothing is parsed in full and nothing is fetched,
so detection is cheap and safe on hostile input; the chosen parser then does the
real (safe) parse and refuses what does not fit.
"""

from __future__ import annotations

import json
import re

FORMATS = ("rss", "atom", "newsml", "nitf", "ninjs", "html", "text")
"""What ``detect_format`` may answer."""

_SNIFF_BYTES = 65536
_NAR_NS = "http://iptc.org/std/nar/2006-10-01/"
_NEWSML_ROOTS = frozenset(
    {"newsMessage", "newsItem", "packageItem", "conceptItem", "conceptSet", "knowledgeItem"}
)
# Skip the XML declaration, comments, processing instructions and a DOCTYPE
# (with an internal subset) to reach the first start tag.
_PROLOG = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)*",
    re.S | re.I,
)
_START_TAG = re.compile(r"<(?P<name>[A-Za-z_][\w.:-]*)(?P<attrs>[^>]*)")
_XMLNS = re.compile(r"""\bxmlns(?::(?P<prefix>[\w.-]+))?\s*=\s*["'](?P<uri>[^"']*)["']""")
_HTML_HINT = re.compile(r"<(?:!doctype\s+html|html|head|body|p|div|article)\b", re.I)


def _head_text(data: bytes) -> str:
    head = data[:_SNIFF_BYTES]
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace")
    if head[:2] in (b"<\x00", b"{\x00", b"[\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head[:2] in (b"\x00<", b"\x00{", b"\x00["):
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def _xml_kind(name: str, attrs: str) -> str:
    prefix, _, local = name.rpartition(":")
    namespaces = {m.group("prefix") or "": m.group("uri") for m in _XMLNS.finditer(attrs)}
    uri = namespaces.get(prefix, "")
    if local == "rss" or (local == "RDF" and "rss" in attrs.lower()):
        return "rss"
    if local == "feed":
        return "atom"
    if local in _NEWSML_ROOTS or uri == _NAR_NS:
        return "newsml"
    if local == "nitf":
        return "nitf"
    return "html"


def detect_format(data: bytes) -> str:
    """One of ``FORMATS``: the format the content is in.

    XML is told apart by its root element (``rss``/``rdf:RDF``, Atom ``feed``, a
    NewsML-G2 item or message, ``nitf``); other markup is ``html``; JSON is
    ``ninjs``; the rest is ``text``."""
    text = _head_text(data).lstrip("\ufeff")
    stripped = text.lstrip()
    # ninjs is the only JSON wire reads, so any JSON goes to its parser, which
    # refuses other shapes (and a truncated object) with the reason.
    if stripped.startswith("{") or (stripped.startswith("[") and _is_json(data)):
        return "ninjs"
    if stripped.startswith("<"):
        prolog = _PROLOG.match(stripped)
        end = prolog.end() if prolog else 0
        if re.search(r"<!DOCTYPE\s+html\b", stripped[:end], re.I):
            return "html"
        tag = _START_TAG.match(stripped[end:])
        if tag:
            return _xml_kind(tag.group("name"), tag.group("attrs"))
        return "html" if _HTML_HINT.search(stripped) else "text"
    return "html" if _HTML_HINT.match(stripped) else "text"
