"""Byte-order marks: the one table of them every decoder reads.

A BOM names its encoding outright, so it is checked before anything is
guessed. Longest first: the UTF-32LE mark begins with the UTF-16LE one.
"""

from __future__ import annotations

from typing import Final

BOMS: Final = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def bom_of(data: bytes) -> tuple[bytes, str] | None:
    """The byte-order mark the data starts with and the encoding it names, if any."""
    return next(((bom, codec) for bom, codec in BOMS if data.startswith(bom)), None)
