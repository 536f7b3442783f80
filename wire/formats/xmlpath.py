"""Reading namespaced XML elements the same way in every format parser.

Contains no business logic: names without namespaces, children by local name,
text with whitespace folded.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from wire.text import squash


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
