"""Superdesk's NewsML-G2 and ninjs reading rules, reproduced for tests that run anywhere.

Written from Superdesk's source, not from wire's output: superdesk-core
``develop`` at commit d88152601758cea428c154808f66fbf2897e601e (2025-01-14,
``git describe``: v2.8.5-77-gd8815260), files
``superdesk/io/feed_parsers/newsml_2_0.py`` (``NewsMLTwoFeedParser``),
``superdesk/io/feed_parsers/ninjs.py`` (``NINJSFeedParser``) and the base class
in ``superdesk/io/feed_parsers/__init__.py``. The PyPI release 2.5.3, which
``tests/superdesk_harness.py`` runs for real, reads the same way: its
``newsml_2_0.py`` differs only by not stripping date text, its ``ninjs.py``
reads ``renditions`` with ``.get("baseImage")`` where develop iterates
``.items()`` (both fail on a ninjs 2.x array). When the real parsers are
installed, ``tests/test_superdesk_consumer.py`` checks these rules against them.

NewsML-G2 (``parse``, ``parse_item`` …), every step that can refuse a document:

* the root is a ``newsMessage`` (then every child of every ``itemSet`` is an
  item) or a ``newsItem``/``packageItem``; any exception refuses the *whole*
  message (``ParserError.newsmlTwoParserError``);
* an item needs ``@guid`` and ``@version`` (guid becomes ``guid:version``),
  ``itemMeta/itemClass/@qcode`` (the part after ``:``, lower-cased, is the
  type) and ``itemMeta/pubStatus/@qcode`` with a ``:`` (after it: pubstatus);
* ``contentMeta`` must be present (read unconditionally);
* dates (``versionCreated``, ``firstCreated``, ``embargoed``,
  ``contentCreated``): ``strptime("%Y-%m-%dT%H:%M:%S.000Z")``, else
  ``arrow.get`` (ISO 8601; reproduced here with ``datetime.fromisoformat``);
* a ``composite`` item is a package: for every child of ``groupSet``,
  ``@id`` and ``@role`` are required (KeyError otherwise); for every child of
  a group without ``@idref``, ``@residref``, ``@contenttype`` and
  ``itemClass/@qcode`` are required, ``headline`` children are read;
* any other item: every child of ``contentSet``; an ``inlineXML`` that is not
  NITF is read as ``./{xhtml}html`` (or the inlineXML's default namespace)
  then ``html/body`` — both required — and ``body_html`` is
  ``"\\n".join("<tag>text</tag>")`` over the *direct children* of body that have
  ``.text``: only the text before an element's first child, not escaped; one
  lone ``p`` has its newlines turned to ``<br/>``; no such child and body text
  → ``<pre>``; a contentSet child that is neither inlineXML nor inlineData
  must have ``@rendition`` with a ``:`` and ``@contenttype``;
* read besides: ``contentMeta`` ``urgency`` (int), ``slugline``,
  ``headline``, ``by`` (byline), ``language/@tag``, ``creator/name``
  (authors), ``subject`` with ``subj:`` qcodes, ``genre``,
  ``infoSource[@role='cRole:source']/@literal``; ``itemMeta`` ``edNote``,
  ``signal/@qcode``; ``rightsInfo/usageTerms``; ``header/priority``. Not
  read: ``creditline``, ``dateline``, ``located``, ``description`` (for
  text), ``link``, ``provider``, ``contentCreated`` when firstCreated is there.

ninjs: a 1.x reader. ``associations`` and ``renditions`` must be objects keyed
by name (``.items()``: a 2.x array refuses the item); ``versioncreated``,
``firstcreated``, ``embargoed`` and associated items' ``versioncreated`` must
match ``%Y-%m-%dT%H:%M:%S+0000``, ``%Y-%m-%dT%H:%M:%SZ`` or
``%Y-%m-%dT%H:%M:%S+00:00`` exactly (no fraction: ValueError); copied as they
are: ``headline``, ``body_html``, ``byline``, ``description_text`` … (1.x
names); ``located`` becomes ``dateline.located.city``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
NITF = "application/nitf+xml"


class Refused(Exception):
    """What Superdesk's ingest would log and drop: the document's items are lost."""


@dataclass(frozen=True)
class Outcome:
    items: list[dict[str, Any]]


def _q(tag: str, ns: str | None = NAR) -> str:
    return f"{{{ns}}}{tag}" if ns else tag


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.000Z")
    except ValueError:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def _required(value: str | None, what: str) -> str:
    if value is None:
        raise Refused(f"KeyError: {what}")
    return value


def _find(el: etree._Element | None, tag: str, what: str) -> etree._Element:
    found = el.find(_q(tag)) if el is not None else None
    if found is None:
        raise Refused(f"AttributeError: no {what}")
    return found


def _text(parent: etree._Element, tag: str) -> str | None:
    el = parent.find(_q(tag))
    return el.text if el is not None and el.text else None


def _item_meta(tree: etree._Element, item: dict[str, Any]) -> None:
    meta = _find(tree, "itemMeta", "itemMeta")
    qcode = _required(_find(meta, "itemClass", "itemClass").get("qcode"), "itemClass/@qcode")
    item["type"] = (qcode.split(":")[1] if ":" in qcode else qcode).lower()
    for tag, key in (("versionCreated", "versioncreated"), ("firstCreated", "firstcreated")):
        if text := _text(meta, tag):
            item[key] = _date(text)
    status = _required(_find(meta, "pubStatus", "pubStatus").get("qcode"), "pubStatus/@qcode")
    if ":" not in status:
        raise Refused("IndexError: pubStatus qcode without a scheme")
    item["pubstatus"] = status.split(":")[1].lower()
    item["ednote"] = _text(meta, "edNote") or ""
    if text := _text(meta, "embargoed"):
        try:
            item["embargoed"] = _date(text)
        except ValueError:  # kept for inspection, the item is not refused
            item["embargoed_text"] = text
    signals = [
        {"name": s.text or s.get("literal") or s.get("qcode"), "qcode": s.get("qcode")}
        for s in meta.findall(_q("signal"))
        if s.get("qcode")
    ]
    if signals:
        item["signal"] = signals


def _content_meta(tree: etree._Element, item: dict[str, Any]) -> None:
    meta = tree.find(_q("contentMeta"))
    if meta is None:
        raise Refused("AttributeError: no contentMeta")
    for tag, key in (("urgency", "urgency"), ("slugline", "slugline"), ("headline", "headline")):
        if text := _text(meta, tag):
            item[key] = int(text) if key == "urgency" else text
    if text := _text(meta, "by"):
        item["byline"] = text
    item.setdefault("slugline", "")
    item.setdefault("headline", "")
    language = meta.find(_q("language"))
    if language is not None:
        item["language"] = language.get("tag")
    item["authors"] = [
        {"uri": creator.get("uri"), "name": name.text}
        for creator in meta.findall(_q("creator"))
        if (name := creator.find(_q("name"))) is not None
    ]
    created = _text(meta, "contentCreated")
    if created and "firstcreated" not in item:
        item["firstcreated"] = _date(created)


def _groups(tree: etree._Element) -> list[dict[str, Any]]:
    groups = []
    for group in _find(tree, "groupSet", "groupSet"):
        refs = []
        for ref in group:
            if ref.get("idref") is not None:
                refs.append({"idRef": ref.get("idref")})
                continue
            residref = _required(ref.get("residref"), "itemRef/@residref")
            version = ref.get("version")
            refs.append(
                {
                    "residRef": f"{residref}:{version}" if version else residref,
                    "contentType": _required(ref.get("contenttype"), "itemRef/@contenttype"),
                    "itemClass": _required(
                        _find(ref, "itemClass", "itemRef/itemClass").get("qcode"),
                        "itemRef/itemClass/@qcode",
                    ),
                }
            )
            for headline in ref.findall(_q("headline")):  # the last one wins, as there
                refs[-1]["headline"] = headline.text
        groups.append(
            {
                "id": _required(group.get("id"), "group/@id"),
                "role": _required(group.get("role"), "group/@role"),
                "refs": refs,
            }
        )
    return groups


def _local(el: etree._Element) -> str:
    return str(el.tag).rsplit("}", 1)[-1]


def _inline(inline: etree._Element) -> dict[str, Any]:
    if inline.get("contenttype") == NITF:
        return {}  # wire never sends NITF inline
    ns: str | None = XHTML
    html = inline.find(_q("html", ns))
    if html is None:
        ns = inline.nsmap.get(None)  # Superdesk's fallback for a missing xmlns
        html = inline.find(_q("html", ns))
    if html is None:
        raise Refused("AttributeError: inlineXML without html")
    body = html.find(_q("body", ns))
    if body is None:
        raise Refused("AttributeError: html without body")
    elements = [f"<{_local(el)}>{el.text}</{_local(el)}>" for el in body if el.text]
    if len(elements) == 1 and _local(body[0]) == "p":
        elements[0] = elements[0].replace("\n    ", "</p><p>").replace("\n", "<br/>")
    if elements:
        return {"body_html": "\n".join(elements)}
    if body.text:
        return {"body_html": "<pre>" + body.text + "</pre>", "format": "preformatted"}
    return {"body_html": None}


def _content_set(tree: etree._Element, item: dict[str, Any]) -> None:
    content_set = tree.find(_q("contentSet"))
    if content_set is None:
        raise Refused("TypeError: no contentSet")
    for content in content_set:
        if content.tag == _q("inlineXML"):
            item.update(_inline(content))
        elif content.tag == _q("inlineData"):
            item["body_html"] = content.text
        else:
            rendition = _required(content.get("rendition"), "remoteContent/@rendition")
            _required(content.get("contenttype"), "remoteContent/@contenttype")
            item.setdefault("renditions", {})[rendition.split(":")[1]] = content.get("href")


def _item(tree: etree._Element) -> dict[str, Any]:
    guid = _required(tree.get("guid"), "@guid")
    version = _required(tree.get("version"), "@version")
    item: dict[str, Any] = {"guid": f"{guid}:{version}", "uri": guid, "version": version}
    _item_meta(tree, item)
    _content_meta(tree, item)
    info = tree.find(_q("rightsInfo"))
    if info is not None:
        item["usageterms"] = _text(info, "usageTerms") or ""
    if item["type"] == "composite":
        item["groups"] = _groups(tree)
    else:
        _content_set(tree, item)
    return item


def read_newsml(data: bytes) -> Outcome:
    """The items Superdesk's NewsML-G2 parser makes of ``data``; ``Refused`` when it
    would refuse the document (a single failing item refuses the whole message)."""
    root = etree.fromstring(data)
    if not any(str(root.tag).endswith(t) for t in ("newsMessage", "newsItem", "packageItem")):
        raise Refused("not NewsML-G2")
    try:
        items = [_item(tree) for item_set in root.findall(_q("itemSet")) for tree in item_set]
        if str(root.tag).endswith(("newsItem", "packageItem")):
            items.append(_item(root))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise Refused(f"{type(error).__name__}: {error}") from error  # any error refuses all
    return Outcome(items)


_NINJS_DATES = ("%Y-%m-%dT%H:%M:%S+0000", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+00:00")


def _ninjs_date(text: str) -> datetime:
    for spec in _NINJS_DATES:
        try:
            return datetime.strptime(text, spec).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise Refused(f"ValueError: time data {text!r} does not match {_NINJS_DATES[-1]!r}")


_COPIED = (
    "usageterms", "language", "headline", "copyrightnotice", "urgency", "pubstatus",
    "mimetype", "copyrightholder", "ednote", "body_text", "body_html", "slugline",
    "keywords", "extra", "byline", "description_text", "profile",
)  # fmt: skip


def read_ninjs(text: str) -> Outcome:
    """The items Superdesk's ninjs parser makes of one ninjs document (one per
    association, then the item); ``Refused`` when it would refuse it."""
    items: list[dict[str, Any]] = []

    def transform(ninjs: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {"type": ninjs.get("type"), "uri": ninjs.get("uri")}
        item.update({k: ninjs[k] for k in _COPIED if ninjs.get(k) is not None})
        for key in ("versioncreated", "firstcreated"):
            if ninjs.get(key):
                item[key] = _ninjs_date(ninjs[key])
        associations = ninjs.get("associations", {})
        if not isinstance(associations, dict):
            raise Refused("AttributeError: 'list' object has no attribute 'items'")
        if associations:
            item["associations"] = {}
        for key, associated in associations.items():
            if associated:
                items.append(transform(associated))
                item["associations"][key] = associated
        renditions = ninjs.get("renditions")
        if renditions and not isinstance(renditions, dict):
            raise Refused("AttributeError: 'list' object has no attribute 'items'")
        if ninjs.get("located"):
            item["dateline"] = {"located": {"city": ninjs["located"]}}
        if ninjs.get("embargoed"):
            item["embargoed"] = _ninjs_date(ninjs["embargoed"])
        return item

    document = json.loads(text)
    item = transform(document)  # its associations are appended first, as Superdesk does
    return Outcome([*items, item])
