"""AP Media API JSON (its feed and item responses) bytes → draft stories.

A feed page is ``{"api_version", "id", "params", "data": {"items": [{"meta",
"item"}, …], "next_page"}}``, one item ``{"api_version", "data": {"meta",
"item"}}``; ``item`` is AP's own JSON, a ninjs 1.x dialect. Read after AP's
published field list ("Content metadata fields" and its NewsML-G2 mapping in
the AP Media API documentation); the fixtures were written from it, not taken
from AP. Each item is turned into the ninjs it nearly is and read by the ninjs
parser (``wire.ingest.ninjs.read_object``), so the two cannot drift apart;
what only AP says is mapped here:

- ``uri`` without its query (``?qt=…&et=…`` changes with every version) → the
  guid; without one, ``altids.itemid``. ``version`` counts from 0 → wire's
  version, which counts from 1.
- ``title`` (AP's slug) → slugline; ``headline`` → headline;
  ``description_summary``, else ``headline_extended`` → summary.
- ``bylines`` (``[{"by", "title"}]``) → the byline, its people split by
  ``values.byline_names`` (the title, "Associated Press", is not a name),
  capitals in title case; ``photographer`` → a picture's credit.
- ``located`` (the printed dateline, "CHATHAM, Mass.") → dateline, its city
  in title case; else ``datelinelocation``'s city; ``description_creditline``
  → credit line.
- ``copyrightnotice``, ``usageterms`` (a string or a list of them) → rights;
  ``provider`` (a name or an object with one) → provider; an ``infosource``
  of type AP is AP itself (the provider when none is named), the others
  original sources.
- ``subject`` → subjects by name (AP's codes are opaque ids), ``keywords``,
  ``urgency``, ``ednote``, ``pubstatus``, the times and ``embargoed`` as in
  ninjs.
- ``body_nitf`` → the body, read as NITF (``nitf.read_body``, with its
  pictures); ``body_xhtml`` → the body read as HTML. Items in a feed usually
  carry no body (it is a rendition to download): such a story is its headline
  and summary.
- ``associations`` → pictures (type picture or graphic) and related items;
  a picture item of its own becomes a story with its picture: the ``main``
  (else ``preview``) rendition's address, ``description_caption``, the
  photographer.

Deliberately dropped: the envelope's ``meta`` (search score, products,
pricing: about the subscription, not the story) and ``next_page`` (for the
poller to follow, not a story), ``altids`` other than ``itemid`` (the etag and
friendly key change with versions or repeat the slug), ``signals``,
``editorialtypes``, ``audiences``, ``places``, ``persons`` and
``organizations`` (AP's classification; the subjects and keywords carry what
feeds select on) and renditions other than a picture's image (downloads).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, MalformedInput, NoContent
from wire.formats.ninjs import AUTHOR, CREDITLINE, PROVIDER, SUMMARY
from wire.formats.xmlpath import local
from wire.ingest.ninjs import JSON, read_object
from wire.ingest.nitf import read_body
from wire.ingest.values import byline_names, finish, origin_of
from wire.ingest.wireframes import title_case_caps
from wire.ingest.xmlsafe import parse_xml
from wire.model import Dateline, Picture, Story
from wire.text import squash

_MARKERS = re.compile(r'"(?:api_version|altids)"\s*:')
_PICTURE_TYPES = frozenset({"picture", "graphic", "photo"})


def _dict(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return squash(value) if isinstance(value, str) else None


def _is_ap_item(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("altids"), dict)


def ap_items(doc: Any) -> list[tuple[str, JSON]] | None:
    """The AP items of a response with their JSON paths, or None when the document
    is not shaped like one (a feed page, an item response, or an item alone)."""
    if _is_ap_item(doc):
        return [("", doc)]
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        return None
    data = doc["data"]
    if isinstance(data.get("item"), dict):
        return [("/data/item", data["item"])]
    entries = data.get("items")
    if not isinstance(entries, list):
        return None
    items = [
        (f"/data/items/{i}/item", e["item"])
        for i, e in enumerate(entries)
        if isinstance(e, dict) and isinstance(e.get("item"), dict)
    ]
    if "api_version" in doc or items:
        return items
    return None


def is_apmedia(text: str) -> bool:
    """Whether JSON (decoded, in any encoding) is an AP Media API response or an AP
    item: cheap when it is not, parsed only when AP's keys appear in it."""
    if _MARKERS.search(text) is None:
        return False
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except (ValueError, RecursionError):
        return False
    return ap_items(doc) is not None


def _guid(item: JSON) -> str | None:
    uri = _str(item.get("uri"))
    if uri:
        return uri.split("?", 1)[0].split("#", 1)[0]
    itemid = _str(_dict(item.get("altids")).get("itemid"))
    return f"urn:ap:item:{itemid}" if itemid else None


def _version(item: JSON) -> int | None:
    raw = item.get("version")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw + 1
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw) + 1
    return None


def _people(item: JSON) -> list[JSON]:
    names: list[str] = []
    bylines = item.get("bylines")
    for entry in bylines if isinstance(bylines, list) else []:
        by = _str(_dict(entry).get("by"))
        if by:
            names += [title_case_caps(n) for n in byline_names(by)]
    return [{"name": n, "rel": AUTHOR} for n in dict.fromkeys(names)]


def _usage(item: JSON) -> str | None:
    raw = item.get("usageterms")
    if isinstance(raw, list):
        return " ".join(t for v in raw if (t := _str(v))) or None
    return _str(raw)


def _provider_name(item: JSON) -> str | None:
    raw = item.get("provider")
    return _str(raw) or _str(_dict(raw).get("name"))


def _infosources(item: JSON) -> list[JSON]:
    """The provider, and the outlets relied on: an ``infosource`` of type ``AP`` is
    AP itself (the provider when the item names none), any other an original source."""
    provider = _provider_name(item)
    sources: list[JSON] = []
    listed = item.get("infosource")
    for entry in listed if isinstance(listed, list) else []:
        name = _str(_dict(entry).get("name"))
        if not name or name == provider:
            continue
        if (_str(_dict(entry).get("type")) or "").upper() == "AP" and provider is None:
            provider = name
        else:
            sources.append({"name": name, "role": "source"})
    return [{"name": provider, "role": PROVIDER}] * bool(provider) + sources


def _dateline(item: JSON) -> Dateline | None:
    """``located`` as printed ("CHATHAM, Mass."): the city in title case, the
    region as written; else ``datelinelocation``'s city. AP's dateline names
    no agency: it is AP's."""
    printed = _str(item.get("located"))
    if printed:
        city, comma, region = printed.partition(",")
        return Dateline(place=title_case_caps(city.strip()) + comma + region)
    located = _str(_dict(item.get("datelinelocation")).get("city"))
    return Dateline(place=located) if located else None


def _rendition(item: JSON) -> str | None:
    renditions = _dict(item.get("renditions"))
    for key in ("main", "preview", "thumbnail"):
        if href := _str(_dict(renditions.get(key)).get("href")):
            return href
    return None


def _association(entry: JSON) -> JSON:
    out = {k: entry[k] for k in ("uri", "type", "headline", "name") if k in entry}
    if href := _rendition(entry):
        out["renditions"] = {"main": {"href": href}}
    caption = _str(entry.get("description_caption")) or _str(entry.get("description_summary"))
    credit = _str(_dict(entry.get("photographer")).get("name")) or _str(
        entry.get("description_creditline")
    )
    descriptions = [{"role": SUMMARY, "value": caption}] if caption else []
    descriptions += [{"role": CREDITLINE, "value": credit}] if credit else []
    if descriptions:
        out["descriptions"] = descriptions
    return out


def as_ninjs(item: JSON) -> JSON:
    """AP's item as the ninjs it nearly is, for ``ninjs.read_object``."""
    out: dict[str, Any] = {
        k: item[k]
        for k in (
            "type",
            "versioncreated",
            "firstcreated",
            "embargoed",
            "pubstatus",
            "language",
            "urgency",
            "headline",
            "ednote",
            "copyrightnotice",
            "keywords",
            "body_xhtml",
        )
        if k in item
    }
    if "body_xhtml" in out:
        out["body_html"] = out.pop("body_xhtml")
    if guid := _guid(item):
        out["uri"] = guid
    if (version := _version(item)) is not None:
        out["version"] = version
    if title := _str(item.get("title")):
        out["slugline"] = title
    if usage := _usage(item):
        out["usageterms"] = usage
    summary = _str(item.get("description_summary")) or _str(item.get("headline_extended"))
    descriptions = [
        {"role": role, "value": value}
        for role, value in (
            (SUMMARY, summary),
            (CREDITLINE, _str(item.get("description_creditline"))),
        )
        if value
    ]
    if descriptions:
        out["descriptions"] = descriptions
    if people := _people(item):
        out["people"] = people
    if infosources := _infosources(item):
        out["infosources"] = infosources
    subjects = item.get("subject")
    names = (
        [n for s in subjects if (n := _str(_dict(s).get("name")))]
        if isinstance(subjects, list)
        else []
    )
    if names:
        out["subject"] = [{"name": n} for n in names]
    associations = item.get("associations")
    if isinstance(associations, dict):
        out["associations"] = {
            str(k): _association(v) for k, v in associations.items() if isinstance(v, dict)
        }
    return out


def _nitf_body(item: JSON, story: Story, name: str) -> Story:
    raw = item.get("body_nitf")
    if not isinstance(raw, str) or not raw.strip():
        return story
    root = parse_xml(raw.encode("utf-8"), name=name)
    if local(root) != "nitf":
        raise MalformedInput(name, f"body_nitf's root is <{local(root)}>, not <nitf>")
    body = read_body(root)
    return replace(story, body=body.paragraphs, pictures=story.pictures + body.pictures)


def _own_picture(item: JSON, story: Story) -> Story:
    """A picture item: the story of its picture, with the image and its caption."""
    if str(item.get("type") or "").lower() not in _PICTURE_TYPES:
        return story
    picture = Picture(
        url=_rendition(item),
        caption=_str(item.get("description_caption")) or story.summary or story.headline,
        credit=_str(_dict(item.get("photographer")).get("name")) or story.credit_line,
        copyright=story.rights.copyright_notice,
    )
    return replace(story, pictures=(*story.pictures, picture))


def parse_apmedia(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """Every item of an AP Media API response as a draft story.

    Raises ``InputTooLarge``, ``MalformedInput`` (invalid JSON, not an AP
    response, an item that is not AP's ninjs, a ``body_nitf`` that is not NITF)
    or ``NoContent`` (a feed page with no items)."""
    if len(data) > max_bytes:
        raise InputTooLarge(name, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInput(name, f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedInput(name, "JSON nested too deeply") from exc
    items = ap_items(doc)
    if items is None:
        raise MalformedInput(name, "not an AP Media API response: no data.item or data.items")
    if not items:
        raise NoContent(name, "an AP Media API feed page with no items")
    origin = origin_of(data, fmt="apmedia", source=source, fetched_at=fetched_at, url=url)
    stories = []
    for path, item in items:
        story = read_object(as_ninjs(item), path=path, origin=origin, name=name)
        story = replace(story, dateline=_dateline(item))
        stories.append(_own_picture(item, _nitf_body(item, story, name)))
    return finish(stories, name=name, policy=policy)
