"""Feed documents put together from per-story fragments: bytes, gzip and ETag.

A feed rendering is its frame (the channel header and footer, a few hundred
bytes that depend on the feed and the view) around its stories' fragments (the
item, entry, newsItem or ninjs object of one story version, the same in every
feed and every view that shows it). Each fragment is rendered and compressed
once per story version; a view is assembled by joining bytes, so a change costs
one story's rendering plus a join per view, not a whole document per view.

The gzip body is joined the same way, and this is written by hand because no
library does it: raw deflate segments that end in a sync flush (byte-aligned,
not final) concatenate into one valid deflate stream (pigz builds its streams
the same way). A fragment's segment is compressed with the fragments before it
(as much as deflate's 32 KiB window holds) as a preset dictionary, so it may
refer back into its neighbours' markup and attribution as whole-document
compression would; it is valid wherever those stories precede it in that
order, so it is made once per run of neighbours (not per view) and cached
beside the fragments: a story pushed at the top changes the runs of the few
stories within 32 KiB of it. The frame's head and the first fragment are compressed
per view, the tail closes the stream with the final block, and the gzip trailer
takes the CRC-32 of the assembled body. Measured on 100 distinct stories the
gzip body is within a few percent of compressing the whole document (see
``docs/serving.md``); compressing each fragment alone was 2.4-2.7 times larger.

XML fragments are cut out of a serialized document rather than serialized on
their own: lxml declares the namespaces in scope on any element serialized
alone, while in a document they are declared once on the root. A comment marks
the cut (``<!--wire:slot-->``); text and attributes cannot contain one, because
lxml escapes ``<`` in both.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from lxml import etree

from wire.model import Story
from wire.publish.feedmeta import FeedMeta, fragment_meta

GZIP_LEVEL: Final = 6
_SLOT: Final = "wire:slot"
_SLOT_BYTES: Final = f"<!--{_SLOT}-->".encode()
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, mtime 0, OS unknown


WINDOW: Final = 1 << zlib.MAX_WBITS  # how far back deflate may refer: 32 KiB


def deflate_segment(data: bytes, *, after: bytes = b"") -> bytes:
    """``data`` as raw deflate blocks ending on a byte boundary, not final.

    ``after``: the bytes just before ``data`` in the stream. The segment may refer
    back into their last 32 KiB (a preset dictionary), which is valid wherever
    the segment follows exactly those bytes."""
    compressor = (
        zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=after[-WINDOW:])
        if after
        else zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    )
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _deflate_final(data: bytes, *, after: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=after[-WINDOW:])
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH)


@dataclass(frozen=True, slots=True)
class Fragment:
    """One story version's bytes in one format, digested once."""

    body: bytes
    digest: bytes

    @classmethod
    def of(cls, body: bytes) -> Fragment:
        return cls(body, hashlib.sha256(body).digest())

    @property
    def size(self) -> int:
        """Bytes held, for the memory bound of the fragment cache."""
        return len(self.body) + len(self.digest) + 100


def follow(context: Sequence[Fragment], separator: bytes, fragment: Fragment) -> bytes:
    """The deflate segment of ``separator + fragment`` right after the fragments
    of ``context`` (each followed by ``separator``): the same for every view that
    shows those stories in that order, so the fragment cache keeps it
    (``FragmentCache.follow``)."""
    before = separator.join(f.body for f in context)
    return deflate_segment(separator + fragment.body, after=before)


def context_of(fragments: Sequence[Fragment], index: int, separator: bytes) -> Sequence[Fragment]:
    """The fragments just before ``fragments[index]`` that fill deflate's window:
    what its segment may refer back into."""
    start, size = index, 0
    while start > 0 and size < WINDOW:
        start -= 1
        size += len(fragments[start].body) + len(separator)
    return fragments[start:index]


@dataclass(frozen=True, slots=True)
class Frame:
    """A document without its stories: the bytes before and after them."""

    head: bytes
    tail: bytes


@dataclass(frozen=True, slots=True)
class Assembled:
    """A feed document: identity and gzip bodies, and its strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str


Follow = Callable[[Sequence[Fragment], bytes, Fragment], bytes]


def assemble(
    frame: Frame, fragments: Sequence[Fragment], separator: bytes = b"", *, after: Follow = follow
) -> Assembled:
    """The document ``frame`` holds around ``fragments``, in their order.

    Each fragment's segment refers back into the fragments before it (deflate's
    32 KiB window), so the gzip body is close to compressing the document whole,
    and those segments (``after``) are made once per run of neighbours. Only the frame's
    head, the first fragment and the tail are compressed for each view. The ETag
    digests the frame and the fragments' digests, so it changes with any byte of
    the body and costs nothing per byte of the stories."""
    parts = [frame.head]
    deflated = [_GZIP_HEADER, deflate_segment(frame.head)]
    digest = hashlib.sha256(frame.head)
    for index, fragment in enumerate(fragments):
        if index == 0:
            deflated.append(deflate_segment(fragment.body, after=frame.head))
        else:
            parts.append(separator)
            deflated.append(after(context_of(fragments, index, separator), separator, fragment))
            digest.update(b"\x00")
        parts.append(fragment.body)
        digest.update(fragment.digest)
    parts.append(frame.tail)
    digest.update(b"\x01" + frame.tail)
    body = b"".join(parts)
    end = len(body) - len(frame.tail)
    deflated.append(_deflate_final(frame.tail, after=body[max(0, end - WINDOW) : end]))
    deflated.append(struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF))
    return Assembled(body, b"".join(deflated), '"' + digest.hexdigest()[:40] + '"')


def whole(body: bytes) -> Assembled:
    """A document made in one piece (one story, an archive page): gzip and ETag
    of its own bytes."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    return Assembled(body, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), etag)


# XML documents cut at a comment ----------------------------------------------------


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def xml_frame(root: etree._Element, container: etree._Element, *, preamble: bytes = b"") -> Frame:
    """The document of ``root`` cut where ``container``'s stories go: after its
    last child; ``preamble`` (processing instructions) after the XML declaration."""
    container.append(etree.Comment(_SLOT))
    head, tail = _serialize(root).split(_SLOT_BYTES)
    if preamble:
        declaration, _, rest = head.partition(b"\n")
        head = declaration + b"\n" + preamble + rest
    return Frame(head, tail)


def xml_fragment(root: etree._Element, element: etree._Element) -> bytes:
    """``element``'s bytes as they are in the serialized document of ``root``."""
    element.addprevious(etree.Comment(_SLOT))
    element.addnext(etree.Comment(_SLOT))
    _, middle, _ = _serialize(root).split(_SLOT_BYTES)
    return middle


# one format's layout -----------------------------------------------------------------


def _every(story: Story) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Layout:
    """How one format lays a feed out: its frame, one fragment per story it
    carries as an item (``carries``; Atom carries removals in the frame), and
    what goes between two fragments.

    ``fragment`` is always given ``fragment_meta(meta, story)``, the part of the
    feed a story's item depends on, so that one fragment serves every feed and
    view with the same context (``wire.publish.fragments`` caches by it)."""

    frame: Callable[[FeedMeta, Sequence[Story]], Frame]
    fragment: Callable[[FeedMeta, Story], bytes]
    separator: bytes = b""
    carries: Callable[[Story], bool] = field(default=_every)

    def render(self, meta: FeedMeta, stories: Sequence[Story]) -> bytes:
        """The whole document, uncached: the same bytes the cache assembles."""
        items = [self.fragment(fragment_meta(meta, s), s) for s in stories if self.carries(s)]
        frame = self.frame(meta, stories)
        return frame.head + self.separator.join(items) + frame.tail
