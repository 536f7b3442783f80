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

from wire.formats import STORY_FORMATS, STORY_PAGE, story_path
from wire.formats.namespaces import XHTML_NS
from wire.formats.printed import (
    byline_line,
    correction_note,
    dateline_line,
    machine_time,
    printed_byline,
    printed_credit,
    printed_dateline,
    printed_status,
    printed_time,
    sources_in_words,
)
from wire.model import Story
from wire.text import one_line

_X: Final = "{" + XHTML_NS + "}"
_NSMAP: Final = {None: XHTML_NS}
_VOID: Final = frozenset({"img", "br", "hr", "meta", "link", "input"})
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

RTL_LANGUAGES: Final = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"}
)


def text_direction(language: str | None) -> str | None:
    """``rtl`` for a language written right to left (by its primary subtag), else None."""
    if not language:
        return None
    return "rtl" if language.split("-", 1)[0].lower() in RTL_LANGUAGES else None


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


def _figures(story: Story, *, page: bool) -> list[etree._Element]:
    """One ``figure`` per picture: image, caption and credit, copyright after the caption.
    On a reader-facing ``page`` the credit is labelled ("Credit: …"); a NewsML-G2
    body keeps the caption and credit spans bare, as its readers take them."""
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
            if page and pic.credit:  # printed as such: "Credit: Jane Doe/EWS"
                if len(spans) > 1:
                    spans[-2].tail = " Credit: "
                else:
                    cap.text = "Credit: "
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
    status = printed_status(story.pub_status) if page else None
    if status:
        out.append(_el("p", status, class_="wire-pubstatus"))
    for para in story.body:
        out.extend(_paragraph(para))
    out.extend(_figures(story, page=page))
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
    _row(box, "Dateline", dateline_line(story.dateline) if story.dateline else None)
    if story.provider:
        abbr = story.provider.abbreviation
        _row(box, "Provider", story.provider.name + (f" ({abbr})" if abbr else ""))
    _row(box, "Sources", sources_in_words(story.sources))
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
    _row(box, "Status", printed_status(story.pub_status))
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


PAGE_STYLE: Final = """
:root{color-scheme:light dark}
body{margin:0;font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"Noto Naskh Arabic",Tahoma,sans-serif;background:Canvas;color:CanvasText}
main{max-width:40rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:.25rem 0 .5rem;overflow-wrap:anywhere}
p,dd,li,figcaption{overflow-wrap:anywhere}
.wire-meta,.wire-byline,.wire-dateline{margin:.15rem 0;color:GrayText;font-size:.95rem}
.wire-byline{color:CanvasText;font-weight:600}
.wire-summary{font-size:1.15rem;margin:1rem 0}
.wire-correction,.wire-pubstatus{padding:.6rem .8rem;border-inline-start:.25rem solid #c60;
background:rgba(204,102,0,.1)}
.wire-pubstatus{border-color:#b00;background:rgba(187,0,0,.1);font-weight:600}
figure{margin:1.5rem 0}
img{max-width:100%;height:auto;display:block}
figcaption,.copyright{font-size:.9rem;color:GrayText;margin:.35rem 0 0}
.wire-credit,.wire-sources{margin:.25rem 0;font-size:.95rem}
.wire-attribution-block{margin-top:2rem;padding-top:1rem;border-top:1px solid GrayText}
.wire-attribution{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;
font-size:.9rem;margin:1rem 0}
.wire-attribution dt{font-weight:600}
.wire-attribution dd{margin:0}
nav.wire-formats h2{font-size:1rem;margin:1.5rem 0 .25rem}
nav.wire-formats ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
a{color:LinkText}
@media (max-width:30rem){.wire-attribution{grid-template-columns:1fr}
.wire-attribution dd{margin-bottom:.4rem}}
"""
"""The page's whole style: inline (the page's policy allows no stylesheet
request), system fonts, one readable column, logical properties so a
right-to-left story mirrors without a rule of its own."""


def _heading(article: etree._Element, story: Story) -> None:
    """Headline, then the time and provider, the byline and the dateline."""
    _sub(article, "h1", story.headline)
    meta = _sub(article, "p", class_="wire-meta")
    when = story.sort_time
    if when is not None:
        # Printed in English: isolated, so a right-to-left page keeps its order.
        _sub(meta, "time", printed_time(when), datetime=machine_time(when), dir="ltr")
    if story.provider:
        provider = _sub(meta, "span", one_line(story.provider.name), class_="wire-provider")
        if when is not None:
            provider.getprevious().tail = " · "  # type: ignore[union-attr]
    if not len(meta):
        article.remove(meta)
    byline = printed_byline(story.byline)
    if byline:
        _sub(article, "p", byline, class_="wire-byline")
    dateline = printed_dateline(story.dateline)
    if dateline:
        _sub(article, "p", dateline.rstrip(" –"), class_="wire-dateline")


_PRINTED_ABOVE: Final = frozenset({"Credit", "Sources"})


def _attribution_block(story: Story) -> etree._Element:
    """What a partner prints, in words (credit, sources), then every field in the box."""
    block = _el("section", class_="wire-attribution-block")
    credit = printed_credit(story.credit_line)
    if credit:
        _sub(block, "p", credit, class_="wire-credit")
    sources = sources_in_words(story.sources)
    if sources:
        _sub(block, "p", sources, class_="wire-sources")
    return block


def _format_links(story: Story, base_url: str) -> etree._Element:
    """A link to the story in every single-story format (this page among them)."""
    nav = _el("nav", class_="wire-formats")
    _sub(nav, "h2", "This story in every format")
    items = _sub(nav, "ul")
    base = base_url.rstrip("/")
    for fmt in STORY_FORMATS:
        item = _sub(items, "li")
        href = base + story_path(story.guid, fmt.extension)
        kind = fmt.media_type.split(";", 1)[0].strip()
        _sub(item, "a", fmt.label, href=href, type=kind, class_=f"wire-format-{fmt.name}")
    return nav


def story_xhtml(story: Story, base_url: str = "") -> etree._Element:
    """A complete XHTML ``html`` element for one story: the page's HTML5 document.

    ``base_url`` is the wire's public address (``server.base_url``): the page's
    canonical link and its links to the story's other formats start with it."""
    html = etree.Element(_X + "html", nsmap=_NSMAP)  # type: ignore[arg-type]
    lang = story.language or "und"
    html.set("lang", lang)
    html.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    direction = text_direction(story.language)
    if direction:
        html.set("dir", direction)
    head = _sub(html, "head")
    _sub(head, "meta", charset="utf-8")
    _sub(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    _sub(head, "title", one_line(story.headline))
    base = base_url.rstrip("/")
    _sub(head, "link", rel="canonical", href=base + story_path(story.guid, STORY_PAGE))
    for fmt in STORY_FORMATS:
        if fmt.extension != STORY_PAGE:
            kind = fmt.media_type.split(";", 1)[0].strip()
            href = base + story_path(story.guid, fmt.extension)
            _sub(head, "link", rel="alternate", type=kind, title=fmt.label, href=href)
    _sub(head, "style", PAGE_STYLE)
    body = _sub(html, "body")
    main = _sub(body, "main")
    article = _sub(main, "article")
    _heading(article, story)
    if story.summary:
        _sub(article, "p", story.summary, class_="wire-summary")
    elements = body_elements(story)
    box = elements.pop()  # the attribution box comes last: after the words a partner prints
    for el in elements:
        article.append(el)
    block = _attribution_block(story)
    for term in box.findall(_X + "dt"):
        if term.text in _PRINTED_ABOVE:  # said in words just above: not twice
            box.remove(term.getnext())  # type: ignore[arg-type]
            box.remove(term)
    block.append(box)
    article.append(block)
    article.append(_format_links(story, base_url))
    return html


def render_story_html(story: Story, base_url: str = "") -> bytes:
    """A standalone HTML5 page for one story, UTF-8, deterministic."""
    page = etree.tostring(story_xhtml(story, base_url), encoding="unicode", method="xml")
    return ("<!DOCTYPE html>\n" + page + "\n").encode("utf-8")
