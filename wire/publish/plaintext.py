"""One story as plain text (``/stories/{guid}.txt``): what a partner pastes or
prints — headline, byline, dateline, body, pictures, then the credit line and
rights exactly as they must be printed.

Paragraphs are one line each with a blank line between them (the reader's
software wraps); a paragraph of markup is printed as its text, tables a row a
line with the cells apart, lists an item a line. UTF-8, LF line ends,
deterministic.
"""

from __future__ import annotations

from typing import Final

from lxml import etree, html

from wire.formats.printed import (
    notices,
    picture_line,
    printed_byline,
    printed_credit,
    printed_dateline,
    printed_rights,
    sources_in_words,
)
from wire.model import Story
from wire.text import one_line

_BLOCKS: Final = frozenset(
    {"p", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "caption"}
    | {"h2", "h3", "h4", "h5", "h6"}
)


def paragraph_lines(paragraph: str) -> list[str]:
    """A stored body paragraph as the lines of text it prints as."""
    if paragraph.lstrip().startswith("<"):
        try:
            return _lines(html.fragment_fromstring(paragraph, create_parent="div"))
        except (etree.ParserError, ValueError):
            pass
    return [line] if (line := one_line(paragraph)) else []


def _lines(el: html.HtmlElement) -> list[str]:
    """An element as printed lines: a table row a line (cells apart), a list item
    a line, preformatted text as its lines, other blocks their children's lines;
    inline text between blocks a line of its own."""
    if el.tag == "tr":
        cells = [one_line(c.text_content()) for c in el if c.tag in ("td", "th")]
        return [" | ".join(cells)] if any(cells) else []
    if el.tag == "pre":
        return [ln.rstrip() for ln in el.text_content().splitlines() if ln.strip()]
    if not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el):
        text = one_line(el.text_content())
        return [f"- {text}" if el.tag == "li" else text] if text else []
    lines: list[str] = []
    loose = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            if text := one_line("".join(loose)):
                lines.append(text)
            loose = []
            lines += _lines(child)
        elif isinstance(child.tag, str):
            loose.append(child.text_content())
        loose.append(child.tail or "")
    if text := one_line("".join(loose)):
        lines.append(text)
    return lines


def story_text(story: Story) -> str:
    """The whole story as text, sections apart by a blank line."""
    sections: list[list[str]] = []
    head = [*notices(story), one_line(story.headline)]
    sections.append(head)
    if story.summary:
        sections.append([one_line(story.summary)])
    lead = [
        line for line in (printed_byline(story.byline), printed_dateline(story.dateline)) if line
    ]
    if lead:
        sections.append(lead)
    for paragraph in story.body:
        if lines := paragraph_lines(paragraph):
            sections.append(lines)
    if story.pictures:
        sections.append([picture_line(i, p) for i, p in enumerate(story.pictures, start=1)])
    tail = [
        line
        for line in (
            printed_credit(story.credit_line),
            sources_in_words(story.sources),
            f"Editor: {one_line(story.editor)}" if story.editor else None,
            *printed_rights(story.rights),
        )
        if line
    ]
    if tail:
        sections.append(tail)
    if story.ed_note and "correction" not in story.signals:
        sections.append([f"Editor's note: {one_line(story.ed_note)}"])
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def render_text_story(story: Story) -> bytes:
    """``story_text`` as UTF-8 bytes."""
    return story_text(story).encode("utf-8")
