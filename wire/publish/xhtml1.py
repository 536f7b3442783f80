"""The XHTML 1.0 Strict document a NewsML-G2 ``inlineXML`` carries.

NewsML-G2 carries a text item's content in ``contentSet/inlineXML`` as one
complete XHTML document, ``<html xmlns="http://www.w3.org/1999/xhtml"><head>
<title/></head><body>…</body></html>`` (the NewsML-G2 Guidelines' text
examples), and consumers read the *direct children* of ``html/body`` as the
story: Superdesk's parser makes ``body_html`` from them, so a wrapper element
there (wire once wrote an HTML5 ``<article>``) empties the story. The XSD
leaves that XHTML to its own definition (``inlineXML`` holds ``##any``, laxly);
peers validate it as XHTML 1.0 Strict. wire's shared body markup
(``wire.publish.storyhtml``) is HTML5, so here it is brought down to XHTML 1.0
Strict without losing a word:

* HTML5 elements that XHTML 1.0 lacks become ``div`` (sectioning and grouping:
  ``figure``, ``figcaption``, ``section``, ``aside`` …) or ``span`` (phrasing:
  ``mark``, ``time`` …), with the HTML5 name added as the first class
  (``<div class="figure wire-picture">``), so stylesheets and readers (wire's
  own NewsML-G2 parser) still tell them apart; any other element XHTML 1.0 does
  not know is dropped and its content kept (``script``/``style`` go whole);
* attributes XHTML 1.0 Strict does not define on the element are dropped, as
  are values its DTD would refuse (``dir`` other than ``ltr``/``rtl``, a
  ``lang`` that is no NMTOKEN, a repeated ``id``); an ``img`` with no ``alt``
  gets an empty one (Strict requires it), one with no ``src`` is dropped, a
  ``bdo`` with no direction becomes a ``span``;
* content is fitted to the Strict content model: text and inline elements
  directly in ``body`` or ``blockquote`` go into a ``p``; stray list items into
  a ``ul``, ``dt``/``dd`` into a ``dl``, table parts into a ``table`` (cells
  into a row, rows into a ``tbody`` beside a ``thead``; a part out of the
  DTD's order is demoted where it stands, never moved); a block inside a
  paragraph-level element gives that element its content; ``pre`` keeps the
  text of the ``img``/``big``/``small``/``sub``/``sup`` it may not hold; lists,
  rows and tables left empty are dropped (a table's caption then becomes a
  ``p``).

``tests/test_xhtml1.py`` validates the result against the W3C XHTML 1.0 Strict DTD
(vendored as test data; wire itself never loads a DTD). Pure: elements in, new
elements out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from lxml import etree

from wire.formats.namespaces import XHTML_NS, XML_LANG

_X: Final = "{" + XHTML_NS + "}"
_NSMAP: Final = {None: XHTML_NS}

_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK: Final = frozenset(
    {"p", "div", "ul", "ol", "dl", "pre", "hr", "blockquote", "address", "table"} | _HEADINGS
)
"""XHTML 1.0 Strict's ``%block;`` elements that wire can carry."""
INLINE: Final = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdo", "big", "br", "cite", "code", "dfn", "em", "i",
        "img", "kbd", "q", "samp", "small", "span", "strong", "sub", "sup", "tt", "var",
    }
)  # fmt: skip
"""XHTML 1.0 Strict's ``%inline;`` elements that wire can carry."""
_PARTS: Final = frozenset(
    {"li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"}
)
"""Elements that live only inside a list, a definition list or a table."""
_TO_DIV: Final = frozenset(
    {
        "article", "aside", "details", "dialog", "figcaption", "figure", "footer", "header",
        "hgroup", "main", "nav", "search", "section", "summary",
    }
)  # fmt: skip
_TO_SPAN: Final = frozenset(
    {"bdi", "data", "mark", "meter", "output", "progress", "ruby", "s", "time", "u", "wbr"}
)
_DROP_WHOLE: Final = frozenset({"script", "style", "template", "noscript", "head", "title"})

_KIND: Final = (
    {t: "block" for t in ("body", "blockquote")}
    | {t: "flow" for t in ("div", "li", "dd", "td", "th")}
    | {t: "inline" for t in INLINE | _HEADINGS | {"p", "dt", "caption", "address"}}
    | {"pre": "pre", "ul": "list", "ol": "list", "dl": "dl", "table": "table"}
    | {t: "rowgroup" for t in ("thead", "tbody", "tfoot")}
    | {"tr": "row", "br": "empty", "hr": "empty", "img": "empty"}
)
"""What each element may hold, in the terms of the DTD's content models."""
_NOT_IN_PRE: Final = frozenset({"img", "object", "big", "small", "sub", "sup"})

_CORE: Final = frozenset({"id", "class", "style", "title"})
_I18N: Final = frozenset({"lang", XML_LANG, "dir"})
_EXTRA: Final = {
    "a": frozenset({"href", "hreflang", "rel", "rev", "type", "charset", "name"}),
    "img": frozenset({"src", "alt", "longdesc", "height", "width"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "td": frozenset({"abbr", "axis", "headers", "scope", "rowspan", "colspan"}),
    "th": frozenset({"abbr", "axis", "headers", "scope", "rowspan", "colspan"}),
    "table": frozenset({"summary", "width", "border", "cellspacing", "cellpadding"}),
}
_ENUMS: Final = {
    "dir": frozenset({"ltr", "rtl"}),
    "scope": frozenset({"row", "col", "rowgroup", "colgroup"}),
}
_NMTOKEN_ATTRS: Final = frozenset({"lang", XML_LANG, "hreflang", "name"})
_NMTOKEN: Final = re.compile(r"[A-Za-z0-9._:-]+\Z")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9._:-]*\Z")


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    kids: list[_Node | str] = field(default_factory=list)


_Kids = list[_Node | str]


def _allowed(tag: str, name: str) -> bool:
    common = _CORE if tag == "br" else _CORE | _I18N
    return name in common or name in _EXTRA.get(tag, frozenset())


def _attrs(tag: str, el: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in el.attrib.items():
        name = str(key)
        if name.startswith("{") and name != XML_LANG:
            continue
        text = str(value)
        if not _allowed(tag, name):
            continue
        if name in _ENUMS and text not in _ENUMS[name]:
            continue
        if name in _NMTOKEN_ATTRS and not _NMTOKEN.match(text):
            continue
        if name == "id" and not _NAME.match(text):
            continue
        out[name] = text
    return out


def _local(el: etree._Element) -> str | None:
    if not isinstance(el.tag, str):
        return None  # a comment or processing instruction
    qname = etree.QName(el)
    return qname.localname.lower() if qname.namespace in (None, XHTML_NS) else None


def _read(el: etree._Element) -> _Kids:
    """One source element as nodes: mapped, unwrapped or dropped (its tail is the caller's)."""
    tag = _local(el)
    if tag is None or tag in _DROP_WHOLE:
        return []
    kids: _Kids = [el.text] if el.text else []
    for child in el:
        kids.extend(_read(child))
        if child.tail:
            kids.append(child.tail)
    if tag in _TO_DIV or tag in _TO_SPAN:
        attrs = _attrs("div", el)
        attrs["class"] = " ".join([tag, *attrs.get("class", "").split()])
        return [_Node("div" if tag in _TO_DIV else "span", attrs, kids)]
    if tag not in _KIND or tag == "body":
        return kids
    if _KIND[tag] == "empty":  # whatever a br, hr or img holds follows it
        return [_Node(tag, _attrs(tag, el)), *kids]
    return [_Node(tag, _attrs(tag, el), kids)]


def _blank(kid: _Node | str) -> bool:
    return isinstance(kid, str) and not kid.strip()


def _runs(kids: _Kids, keep: frozenset[str]) -> Iterator[_Node | _Kids]:
    """Nodes whose tag is in ``keep`` one by one; everything between them as runs."""
    run: _Kids = []
    for kid in kids:
        if isinstance(kid, _Node) and kid.tag in keep:
            if run:
                yield run
                run = []
            yield kid
        else:
            run.append(kid)
    if run:
        yield run


def _wrapped(tag: str, run: _Kids) -> _Kids:
    return [] if all(_blank(k) for k in run) else [_Node(tag, {}, run)]


def _family(tag: str) -> str | None:
    if tag == "li":
        return "ul"
    if tag in ("dt", "dd"):
        return "dl"
    return "table" if tag in _PARTS else None


def _gather_parts(kids: _Kids) -> _Kids:
    """Stray list items, definition terms and table parts put in the container they need."""
    out: _Kids = []
    open_family: str | None = None  # the container made for the previous stray part
    for kid in kids:
        family = _family(kid.tag) if isinstance(kid, _Node) else None
        last = out[-1] if out else None
        if family is not None and family == open_family and isinstance(last, _Node):
            last.kids.append(kid)
        elif family is not None:
            out.append(_Node(family, {}, [kid]))
        elif open_family is not None and _blank(kid):
            continue  # space between two stray parts: the container has no text
        else:
            out.append(kid)
        open_family = family if family is not None else (open_family if _blank(kid) else None)
    return out


def _nodes(kids: _Kids) -> list[_Node]:
    return [k for k in kids if isinstance(k, _Node)]


def _grouped(rows: list[_Node]) -> list[_Node]:
    """Rows and row groups as row groups only: runs of rows into a ``tbody`` each."""
    out: list[_Node] = []
    run: _Kids = []
    for node in rows:
        if node.tag == "tr":
            run.append(node)
            continue
        if run:
            out.append(_Node("tbody", {}, run))
            run = []
        out.append(node)
    if run:
        out.append(_Node("tbody", {}, run))
    return out


def _fit_table(kids: _Kids) -> _Kids:
    """A table's parts in the DTD's order (caption, thead, tfoot, then rows or row
    groups), never moved: a part out of its place is demoted where it stands (a
    late caption to a row, a late thead or tfoot to a tbody), so text keeps its order."""
    caption: _Node | None = None
    head: _Node | None = None
    foot: _Node | None = None
    rows: list[_Node] = []  # rows and row groups, in document order
    for part in _runs(kids, frozenset({"caption", "thead", "tfoot", "tbody", "tr"})):
        if isinstance(part, list):
            rows.extend(_nodes(_wrapped("tr", part)))
        elif part.tag == "caption" and not (caption or head or foot or rows):
            caption = part
        elif part.tag == "thead" and not (head or foot or rows):
            head = part
        elif part.tag == "tfoot" and not (foot or rows):
            foot = part
        elif part.tag == "caption":
            rows.append(_Node("tr", {}, [_Node("td", {}, part.kids)]))
        elif part.tag == "tr":
            rows.append(part)
        else:
            rows.append(_Node("tbody", part.attrs, part.kids))
    if head or foot or any(n.tag == "tbody" for n in rows):
        rows = _grouped(rows)  # tbody+ or tr+, never both
    fitted = _nodes([n for node in (head, foot, *rows) if node for n in _fit(node)])
    if not fitted:
        return []
    if not any(n.tag in ("tbody", "tr") for n in fitted):
        fitted = [_Node("tbody", n.attrs, n.kids) for n in fitted]  # a head or foot alone
    return [*(_fit(caption) if caption else []), *fitted]


def _caption(kids: _Kids) -> _Node | None:
    return next((k for k in _nodes(kids) if k.tag == "caption"), None)


_EXCLUDED: Final = {"pre": _NOT_IN_PRE, "a": frozenset({"a"})}
"""Inline elements a parent may not hold directly (the DTD's exclusions)."""
_ITEMS: Final = {
    "list": ("li", frozenset({"li"})),
    "dl": ("dd", frozenset({"dt", "dd"})),
    "rowgroup": ("tr", frozenset({"tr"})),
    "row": ("td", frozenset({"td", "th"})),
}
"""For each container: what wraps stray content, and what it holds as it is."""


def _children(kids: _Kids, tag: str) -> _Kids:
    """``kids`` fitted to what a ``tag`` element may hold."""
    kind = _KIND[tag]
    out: _Kids = []
    if kind in ("block", "flow"):
        for part in _runs(_gather_parts(kids), BLOCK):
            if isinstance(part, _Node):
                out.extend(_fit(part))
            elif kind == "block":
                for node in _nodes(_wrapped("p", part)):
                    out.extend(_fit(node))
            else:
                out.extend(_children(part, "span"))
    elif kind in ("inline", "pre"):
        allowed = INLINE - _EXCLUDED.get(tag, frozenset())
        for kid in kids:
            if isinstance(kid, str):
                out.append(kid)
            elif kid.tag in allowed:
                out.extend(_fit(kid))
            elif (inner := _children(kid.kids, tag)) and kid.tag in INLINE:
                out.extend(inner)  # an inline element this one may not hold: its content
            elif inner:
                # a block or a part inside a paragraph: its content, set apart by a space
                out.extend([*([" "] if out else []), *inner])
    elif kind in _ITEMS:
        item, keep = _ITEMS[kind]
        for part in _runs(kids, keep):
            for node in [part] if isinstance(part, _Node) else _nodes(_wrapped(item, part)):
                out.extend(_fit(node))
    elif kind == "table":
        out = _fit_table(kids)
    return out  # empty elements hold nothing


def _fit(node: _Node) -> _Kids:
    """``node`` made valid, or what stands for it (nothing, or its content)."""
    kind = _KIND[node.tag]
    if node.tag == "img":
        if "src" not in node.attrs:
            return []
        node.attrs.setdefault("alt", "")
    if node.tag == "bdo" and "dir" not in node.attrs:
        node = _Node("span", node.attrs, node.kids)  # Strict requires bdo's direction
    kids = _children(node.kids, node.tag)
    if kind in _ITEMS and not _nodes(kids):
        return []
    if kind == "table" and not kids:  # no rows: the caption, if any, as a paragraph
        caption = _caption(node.kids)
        return _fit(_Node("p", caption.attrs, caption.kids)) if caption else []
    return [_Node(node.tag, node.attrs, kids)]


def _build(node: _Node, ids: set[str]) -> etree._Element:
    el = etree.Element(_X + node.tag, nsmap=_NSMAP)  # type: ignore[arg-type]
    for name, value in node.attrs.items():
        if name == "id":
            if value in ids:
                continue
            ids.add(value)
        el.set(name, value)
    last: etree._Element | None = None
    for kid in node.kids:
        if isinstance(kid, str):
            if last is None:
                el.text = (el.text or "") + kid
            else:
                last.tail = (last.tail or "") + kid
        else:
            last = _build(kid, ids)
            el.append(last)
    if el.text is None and len(el) == 0 and _KIND[node.tag] != "empty":
        el.text = ""  # never <p/>, which an HTML parser misreads
    return el


def body(elements: Iterable[etree._Element]) -> etree._Element:
    """An XHTML 1.0 Strict ``body`` holding ``elements``, fitted as the module says."""
    kids: _Kids = []
    for el in elements:
        kids.extend(_read(el))
        if el.tail:
            kids.append(el.tail)
    return _build(_Node("body", {}, _children(kids, "body")), set())


def document(
    title: str,
    elements: Iterable[etree._Element],
    *,
    lang: str | None = None,
    direction: str | None = None,
) -> etree._Element:
    """``<html><head><title/></head><body/></html>`` in XHTML 1.0 Strict: the title
    (required by the DTD), then ``body(elements)``. ``lang`` goes on ``html`` as
    ``lang`` and ``xml:lang`` when it is an NMTOKEN, ``direction`` as ``dir``."""
    html = etree.Element(_X + "html", nsmap=_NSMAP)  # type: ignore[arg-type]
    if lang and _NMTOKEN.match(lang):
        html.set("lang", lang)
        html.set(XML_LANG, lang)
    if direction in _ENUMS["dir"]:
        html.set("dir", direction or "")
    head = etree.SubElement(html, _X + "head")
    etree.SubElement(head, _X + "title").text = title
    html.append(body(elements))
    return html
