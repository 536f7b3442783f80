"""One story as NITF 3.6 (``/stories/{guid}.nitf``): what newsroom systems and AP
partners ingest, every attribution field in its NITF place.

- guid, version, slugline: ``docdata/doc-id/@id-string``, ``du-key/@version``, ``@key``;
- urgency (1 most urgent … 9): ``docdata/urgency/@ed-urg``;
- status, embargo: ``docdata/@management-status``, ``date.release`` (the embargo's end);
- published (else first created): ``docdata/date.issue/@norm``;
- correction, editor's note: ``docdata/correction/@info``, ``ed-msg/@info``;
- copyright, usage terms: ``docdata/doc.copyright`` (year, holder) and ``doc.rights``
  (owner, limitations); printed in ``body.head/rights`` (owner, agent: the provider,
  limitations) and in a ``note noteclass="cpyrt"`` whose ``copyrite`` marks year and holder;
- keywords, subjects: ``docdata/key-list/keyword``, ``tobject/tobject.subject``;
- sources: ``docdata/identified-content/org`` (``@idsrc="wire:role"``, ``@value`` the
  role), printed in words in ``body.end/bibliography``;
- editor: ``revision-history`` with ``@function="editor"``;
- headline, summary: ``head/title`` and ``hedline/hl1``; ``body.head/abstract``;
- byline: ``body.head/byline``, "By" and one ``person`` each;
- provider: ``body.head/distributor/org``;
- dateline: ``body.head/dateline``: ``location/city``, ``story.date/@norm``, the agency;
- pictures: ``body.content/media``: ``media-reference`` (source, copyright),
  ``media-caption``, ``media-producer`` (the credit);
- credit line: ``body.end/tagline``; link: ``pubdata/@ex-ref``.

The document has no namespace and no DOCTYPE: the DTD-era form every NITF reader
takes (the namespaced XSD form is read by local name by the same readers, but
many — Superdesk's among them — look for un-prefixed ``head/docdata``). Body
markup, already reduced to a small XHTML set at the door (``wire.sanitize``), is
mapped to NITF's own elements (``b`` → ``em class="bold"``, ``blockquote`` →
``bq``, headings → ``hl2``); what NITF has no element for keeps its text.
Instants are written in ISO 8601 basic form with an explicit zone
(``20261201T093000+0000``), which strict readers parse with one format string.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from lxml import etree, html

from wire.formats.printed import (
    CORRECTION_SIGNAL,
    correction_note,
    notices,
    printed_credit,
    printed_date,
    sources_in_words,
)
from wire.model import Rights, Story
from wire.text import one_line

VERSION: Final = "-//IPTC//DTD NITF 3.6//EN"
ROLE_IDSRC: Final = "wire:role"
"""``identified-content/org/@idsrc`` of a source: its ``@value`` is wire's role."""
WIRE_SUBJECTS: Final = "wire"
"""``tobject.subject/@tobject.subject.ipr`` of a subject that is no code: its text
is the ``@tobject.subject.matter``."""

_IPTC_SUBJECT: Final = re.compile(r"^(?:subj:)?(?P<code>\d{8})$")
_SCHEMED: Final = re.compile(r"^(?P<scheme>[A-Za-z][\w.-]*):(?P<code>[\w.-]+)$")
_YEAR: Final = re.compile(r"\b(?:19|20)\d{2}\b")

_INLINE: Final = {
    "b": ("em", "bold"),
    "strong": ("em", "bold"),
    "i": ("em", "italic"),
    "em": ("em", "italic"),
    "q": ("q", None),
    "sub": ("sub", None),
    "sup": ("sup", None),
    "a": ("a", None),
    "br": ("br", None),
}
"""XHTML inline element → NITF enriched-text element and its ``class``."""
_BLOCK: Final = {
    "p": "p",
    "pre": "pre",
    "blockquote": "bq",
    "ul": "ul",
    "ol": "ol",
    "li": "li",
    "table": "table",
    "caption": "caption",
    "thead": "thead",
    "tbody": "tbody",
    "tr": "tr",
    "th": "th",
    "td": "td",
    **{f"h{n}": "hl2" for n in range(2, 7)},
}
"""XHTML block element → NITF element (tables keep HTML's model, as NITF does)."""
_MIXED: Final = frozenset({"p", "li", "td", "th", "hl2", "caption", "em", "q", "a", "sub", "sup"})
"""NITF elements of text and inline elements mixed."""
_KEEP_ATTRS: Final = {
    "a": ("href", "title"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"),
}


def norm(value: datetime) -> str:
    """An instant as NITF ``@norm``: ISO 8601 basic, whole seconds, UTC as ``+0000``."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%S+0000")


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, attrs: dict[str, str] | None = None
) -> etree._Element:
    """A child element; attributes with an empty value are left out."""
    el = etree.SubElement(parent, tag, {k: v for k, v in (attrs or {}).items() if v})
    if text is not None:
        el.text = text
    return el


def _subject(tobject: etree._Element, subject: str) -> None:
    """An IPTC subject code as ``refnum``; ``scheme:code`` with its scheme as the
    ``ipr``; any other subject as text under wire's own ``ipr``."""
    if match := _IPTC_SUBJECT.match(subject):
        tobject.append(etree.Element("tobject.subject", {"tobject.subject.refnum": match["code"]}))
        return
    if match := _SCHEMED.match(subject):
        ipr, refnum, matter = match["scheme"], match["code"], None
    else:
        ipr, refnum, matter = WIRE_SUBJECTS, "-".join(re.findall(r"[\w.-]+", subject)), subject
    el = etree.SubElement(tobject, "tobject.subject")
    el.set("tobject.subject.ipr", ipr)
    el.set("tobject.subject.refnum", refnum or "-")
    if matter:
        el.set("tobject.subject.matter", matter)


def _docdata(head: etree._Element, story: Story) -> None:
    docdata = _sub(head, "docdata")
    docdata.set("management-status", story.pub_status.value)
    if CORRECTION_SIGNAL in story.signals:
        _sub(
            docdata,
            "correction",
            None,
            {"info": correction_note(story) or "", "id-string": story.guid},
        )
    _sub(docdata, "doc-id", None, {"id-string": story.guid})
    if story.urgency is not None:
        _sub(docdata, "urgency", None, {"ed-urg": str(story.urgency)})
    issued = story.published_at or story.first_created or story.version_created
    if issued:
        _sub(docdata, "date.issue", None, {"norm": norm(issued)})
    if story.embargoed_until:
        _sub(docdata, "date.release", None, {"norm": norm(story.embargoed_until)})
    if story.ed_note and CORRECTION_SIGNAL not in story.signals:
        _sub(docdata, "ed-msg", None, {"info": one_line(story.ed_note)})
    key = _sub(docdata, "du-key", None, {"version": str(story.version)})
    if story.slugline:
        key.set("key", one_line(story.slugline))
    _copyright(docdata, story.rights)
    if story.keywords:
        keys = _sub(docdata, "key-list")
        for keyword in story.keywords:
            if one_line(keyword):
                _sub(keys, "keyword", None, {"key": one_line(keyword)})
    if story.sources:
        content = _sub(docdata, "identified-content")
        for source in story.sources:
            _sub(content, "org", one_line(source.name), {"idsrc": ROLE_IDSRC, "value": source.role})


def _copyright(docdata: etree._Element, rights: Rights) -> None:
    year = _YEAR.search(rights.copyright_notice or "")
    if rights.copyright_holder or year:
        _sub(
            docdata,
            "doc.copyright",
            None,
            {
                "year": year.group() if year else "",
                "holder": one_line(rights.copyright_holder or ""),
            },
        )
    if rights.copyright_holder or rights.usage_terms:
        _sub(
            docdata,
            "doc.rights",
            None,
            {
                "owner": one_line(rights.copyright_holder or ""),
                "limitations": one_line(rights.usage_terms or ""),
            },
        )


def _head(root: etree._Element, story: Story) -> None:
    head = _sub(root, "head")
    _sub(head, "title", one_line(story.headline))
    subjects = [s for s in story.subjects if one_line(s)]
    if subjects:
        tobject = _sub(head, "tobject", None, {"tobject.type": "news"})
        for subject in subjects:
            _subject(tobject, one_line(subject))
    _docdata(head, story)
    if story.link:
        _sub(head, "pubdata", None, {"type": "web", "ex-ref": story.link})
    if story.editor:
        when = story.version_created
        _sub(
            head,
            "revision-history",
            None,
            {
                "name": one_line(story.editor),
                "function": "editor",
                "norm": norm(when) if when else "",
            },
        )


def _rights_note(body_head: etree._Element, rights: Rights) -> None:
    """The copyright notice as printed, its year and holder marked in ``copyrite``."""
    notice = one_line(rights.copyright_notice or "") or (
        f"© {one_line(rights.copyright_holder)}" if rights.copyright_holder else ""
    )
    if not notice:
        return
    note = _sub(body_head, "note", None, {"noteclass": "cpyrt", "type": "std"})
    para = _sub(_sub(note, "body.content"), "p", "")  # "": no indent inside mixed content
    copyrite = _sub(para, "copyrite")
    marks = [(m.start(), m.end(), "copyrite.year") for m in _YEAR.finditer(notice)][:1]
    holder = one_line(rights.copyright_holder or "")
    at = notice.find(holder) if holder else -1
    if at >= 0 and not any(s < at + len(holder) and at < e for s, e, _ in marks):
        marks.append((at, at + len(holder), "copyrite.holder"))
    position, last = 0, None
    for start, end, tag in sorted(marks):
        piece = notice[position:start]
        if last is None:
            copyrite.text = piece
        else:
            last.tail = piece
        last = _sub(copyrite, tag, notice[start:end])
        position = end
    if last is None:
        copyrite.text = notice
    else:
        last.tail = notice[position:] or None


def _body_head(body: etree._Element, story: Story) -> None:
    body_head = _sub(body, "body.head")
    _sub(_sub(body_head, "hedline"), "hl1", one_line(story.headline))
    for text in notices(story):
        note = _sub(body_head, "note", None, {"noteclass": "editorsnote", "type": "pa"})
        _sub(_sub(note, "body.content"), "p", text)
    _rights_note(body_head, story.rights)
    rights = story.rights
    if rights.copyright_holder or rights.usage_terms or story.provider:
        printed = _sub(body_head, "rights")
        if rights.copyright_holder:
            _sub(printed, "rights.owner", one_line(rights.copyright_holder))
        if story.provider:
            _sub(printed, "rights.agent", one_line(story.provider.name))
        if rights.usage_terms:
            _sub(printed, "rights.limitations", one_line(rights.usage_terms))
    names = [one_line(n) for n in story.byline if n.strip()]
    if names:
        byline = _sub(body_head, "byline")
        byline.text = "By "
        for index, name in enumerate(names):
            person = _sub(byline, "person", name)
            if index < len(names) - 1:
                person.tail = " and " if index == len(names) - 2 else ", "
    if story.provider:
        _sub(_sub(body_head, "distributor"), "org", one_line(story.provider.name))
    if story.dateline and one_line(story.dateline.place):
        _dateline(body_head, story)
    if story.summary:
        _sub(_sub(body_head, "abstract"), "p", one_line(story.summary))


def _dateline(body_head: etree._Element, story: Story) -> None:
    """``<location><city>Gaza</city></location>, <story.date>…</story.date> (MINA)``."""
    assert story.dateline is not None
    line = _sub(body_head, "dateline")
    _sub(_sub(line, "location"), "city", one_line(story.dateline.place))
    last: etree._Element = line[-1]
    if story.dateline.date:
        last.tail = ", "
        last = _sub(line, "story.date", printed_date(story.dateline.date))
        last.set("norm", story.dateline.date.replace("-", ""))
    if story.dateline.agency:
        last.tail = f" ({one_line(story.dateline.agency)})"


def _markup(paragraph: str) -> list[etree._Element]:
    """A stored body paragraph as NITF block elements."""
    if paragraph.lstrip().startswith("<"):
        try:
            wrapper = html.fragment_fromstring(paragraph, create_parent="div")
        except (etree.ParserError, ValueError):
            wrapper = None
        if wrapper is not None:
            return _blocks(wrapper)
    para = etree.Element("p")
    para.text = one_line(paragraph)
    return [para] if para.text else []


def _blocks(wrapper: html.HtmlElement) -> list[etree._Element]:
    """Top-level blocks of a fragment; loose inline content gathered into a ``p``."""
    out: list[etree._Element] = []
    loose: etree._Element | None = None

    def pending() -> etree._Element:
        nonlocal loose
        if loose is None:
            loose = etree.Element("p")
            loose.text = ""
            out.append(loose)
        return loose

    if wrapper.text and wrapper.text.strip():
        pending().text = wrapper.text
    for child in wrapper:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _BLOCK:
            loose = None
            out.append(_convert(child))
        else:
            _append_inline(pending(), child)
        if child.tail and child.tail.strip():
            _append_text(pending(), child.tail)
    return out


def _convert(el: html.HtmlElement) -> etree._Element:
    """One XHTML element and its content as NITF (``_BLOCK`` and ``_INLINE``)."""
    tag = _BLOCK.get(str(el.tag))
    klass = None
    if tag is None:
        tag, klass = _INLINE[str(el.tag)]
    out = etree.Element(tag)
    if klass:
        out.set("class", klass)
    for name in _KEEP_ATTRS.get(str(el.tag), ()):
        if (value := el.get(name)) is not None:
            out.set(name, value)
    if tag == "bq":
        inner = etree.SubElement(out, "block")
        inner.extend(_blocks(el))
        return out
    if tag == "pre":
        out.text = el.text_content()
        return out
    # Mixed content never starts with None, so pretty printing adds no whitespace to it.
    out.text = el.text or ("" if tag in _MIXED else None)
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _BLOCK or child.tag in _INLINE:
            converted = _convert(child)
            converted.tail = child.tail
            out.append(converted)
        else:
            _append_text(out, child.text_content() + (child.tail or ""))
    return out


def _append_inline(parent: etree._Element, el: html.HtmlElement) -> None:
    if el.tag in _INLINE:
        parent.append(_convert(el))
    else:  # span, code, cite: NITF has no such element; its text stays
        _append_text(parent, el.text_content())


def _append_text(parent: etree._Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _media(content: etree._Element, story: Story) -> None:
    for picture in story.pictures:
        media = _sub(content, "media", None, {"media-type": "image"})
        ref = _sub(media, "media-reference")
        for name, value in (
            ("source", picture.url),
            ("alternate-text", picture.caption),
            ("copyright", picture.copyright),
        ):
            if value and one_line(value):
                ref.set(name, one_line(value))
        if picture.caption:
            _sub(media, "media-caption", one_line(picture.caption))
        if picture.credit:
            _sub(media, "media-producer", one_line(picture.credit))


def _body_end(body: etree._Element, story: Story) -> None:
    credit = printed_credit(story.credit_line)
    sources = sources_in_words(story.sources)
    if not (credit or sources):
        return
    end = _sub(body, "body.end")
    if story.credit_line and credit:
        _sub(end, "tagline", one_line(story.credit_line), {"type": "std"})
    if sources:
        _sub(end, "bibliography", sources)


def nitf_document(story: Story) -> etree._Element:
    """The ``nitf`` element of one story."""
    root = etree.Element("nitf", version=VERSION)
    if story.language:
        root.set("baselang", story.language)
    _head(root, story)
    body = _sub(root, "body")
    _body_head(body, story)
    content = _sub(body, "body.content")
    for paragraph in story.body:
        content.extend(_markup(paragraph))
    _media(content, story)
    _body_end(body, story)
    return root


def render_nitf_story(story: Story) -> bytes:
    """A standalone NITF 3.6 document, UTF-8, deterministic."""
    return etree.tostring(
        nitf_document(story), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
