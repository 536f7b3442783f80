"""The NITF 3.6 content models of the elements wire writes, for checking its
documents structurally.

The official DTD (nitf-3-6.dtd, IPTC, 2012) cannot be fetched here, so this is its
content models and attribute lists transcribed for those elements: each
element's children as a regular expression over child names, whether it holds
text, and the attributes it may carry (besides the common ``id``, ``class``,
``style`` and ``xml:lang``). An element wire does not write is reported as unknown
rather than passed, so the table grows with the renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

_ENRICHED = (
    "a|br|chron|classifier|copyrite|em|event|function|lang|location|money|num|"
    "object.title|org|person|postaddr|pronounce|q|sub|sup|virtloc"
)
_BLOCK_CONTENT = "p|hl2|table|media|ol|ul|dl|bq|fn|note|pre|hr|nitf-table"


@dataclass(frozen=True)
class Model:
    children: str  # regular expression over the child names, each followed by a space
    text: bool = False  # mixed content
    attributes: frozenset[str] = frozenset()


def _model(children: str, *attributes: str, text: bool = False) -> Model:
    return Model(children, text, frozenset(attributes))


def _any(names: str) -> str:
    return f"(?:(?:{names}) )*"


def _one(name: str) -> str:
    return f"{re.escape(name)} "


def _opt(name: str) -> str:
    return f"(?:{re.escape(name)} )?"


def _many(name: str) -> str:
    return f"(?:{re.escape(name)} )*"


EMPTY = ""
MODELS: dict[str, Model] = {
    "nitf": _model(
        _opt("head") + _one("body"), "uno", "version", "change.date", "change.time", "baselang"
    ),
    "head": _model(
        _opt("title")
        + _many("meta")
        + _opt("tobject")
        + _opt("iim")
        + _opt("docdata")
        + _many("pubdata")
        + _many("revision-history")
    ),
    "title": _model(EMPTY, "type", text=True),
    "meta": _model(EMPTY, "http-equiv", "name", "content"),
    "tobject": _model(_many("tobject.property") + _many("tobject.subject"), "tobject.type"),
    "tobject.subject": _model(
        EMPTY,
        "tobject.subject.ipr",
        "tobject.subject.refnum",
        "tobject.subject.code",
        "tobject.subject.type",
        "tobject.subject.matter",
        "tobject.subject.detail",
    ),
    "docdata": _model(
        _any(
            "correction|evloc|doc-id|del-list|urgency|fixture|date\\.issue|date\\.release|"
            "date\\.expire|doc-scope|series|ed-msg|du-key|doc\\.copyright|doc\\.rights|"
            "key-list|identified-content"
        ),
        "management-status",
        "management-doc-idref",
        "management-idref-status",
    ),
    "correction": _model(EMPTY, "info", "id-string", "regsrc"),
    "doc-id": _model(EMPTY, "regsrc", "id-string"),
    "urgency": _model(EMPTY, "ed-urg"),
    "date.issue": _model(EMPTY, "norm"),
    "date.release": _model(EMPTY, "norm"),
    "date.expire": _model(EMPTY, "norm"),
    "ed-msg": _model(EMPTY, "msg-type", "info"),
    "du-key": _model(EMPTY, "generation", "part", "version", "ex-ref", "key"),
    "doc.copyright": _model(EMPTY, "year", "holder"),
    "doc.rights": _model(
        EMPTY,
        "owner",
        "startdate",
        "enddate",
        "agent",
        "geography",
        "location-code",
        "code-source",
        "type",
        "limitations",
    ),
    "key-list": _model(_many("keyword")),
    "keyword": _model(EMPTY, "key"),
    "identified-content": _model(
        _any("person|org|location|event|function|object\\.title|virtloc|classifier")
    ),
    "org": _model(_any("alt-code"), "idsrc", "value", text=True),
    "pubdata": _model(
        EMPTY,
        "type",
        "item-length",
        "unit-of-measure",
        "date.publication",
        "name",
        "issue",
        "volume",
        "number",
        "package.intent",
        "edition.name",
        "edition.area",
        "position.section",
        "position.sequence",
        "ex-ref",
    ),
    "revision-history": _model(EMPTY, "name", "function", "norm", "comment"),
    "body": _model(_opt("body.head") + _many("body.content") + _opt("body.end")),
    "body.head": _model(
        _opt("hedline")
        + _many("note")
        + _opt("rights")
        + _many("byline")
        + _opt("distributor")
        + _many("dateline")
        + _opt("abstract")
        + _opt("series")
    ),
    "hedline": _model(_one("hl1") + _many("hl2")),
    "hl1": _model(_any(_ENRICHED), text=True),
    "hl2": _model(_any(_ENRICHED), text=True),
    "note": _model(f"(?:{_one('body.content')})+", "noteclass", "type"),
    "rights": _model(
        _any(
            "rights\\.owner|rights\\.startdate|rights\\.enddate|rights\\.agent|"
            "rights\\.geography|rights\\.type|rights\\.limitations"
        ),
        text=True,
    ),
    "rights.owner": _model(EMPTY, "contact", text=True),
    "rights.agent": _model(EMPTY, "contact", text=True),
    "rights.limitations": _model(EMPTY, text=True),
    "byline": _model(_any("person|byttl|location|virtloc"), text=True),
    "person": _model(
        _any("name\\.given|name\\.family|function|alt-code"), "idsrc", "value", text=True
    ),
    "distributor": _model(_any("org"), text=True),
    "dateline": _model(_any("location|story\\.date"), text=True),
    "location": _model(
        _any("sublocation|city|state|region|country|alt-code"), "location-code", "code-source",
        text=True,
    ),
    "city": _model(_any("alt-code"), "city-code", "code-source", text=True),
    "story.date": _model(EMPTY, "norm", text=True),
    "abstract": _model(_any(_BLOCK_CONTENT)),
    "body.content": _model(_any("block|" + _BLOCK_CONTENT)),
    "block": _model(_any("tagline|" + _BLOCK_CONTENT)),
    "p": _model(_any(_ENRICHED), "lede", "summary", "optional-text", text=True),
    "em": _model(_any(_ENRICHED), text=True),
    "q": _model(_any(_ENRICHED), "quote-source", text=True),
    "a": _model(_any(_ENRICHED), "href", "name", "rel", "rev", "title", text=True),
    "sub": _model(_any(_ENRICHED), text=True),
    "sup": _model(_any(_ENRICHED), text=True),
    "br": _model(EMPTY),
    "pre": _model(EMPTY, text=True),
    "bq": _model(f"(?:{_one('block')})+" + _opt("credit"), "nowrap", "quote-source"),
    "ul": _model(f"(?:{_one('li')})+"),
    "ol": _model(f"(?:{_one('li')})+", "seqnum"),
    "li": _model(_any(_ENRICHED), text=True),
    "table": _model(
        _opt("caption")
        + "(?:(?:col )*|(?:colgroup )*)"
        + _opt("thead")
        + _opt("tfoot")
        + "(?:(?:tbody )+|(?:tr )+)",
        "tabletype", "align", "width", "cols", "border", "frame", "rules", "cellspacing",
        "cellpadding",
    ),
    "caption": _model(_any(_ENRICHED), "align", text=True),
    "thead": _model("(?:tr )+", "align", "char", "charoff", "valign"),
    "tbody": _model("(?:tr )+", "align", "char", "charoff", "valign"),
    "tr": _model("(?:(?:th|td) )+", "align", "char", "charoff", "valign"),
    "td": _model(
        _any(_ENRICHED + "|" + _BLOCK_CONTENT),
        "axis", "axes", "nowrap", "rowspan", "colspan", "align", "char", "charoff", "valign",
        text=True,
    ),
    "th": _model(
        _any(_ENRICHED + "|" + _BLOCK_CONTENT),
        "axis", "axes", "nowrap", "rowspan", "colspan", "align", "char", "charoff", "valign",
        text=True,
    ),
    "media": _model(
        _many("media-metadata")
        + f"(?:{_one('media-reference')})+"
        + _opt("media-object")
        + _many("media-caption")
        + _opt("media-producer"),
        "media-type",
    ),
    "media-reference": _model(
        EMPTY,
        "source", "name", "mime-type", "coding", "time", "time-unit-of-measure", "outcue",
        "source-credit", "copyright", "alternate-text", "height", "width", "units", "imagemap",
        "noflow", "data-location",
    ),
    "media-caption": _model(_any(_ENRICHED + "|" + _BLOCK_CONTENT), text=True),
    "media-producer": _model(_any(_ENRICHED), text=True),
    "body.end": _model(_opt("tagline") + _opt("bibliography")),
    "tagline": _model(_any(_ENRICHED), "type", text=True),
    "bibliography": _model(EMPTY, text=True),
    "copyrite": _model(_any("copyrite\\.year|copyrite\\.holder"), text=True),
    "copyrite.year": _model(EMPTY, text=True),
    "copyrite.holder": _model(EMPTY, text=True),
}  # fmt: skip
"""Element → its content model and attributes, as nitf-3-6.dtd declares them."""

COMMON = frozenset({"id", "class", "style", "{http://www.w3.org/XML/1998/namespace}lang"})
REQUIRED = {
    "tobject.subject": ("tobject.subject.refnum",),
    "media": ("media-type",),
    "keyword": ("key",),
}
ENUMERATED = {
    ("note", "noteclass"): {"cpyrt", "end", "hd", "editorsnote", "trademk", "undef"},
    ("note", "type"): {"std", "pa", "npa"},
    ("tagline", "type"): {"std", "pa", "npa"},
    ("media", "media-type"): {"text", "audio", "image", "video", "data", "application", "other"},
    ("nitf", "version"): {"-//IPTC//DTD NITF 3.6//EN"},
}


def nitf_errors(root: etree._Element) -> list[str]:
    """Every way the document departs from the NITF 3.6 models above."""
    errors: list[str] = []
    if root.tag != "nitf":
        errors.append(f"root is <{root.tag}>, not <nitf>")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        where = str(el.getroottree().getpath(el))
        model = MODELS.get(el.tag)
        if model is None:
            errors.append(f"{where}: <{el.tag}> is not an element wire's NITF may hold")
            continue
        names = "".join(f"{c.tag} " for c in el if isinstance(c.tag, str))
        if not re.fullmatch(model.children, names):
            errors.append(f"{where}: children {names.split()} break the model of <{el.tag}>")
        if not model.text:
            loose = [el.text, *(c.tail for c in el)]
            if any(t and t.strip() for t in loose):
                errors.append(f"{where}: <{el.tag}> holds text but has element-only content")
        for key, value in el.attrib.items():
            name = str(key)
            if name not in model.attributes and name not in COMMON:
                errors.append(f"{where}: attribute {name!r} is not declared for <{el.tag}>")
            allowed = ENUMERATED.get((el.tag, str(name)))
            if allowed is not None and value not in allowed:
                errors.append(f"{where}: {name}={value!r} is not one of {sorted(allowed)}")
        for name in REQUIRED.get(el.tag, ()):
            if el.get(name) is None:
                errors.append(f"{where}: <{el.tag}> lacks its required {name!r}")
    return errors
