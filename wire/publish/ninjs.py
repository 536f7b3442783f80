"""Stories → ninjs 2.2 documents, and a feed of them as one JSON object.

ninjs has no creditline, dateline, signal, editor or link property, and its
schema rejects unknown ones, so those travel in properties it has (the
contract in ``../shared/DESIGN.md``):

* byline → ``by`` as printed (names joined by ", ") and one ``people`` entry
  per person with ``rel`` ``author`` (so a reader need not split ``by``);

* credit line → ``descriptions`` with role ``creditline`` (``copyrightnotice``
  stays the rights notice);
* dateline → ``located`` (the place) and ``descriptions`` role ``dateline``
  (as printed, agency included);
* provider → ``infosources`` role ``provider`` (``literal`` = abbreviation);
  sources → ``infosources`` with wire's role (``reported-by`` …) and ``uri``;
* editor → ``descriptions`` role ``editor``; signals → ``descriptions`` role
  ``signal``, one each; summary → ``descriptions`` role ``summary``;
* pictures → ``associations`` (``type`` picture, caption in ``descriptions``,
  credit in ``by``, copyright in ``copyrightnotice``, URL as a rendition);
  related → ``associations`` (``type`` text, title in ``title``); a picture or
  link with no URL gets the URI ``urn:wire:picture:<guid>:<n>`` /
  ``urn:wire:related:<guid>:<n>`` (``uri`` is required), which stands for "no URL";
* urgency → ``urgency``;
* the story's own web link → ``renditions`` (name ``web``, text/html); in a feed,
  one rendition per other single-story format wire serves it in (``nitf``,
  ``newsml``, ``text``, ``html``: name, ``href``, ``contenttype``).

Instants are whole seconds in UTC with ``Z`` (``wire.instants.format_second``):
Superdesk's ninjs reader accepts no fraction and refuses the item otherwise.

``associations`` and ``renditions`` are arrays of objects with ``name``, as the
ninjs 2.x schema requires (``unevaluatedProperties: false`` leaves no room for
a second, 1.x-shaped copy). Superdesk's ninjs parser (superdesk-core 2.5.3 and
develop, 2025) is a ninjs 1.x reader: it iterates both as name-keyed objects
and so refuses any wire document with a picture, a related link or a web link;
it also reads the 1.x names (``headline``, ``body_html``, ``byline``). Serving
both shapes in one document is impossible, so wire follows the 2.2 schema and
Superdesk ingests wire through NewsML-G2 (docs/consumers.md).

Feed wrapper (ninjs 2.2 defines none): a JSON object
``{"kind", "name", "title", "description", "updated", "self", "links",
"items": [ninjs…]}``, items in feed order. ``kind`` is
``https://wire.example/ns/1.0/ninjs-feed`` and says what the document is; the
wrapper has no ``version`` key, so a JSON Feed parser (which looks for
``version`` = ``https://jsonfeed.org/version/…``) has nothing to take it for
one by. ``links``: ``self``, and one ``alternate`` (``href``, ``type``,
``title``) per other format the feed is served in. Keys are sorted and output
is UTF-8, so bytes are stable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from wire.formats import ninjs as vocab
from wire.formats.namespaces import NINJS_FEED_KIND
from wire.formats.printed import byline_line, dateline_line
from wire.instants import format_second
from wire.model import Story
from wire.publish.assembly import Frame, Layout
from wire.publish.feedmeta import FeedMeta
from wire.publish.storyhtml import content_html
from wire.text import one_line
from wire.visibility import as_shown

JSON = dict[str, Any]


def _describe(role: str, value: str | None) -> list[JSON]:
    return [{"role": role, "value": value}] if value else []


def _member_uri(story: Story, kind: str, index: int) -> str:
    """An identifier for a picture or related link that has no URL of its own."""
    return f"urn:wire:{kind}:{quote(story.guid, safe='')}:{index}"


def _pictures(story: Story) -> list[JSON]:
    out = []
    for index, pic in enumerate(story.pictures, start=1):
        doc: JSON = {
            "name": f"picture-{index}",
            "uri": pic.url or _member_uri(story, "picture", index),
            "type": "picture",
        }
        if pic.caption:
            doc["descriptions"] = [{"role": vocab.CAPTION, "value": pic.caption}]
        if pic.credit:
            doc["by"] = pic.credit
        if pic.copyright:
            doc["copyrightnotice"] = pic.copyright
        if pic.url:
            doc["renditions"] = [{"name": "original", "href": pic.url}]
        out.append(doc)
    return out


def _related(story: Story) -> list[JSON]:
    return [
        {
            "name": f"related-{index}",
            "uri": rel.url or _member_uri(story, "related", index),
            "type": "text",
            "title": rel.title,
        }
        for index, rel in enumerate(story.related, start=1)
    ]


def _infosources(story: Story) -> list[JSON]:
    out: list[JSON] = []
    if story.provider:
        prov: JSON = {"name": story.provider.name, "role": vocab.PROVIDER}
        if story.provider.abbreviation:
            prov["literal"] = story.provider.abbreviation
        out.append(prov)
    for src in story.sources:
        doc: JSON = {"name": src.name, "role": src.role}
        if src.url:
            doc["uri"] = src.url
        out.append(doc)
    return out


def render_ninjs_story(story: Story, meta: FeedMeta | None = None) -> JSON:
    """One ninjs 2.2 object for ``story``; empty fields are left out, never invented.
    In a feed (``meta``), its renditions also name the story in every other
    single-story format (``nitf``, ``newsml``, ``text``, ``html``)."""
    doc: JSON = {
        "uri": story.guid,
        "type": "text",
        "representationtype": "full",
        "standard": {"name": "ninjs", "version": "2.2", "schema": vocab.NINJS_SCHEMA_URI},
        "version": str(story.version),
        "pubstatus": story.pub_status.value,
        "headlines": [{"role": "main", "value": story.headline}],
    }
    optional: JSON = {
        "versioncreated": format_second(story.version_created),
        "firstcreated": format_second(story.first_created),
        "contentcreated": format_second(story.published_at),
        "embargoed": format_second(story.embargoed_until),
        "urgency": story.urgency,
        "language": story.language,
        "slugline": story.slugline,
        "by": byline_line(story.byline) or None,
        "located": story.dateline.place if story.dateline and story.dateline.place else None,
        "copyrightholder": story.rights.copyright_holder,
        "copyrightnotice": story.rights.copyright_notice,
        "usageterms": story.rights.usage_terms,
        "ednote": story.ed_note,
    }
    doc.update({k: v for k, v in optional.items() if v})
    descriptions = [
        *_describe(vocab.SUMMARY, story.summary),
        *_describe(vocab.CREDITLINE, one_line(story.credit_line) if story.credit_line else None),
        *_describe(vocab.DATELINE, dateline_line(story.dateline) if story.dateline else None),
        *_describe(vocab.EDITOR, story.editor),
        *(d for s in story.signals for d in _describe(vocab.SIGNAL, s)),
    ]
    if descriptions:
        doc["descriptions"] = descriptions
    doc["bodies"] = [{"role": "main", "contenttype": "text/html", "value": content_html(story)}]
    for key, value in (
        ("people", [{"name": p, "rel": vocab.AUTHOR} for p in story.byline]),
        ("infosources", _infosources(story)),
        ("associations", _pictures(story) + _related(story)),
        ("subjects", [{"name": s} for s in story.subjects]),
        ("renditions", _renditions(story, meta)),
    ):
        if value:
            doc[key] = value
    return doc


def _json(value: JSON) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")


_ITEMS_SLOT: Final = b'"items": []'


def _links(meta: FeedMeta) -> list[JSON]:
    links: list[JSON] = [{"rel": "self", "href": meta.self_url, "type": "application/json"}]
    links += [
        {"rel": "alternate", "href": a.href, "type": a.media_type, "title": a.title}
        for a in meta.alternates
    ]
    return links


def _frame(meta: FeedMeta, stories: Sequence[Story]) -> Frame:
    wrapper: JSON = {
        "kind": NINJS_FEED_KIND,
        "name": meta.name,
        "title": meta.title,
        "description": meta.description,
        "updated": format_second(meta.updated),
        "self": meta.self_url,
        "links": _links(meta),
        "items": [],
    }
    # A key's quotes cannot occur inside a JSON string (they are escaped there).
    head, tail = _json(wrapper).split(_ITEMS_SLOT)
    return Frame(head + b'"items": [', b"]" + tail)


def _renditions(story: Story, meta: FeedMeta | None) -> list[JSON]:
    web = [{"name": "web", "href": story.link, "contenttype": "text/html"}] if story.link else []
    if meta is None:
        return web
    return web + [
        {"name": name, "href": href, "contenttype": kind}
        for name, href, kind in meta.rendition_links(story.guid)
        if name != "ninjs"
    ]


def _fragment(meta: FeedMeta, story: Story) -> bytes:
    return _json(render_ninjs_story(as_shown(story), meta))


NINJS: Final = Layout(frame=_frame, fragment=_fragment, separator=b", ")
"""The wrapper object, its ``items`` one ninjs object per story."""


def render_ninjs(meta: FeedMeta, stories: Sequence[Story]) -> bytes:
    """The feed wrapper documented above, as UTF-8 JSON bytes."""
    return NINJS.render(meta, stories)
