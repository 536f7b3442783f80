"""How a person who opens a feed in a browser sees it: RSS and Atom documents
name two stylesheets in ``<?xml-stylesheet?>`` processing instructions — first
``feed.xsl`` (XSLT 1.0: the feed as a page of linked stories with their
attribution), then ``feed.css`` (the same feed styled in place, for browsers that
no longer run XSLT; Chromium is removing it). Feed readers ignore processing
instructions, and the grammars (RSS 2.0, RFC 4287's RELAX NG) say nothing of them.

The references are relative, so they resolve beside the feed wherever it is
served from: ``/feeds/feed.xsl`` on the server, the same folder in a static export
(browsers apply XSLT only from the feed's own origin)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from importlib.resources import files
from typing import Final

from wire.publish.assembly import whole
from wire.publish.cache import Rendered, make_rendered

STYLESHEETS: Final = {"feed.xsl": "text/xsl", "feed.css": "text/css"}
"""Each stylesheet's file name (under ``/feeds/``) and media type, in the order
a browser is offered them."""

PREAMBLE: Final = b"".join(
    f'<?xml-stylesheet type="{kind}" href="{name}"?>\n'.encode()
    for name, kind in STYLESHEETS.items()
)
"""The processing instructions, as they follow a feed's XML declaration."""


def stylesheet(name: str) -> bytes:
    """A stylesheet's bytes (``name`` one of ``STYLESHEETS``), from the package."""
    if name not in STYLESHEETS:
        raise KeyError(name)
    return (files("wire.publish") / "static" / name).read_bytes()


@functools.cache
def rendered_stylesheet(name: str) -> Rendered:
    """A stylesheet ready to serve or export, made once (it is part of the package):
    validated by its ETag; its Last-Modified, the epoch of wire's dates, since it
    changes only with wire itself."""
    kind = f"{STYLESHEETS[name]}; charset=utf-8"
    return make_rendered(whole(stylesheet(name)), kind, modified=_UNCHANGING)


_UNCHANGING = datetime(2000, 1, 1, tzinfo=UTC)
