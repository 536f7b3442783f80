"""Items parsed per second, per format, on generated documents of realistic size.

Run: ``.venv/bin/python bench/bench_parse.py [--items N] [--seconds S]``. Prints one
line per format; no timing assertion anywhere, so a slow machine never fails CI.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from wire.ingest.feeds import parse_feed
from wire.ingest.newsml import parse_newsml
from wire.ingest.ninjs import parse_ninjs
from wire.ingest.nitf import parse_nitf
from wire.model import Story

PARA = "The committee met on Tuesday and agreed to publish its findings next month. " * 3
NOW = datetime(2025, 7, 1, tzinfo=UTC)


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>https://x.example/{i}</link><guid>g{i}</guid>"
        f"<pubDate>Tue, 01 Jul 2025 10:00:00 +0200</pubDate><dc:creator>Ana {i}</dc:creator>"
        f"<dc:creator>Lars {i}</dc:creator><category>news</category>"
        f'<media:content url="https://i.example/{i}.jpg" medium="image">'
        f"<media:credit>Photo {i}</media:credit><media:description>Cap {i}</media:description>"
        f"</media:content><description>{escape(PARA)}</description>"
        f"<content:encoded>{escape('<p>' + PARA + '</p>' * 1)}</content:encoded></item>"
        for i in range(n)
    )
    return (
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>t</title><link>https://x.example/</link>{items}</channel></rss>"
    ).encode()


def atom(n: int) -> bytes:
    entries = "".join(
        f"<entry><id>tag:x,2025:{i}</id><title>Story {i}</title>"
        f'<link href="https://x.example/{i}"/><updated>2025-07-01T10:00:00Z</updated>'
        f"<author><name>Ana {i}</name></author><rights>© X</rights>"
        f'<content type="html">{escape("<p>" + PARA + "</p>")}</content></entry>'
        for i in range(n)
    )
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>'
        f"<updated>2025-07-01T10:00:00Z</updated>{entries}</feed>"
    ).encode()


def newsml(n: int) -> bytes:
    items = "".join(
        f'<newsItem guid="urn:x:{i}" version="2"><rightsInfo><copyrightHolder>'
        f"<name>X Ltd</name></copyrightHolder><copyrightNotice>© X</copyrightNotice>"
        f'</rightsInfo><itemMeta><itemClass qcode="ninat:text"/><provider qcode="nprov:X"/>'
        f"<versionCreated>2025-07-01T10:00:00Z</versionCreated>"
        f'<pubStatus qcode="stat:usable"/></itemMeta><contentMeta>'
        f"<creator><name>Ana {i}</name></creator>"
        f'<infoSource role="cpprole:origProv"><name>Src</name></infoSource>'
        f"<headline>Story {i}</headline><creditline>X (X)</creditline></contentMeta>"
        f'<contentSet><inlineXML contenttype="application/xhtml+xml">'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{PARA}</p><p>{PARA}</p>'
        f"</body></html></inlineXML></contentSet></newsItem>"
        for i in range(n)
    )
    return (
        '<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
        f"<itemSet>{items}</itemSet></newsMessage>"
    ).encode()


def nitf(_: int) -> bytes:
    return (
        '<nitf><head><docdata><doc-id id-string="n1"/><du-key version="2"/>'
        '<doc.copyright year="2025" holder="X"/></docdata></head><body><body.head>'
        "<hedline><hl1>Story</hl1></hedline><byline>By <person>Ana</person></byline>"
        f"<distributor>X</distributor></body.head><body.content><p>{PARA}</p><p>{PARA}</p>"
        "</body.content></body></nitf>"
    ).encode()


def ninjs(n: int) -> bytes:
    return json.dumps(
        {
            "items": [
                {
                    "uri": f"urn:x:{i}",
                    "version": "2",
                    "headlines": [{"value": f"Story {i}"}],
                    "by": f"Ana {i}",
                    "copyrightnotice": "© X",
                    "infosources": [{"name": "X", "role": "provider"}],
                    "bodies": [{"contenttype": "text/html", "value": f"<p>{PARA}</p>"}],
                }
                for i in range(n)
            ]
        }
    ).encode()


Parser = Callable[..., list[Story]]
CASES: dict[str, tuple[Callable[[int], bytes], Parser, bool]] = {
    # name: (document maker, parser, whether one document holds many items)
    "rss": (rss, parse_feed, True),
    "atom": (atom, parse_feed, True),
    "newsml": (newsml, parse_newsml, True),
    "nitf": (nitf, parse_nitf, False),
    "ninjs": (ninjs, parse_ninjs, True),
}


def measure(fmt: str, items: int, seconds: float) -> tuple[float, int]:
    make, parser, many = CASES[fmt]
    doc = make(items if many else 1)
    parsed = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        parsed += len(parser(doc, name=fmt, fetched_at=NOW, source="bench"))
    return parsed / (time.perf_counter() - start), len(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50, help="items per feed/message document")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per format")
    args = parser.parse_args()
    print(f"{'format':<8}{'items/s':>12}{'doc bytes':>12}")
    for fmt in CASES:
        rate, size = measure(fmt, args.items, args.seconds)
        print(f"{fmt:<8}{rate:>12,.0f}{size:>12,}")


if __name__ == "__main__":
    main()
