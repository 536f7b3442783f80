"""wire: a wire-service syndication feed server.

Stories come in (polled feeds, NewsML-G2, NITF, ninjs, article pages, raw copy,
editors' pushes), get their attribution made explicit, and go out as RSS 2.0,
Atom 1.0, NewsML-G2 2.35 and ninjs 2.2. See README.md for the tour.
"""

from __future__ import annotations

import importlib.metadata


def _version() -> str:
    try:
        return importlib.metadata.version("wire")
    except importlib.metadata.PackageNotFoundError:  # running from a bare checkout
        return "0"


__version__ = _version()
USER_AGENT = f"wire/{__version__}"
"""How wire names itself to upstream sources, subscribers and partners."""
