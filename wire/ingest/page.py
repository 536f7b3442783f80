"""Article web page (HTML) → story. The only module that touches trafilatura. Pure.

trafilatura finds the main text and the page metadata; it drops ``<figcaption>``,
so a small lxml pass of our own reads figures (caption, credit, image URL), the
page's machine-readable publication time and "Also Read" link targets. The
extracted text then goes through the same cleaning and agency patterns as raw
copy, so a dateline, a signature or an "according to Reuters" is found the same
way in both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from wire.attribution import SourcePolicy
from wire.errors import NoContent
from wire.ingest.clean import clean_lines
from wire.ingest.encodings import bom_of
from wire.ingest.extract import extract, match_caption
from wire.ingest.patterns import all_patterns
from wire.ingest.repair import check_size, decode, fix_mojibake, normalize_whitespace
from wire.ingest.textcopy import story_from_extraction
from wire.ingest.values import finish
from wire.model import Picture, Provider, Related, Story
from wire.text import one_line

__all__ = ["extract_page"]

_MIN_ARTICLE_WORDS = 8
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|byline|source|author", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&)\s*")
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
    "DC.date.issued",
)


@dataclass(frozen=True, slots=True)
class _Article:
    """trafilatura's findings, typed."""

    text: str
    title: str | None
    author: str | None
    date: str | None
    sitename: str | None


@dataclass(frozen=True, slots=True)
class _PageFacts:
    """What our own pass over the HTML finds."""

    pictures: tuple[Picture, ...]
    published: str | None
    links: dict[str, str]  # anchor text → absolute URL
    canonical: str | None = None  # the page's own <link rel="canonical">
    copyright: str | None = None  # the page's copyright line (meta, or its footer)


def _decode_html(data: bytes, name: str) -> str:
    """Bytes → markup: UTF-8 (or a BOM) first, else the charset the page declares."""
    if bom_of(data) is None:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            declared = _CHARSET.search(data[:4096])
            if declared:
                try:
                    return data.decode(declared.group(1).decode("ascii"))
                except (LookupError, UnicodeDecodeError):
                    pass
    return decode(data, name)


def _run_trafilatura(root: lxml_html.HtmlElement, url: str | None) -> _Article | None:
    doc = trafilatura.bare_extraction(
        root,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
    )
    if doc is None:
        return None

    def field(key: str) -> str | None:
        value = getattr(doc, key, None)
        return value.strip() or None if isinstance(value, str) else None

    return _Article(
        text=field("text") or "",
        title=field("title"),
        author=field("author"),
        date=field("date"),
        sitename=field("sitename"),
    )


def _text(el: etree._Element) -> str:
    return one_line("".join(str(t) for t in el.itertext()))


def _figure(fig: etree._Element, base: str | None) -> Picture | None:
    img = next(iter(fig.iter("img")), None)
    src = None
    if img is not None:
        src = img.get("src") or img.get("data-src")
        src = urljoin(base, src) if (src and base) else src
    cap_el = next(iter(fig.iter("figcaption")), None)
    if cap_el is None:
        return Picture(url=src) if src and img is not None and img.get("alt") else None
    credit = None
    for el in cap_el.iter():
        if el is cap_el:
            continue
        if el.tag in ("cite", "small") or _CREDIT_CLASS.search(el.get("class") or ""):
            credit = _text(el)
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
            break
    caption = _text(cap_el) or None
    if credit:
        labelled = match_caption(credit, all_patterns())
        credit = labelled[0].credit if labelled else credit
    elif caption:
        inline = match_caption(caption, all_patterns())
        if inline:
            caption, credit = inline[0].caption, inline[0].credit
    if not (caption or credit):
        return None
    return Picture(caption=caption, credit=credit, url=src)


def _parse_html(markup: str) -> lxml_html.HtmlElement | None:
    try:
        return lxml_html.fromstring(_XML_DECL.sub("", markup, count=1))
    except (etree.ParserError, ValueError):
        return None


def _page_facts(root: lxml_html.HtmlElement, base: str | None) -> _PageFacts:
    """Figures, machine-readable publication time and link targets.

    Figures are taken out of the tree afterwards: their captions are pictures,
    and trafilatura would otherwise run a bare caption into the paragraph next to it."""
    figures = list(root.iter("figure"))
    pictures = tuple(p for p in (_figure(f, base) for f in figures) if p)
    for fig in figures:
        fig.drop_tree()
    published = None
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if key in _PUBLISHED_META and meta.get("content"):
            published = meta.get("content")
            break
    if published is None:
        time_el = next((t for t in root.iter("time") if t.get("datetime")), None)
        published = time_el.get("datetime") if time_el is not None else None
    links: dict[str, str] = {}
    for a in root.iter("a"):
        href, label = a.get("href"), _text(a)
        if href and label and not href.startswith(("#", "javascript:")):
            links.setdefault(label, urljoin(base, href) if base else href)
    return _PageFacts(pictures, published, links, _canonical(root, base), _copyright(root))


def _canonical(root: lxml_html.HtmlElement, base: str | None) -> str | None:
    """The page's canonical URL, absolute http(s), if it names one."""
    for link in root.iter("link"):
        raw = str(link.get("href") or "")
        if "canonical" in str(link.get("rel") or "").lower().split() and raw:
            href = urljoin(base, raw) if base else raw
            if urlsplit(href).scheme in ("http", "https") and urlsplit(href).hostname:
                return href
    return None


_COPYRIGHT_LINE = re.compile(r"(?:©|\(c\)|copyright)\s*\S.{0,150}", re.I)


def _copyright(root: lxml_html.HtmlElement) -> str | None:
    """The page's copyright notice: a ``copyright`` meta, else the © line of its footer."""
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        if (
            key in ("copyright", "dcterms.rights", "dc.rights")
            and (meta.get("content") or "").strip()
        ):
            return one_line(meta.get("content", ""))
    for footer in root.iter("footer"):
        match = _COPYRIGHT_LINE.search(one_line(footer.text_content()))
        if match:
            return match.group(0).strip()
    return None


def _instant(value: str | None, fetched_at: datetime) -> datetime | None:
    """A machine-readable page date as UTC; a bare date is midnight UTC; never after the fetch."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed if parsed <= fetched_at.astimezone(UTC) else None


def extract_page(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    url: str | None = None,
    source: str | None = None,
    policy: SourcePolicy | None = None,
) -> Story:
    """An article page → its story. Raises ``NoContent`` for a page with no article
    (or empty/binary input), ``InputTooLarge``, ``MalformedInput``; each names ``name``."""
    check_size(data, name)
    if not data.strip():
        raise NoContent(name, "the input is empty")
    root = _parse_html(fix_mojibake(_decode_html(data, name)))
    if root is None:
        raise NoContent(name, "no HTML document in the input")
    facts = _page_facts(root, url)
    article = _run_trafilatura(root, url)
    if article is None or not article.text:
        raise NoContent(name, "no article found in the HTML page")
    captions = {p.caption for p in facts.pictures if p.caption}
    lines = [ln for ln in normalize_whitespace(article.text).split("\n") if ln not in captions]
    kept, removed = clean_lines(lines)
    title = one_line(article.title) if article.title else None
    ex = extract(
        kept,
        fetched_at=fetched_at,
        removed=removed,
        headline=title,
        language=policy.language if policy else None,
    )
    if not any(len(p.split()) >= _MIN_ARTICLE_WORDS for p in ex.body):
        raise NoContent(name, "no article found in the HTML page")
    pictures = list(facts.pictures)
    pictures += [p for p in ex.pictures if p.caption not in captions or p.caption is None]
    related = tuple(replace(r, url=r.url or facts.links.get(r.title)) for r in ex.related)
    byline = ex.byline
    if not byline and article.author:
        byline = tuple(n for n in _AUTHOR_SPLIT.split(article.author) if n)
    provider = ex.provider
    if provider is None and article.sitename and not (policy and policy.provider):
        provider = Provider(name=article.sitename)
    published = (
        ex.published_at
        or _instant(facts.published, fetched_at)
        or _instant(article.date, fetched_at)
    )
    rights = ex.rights
    if facts.copyright and not rights.copyright_notice:
        rights = replace(rights, copyright_notice=facts.copyright)
    ex = replace(
        ex,
        pictures=tuple(pictures),
        related=tuple(Related(r.title, r.url) for r in related),
        byline=byline,
        provider=provider,
        published_at=published,
        rights=rights,
    )
    story = story_from_extraction(
        ex,
        source=source,
        fmt="html",
        fetched_at=fetched_at,
        raw_sha256=hashlib.sha256(data).hexdigest(),
        # The page's own canonical address identifies it (and is its link) over
        # the address it happened to be fetched at.
        url=facts.canonical or url,
    )
    return finish([story], name=name, policy=policy)[0]
