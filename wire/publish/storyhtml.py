"""One story as a small standalone HTML page, and the XHTML pieces other renderers share.

The same XHTML (HTML5 vocabulary) is the Atom/RSS content and the page at
``/stories/{guid}.html``, so every format shows the same attribution box and
correction note; the NewsML-G2 ``inlineXML`` body is ``body_elements(page=False)``
brought down to XHTML 1.0 Strict by ``wire.publish.xhtml1``. Everything is built
as lxml elements: text is escaped by the serializer, never by hand.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from wire.formats.namespaces import XHTML_NS
from wire.formats.printed import byline_line
from wire.model import Dateline, PubStatus, Story
from wire.text import one_line

_X: Final = "{" + XHTML_NS + "}"
_NSMAP: Final = {None: XHTML_NS}
_VOID: Final = frozenset({"img", "br", "hr", "meta", "link", "input"})
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

CORRECTION_SIGNAL: Final = "correction"
RTL_LANGUAGES: Final = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
)


def text_direction(language: str | None) -> str | None:
    """``rtl`` for a language written right to left (by its primary subtag), else None."""
    if not language:
        return None
    return "rtl" if language.split("-", 1)[0].lower() in RTL_LANGUAGES else None


def format_dateline(dateline: Dateline) -> str:
    """The dateline as printed: ``Moscow, MINA`` (date appended when known)."""
    parts = [p for p in (dateline.place, dateline.agency, dateline.date) if p]
    return ", ".join(parts)


def correction_note(story: Story) -> str | None:
    """The visible note a corrected story carries, or None when it is no correction."""
    if CORRECTION_SIGNAL not in story.signals:
        return None
    note = one_line(story.ed_note) if story.ed_note else ""
    return f"Correction (version {story.version}): {note}".rstrip(": ").rstrip()


def _el(tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(_X + tag, {k.rstrip("_"): v for k, v in attrs.items()}, nsmap=_NSMAP)  # type: ignore[arg-type]
    # Non-void elements never serialize as <p/>, which an HTML parser misreads.
    el.text = text if text is not None else (None if tag in _VOID else "")
    return el


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = _el(tag, text, **attrs)
    parent.append(el)
    return el


def _paragraph(text: str) -> list[etree._Element]:
    """A body paragraph: sanitized XHTML when it parses as such, else plain text."""
    stripped = text.strip()
    if stripped.startswith("<"):
        try:
            wrapper = etree.fromstring(
                f'<div xmlns="{XHTML_NS}">{stripped}</div>'.encode(), _PARSER
            )
        except etree.XMLSyntaxError:
            pass
        else:
            kids = [k for k in wrapper if isinstance(k.tag, str)]
            if (
                kids
                and not (wrapper.text or "").strip()
                and all(not (k.tail or "").strip() for k in kids)
            ):
                for kid in kids:
                    kid.tail = None
                return kids
    return [_el("p", text)]


def _figures(story: Story) -> list[etree._Element]:
    """One ``figure`` per picture: image, caption and credit, copyright after the caption."""
    out = []
    for index, pic in enumerate(story.pictures, start=1):
        fig = _el("figure", class_="wire-picture", id=f"picture-{index}")
        if pic.url:
            _sub(fig, "img", src=pic.url, alt=pic.caption or "")
        spans = [
            _el("span", text, class_=cls)
            for text, cls in ((pic.caption, "caption"), (pic.credit, "credit"))
            if text
        ]
        if spans:
            cap = _sub(fig, "figcaption")
            for span in spans[:-1]:
                span.tail = " "
            cap.extend(spans)
        if pic.copyright:
            _sub(fig, "p", pic.copyright, class_="copyright")
        out.append(fig)
    return out


def body_elements(story: Story, *, page: bool = True) -> list[etree._Element]:
    """Body paragraphs and pictures; for a reader-facing ``page`` also the correction
    note, a non-usable status and the attribution box, in reading order."""
    out: list[etree._Element] = []
    note = correction_note(story) if page else None
    if note:
        out.append(_el("p", note, class_="wire-correction"))
    if page and story.pub_status is not PubStatus.USABLE:
        out.append(_el("p", f"Status: {story.pub_status.value}", class_="wire-pubstatus"))
    for para in story.body:
        out.extend(_paragraph(para))
    out.extend(_figures(story))
    if page:
        out.append(attribution_box(story))
    return out


def _row(dl: etree._Element, term: str, value: str | None) -> None:
    if value:
        _sub(dl, "dt", term)
        _sub(dl, "dd", value)


def attribution_box(story: Story) -> etree._Element:
    """Who wrote it, who provides it, what to print, whose rights: one ``dl``."""
    box = _el("dl", class_="wire-attribution")
    _row(box, "By", byline_line(story.byline))
    _row(box, "Credit", one_line(story.credit_line) if story.credit_line else None)
    _row(box, "Dateline", format_dateline(story.dateline) if story.dateline else None)
    if story.provider:
        abbr = story.provider.abbreviation
        _row(box, "Provider", story.provider.name + (f" ({abbr})" if abbr else ""))
    for src in story.sources:
        _row(box, "Source", f"{src.name} ({src.role})")
    _row(box, "Editor", story.editor)
    _row(box, "Copyright holder", story.rights.copyright_holder)
    _row(box, "Copyright", story.rights.copyright_notice)
    _row(box, "Usage terms", story.rights.usage_terms)
    for index, pic in enumerate(story.pictures, start=1):
        _row(box, f"Picture {index} credit", pic.credit)
    for rel in story.related:
        _sub(box, "dt", "Related")
        dd = _sub(box, "dd")
        if rel.url:
            _sub(dd, "a", rel.title, href=rel.url)
        else:
            dd.text = rel.title
    _row(box, "Status", story.pub_status.value)
    return box


def story_div(story: Story) -> etree._Element:
    """The story body and attribution as one XHTML ``div`` (Atom/RSS content)."""
    div = _el("div", class_="wire-story")
    if story.language:
        div.set("lang", story.language)
    direction = text_direction(story.language)
    if direction:
        div.set("dir", direction)
    for el in body_elements(story):
        div.append(el)
    return div


def content_html(story: Story) -> str:
    """``story_div`` as an HTML string (no namespace) for RSS ``description`` / Atom ``content``."""
    div = story_div(story)
    for el in div.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(div)
    return etree.tostring(div, encoding="unicode", method="html")


def story_xhtml(story: Story) -> etree._Element:
    """A complete XHTML ``html`` element for one story: the page's HTML5 document."""
    html = etree.Element(_X + "html", nsmap=_NSMAP)  # type: ignore[arg-type]
    lang = story.language or "und"
    html.set("lang", lang)
    html.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    direction = text_direction(story.language)
    if direction:
        html.set("dir", direction)
    head = _sub(html, "head")
    _sub(head, "meta", charset="utf-8")
    _sub(head, "title", one_line(story.headline))
    body = _sub(html, "body")
    article = _sub(body, "article")
    _sub(article, "h1", story.headline)
    if story.summary:
        _sub(article, "p", story.summary, class_="wire-summary")
    for el in body_elements(story):
        article.append(el)
    return html


def render_story_html(story: Story) -> bytes:
    """A standalone HTML5 page for one story, UTF-8, deterministic."""
    page = etree.tostring(story_xhtml(story), encoding="unicode", method="xml")
    return ("<!DOCTYPE html>\n" + page + "\n").encode("utf-8")
