"""The front page's HTML: the newest public stories and every feed this wire
publishes, for a person with a browser (and, through its ``rel="alternate"``
links, for a feed reader pointed at the site). Pure: config and stories in, bytes
out; served by ``wire.web.index`` and written by ``wire export``.

The feed table comes from the config; the story list is the public feeds'
current selection (shared with the feeds themselves), so a request costs no
store read while the feeds are unchanged. Every text is escaped by ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from wire.config import Config
from wire.formats import STORY_PAGE, Format, feed_path, story_path
from wire.formats.printed import machine_time, printed_time
from wire.model import Story
from wire.publish.storyhtml import text_direction
from wire.text import one_line

STYLE = """
:root{color-scheme:light dark}
body{font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
max-width:60rem;margin:0 auto;padding:1rem;background:Canvas;color:CanvasText}
h1{margin:.5rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
ol.stories{list-style:none;padding:0;margin:0}
ol.stories li{padding:.5rem 0;border-bottom:1px solid rgba(127,127,127,.3)}
ol.stories a{font-weight:600;font-size:1.05rem;overflow-wrap:anywhere}
.meta{color:GrayText;font-size:.875rem}
.feeds{display:grid;gap:.75rem}
.feed{padding:.5rem 0;border-bottom:1px solid rgba(127,127,127,.3)}
.feed small{color:GrayText}
a{color:LinkText}
"""


def _autodiscovery(config: Config, base: str) -> str:
    """One ``<link rel="alternate">`` per public feed and format: what browsers and
    feed readers find a site's feeds by."""
    links = []
    for spec in config.feeds:
        if not spec.public:
            continue
        for fmt in spec.formats:
            kind = Format(fmt)
            links.append(
                f'<link rel="alternate" type="{escape(kind.media_type)}"'
                f' title="{escape(f"{one_line(spec.title)} ({kind.label})")}"'
                f' href="{escape(base + feed_path(spec.name, fmt))}">'
            )
    return "\n".join(links)


def _story_item(story: Story, base: str) -> str:
    href = escape(base + story_path(story.guid, STORY_PAGE))
    lang = f' lang="{escape(story.language)}"' if story.language else ""
    direction = text_direction(story.language)
    dir_attr = f' dir="{direction}"' if direction else ""
    meta = []
    when = story.sort_time
    if when is not None:
        iso = machine_time(when)
        meta.append(f'<time datetime="{iso}" dir="ltr">{escape(printed_time(when))}</time>')
    if story.provider:
        meta.append(f'<span class="provider">{escape(one_line(story.provider.name))}</span>')
    return (
        f'<li><a href="{href}"{lang}{dir_attr}>{escape(one_line(story.headline))}</a>'
        f'<div class="meta">{" · ".join(meta)}</div></li>'
    )


def render_index(config: Config, stories: Sequence[Story] = ()) -> bytes:
    """An HTML page listing the newest public stories and every feed in each of
    its formats."""
    base = config.server.base_url.rstrip("/")
    rows = []
    for spec in config.feeds:
        links = " · ".join(
            f'<a href="{escape(base + feed_path(spec.name, fmt))}">{Format(fmt).label}</a>'
            for fmt in spec.formats
        )
        access = "public" if spec.public else "partners only"
        about = f"<br><small>{escape(spec.description)}</small>" if spec.description else ""
        rows.append(
            f'<div class="feed"><b>{escape(spec.title)}</b> <small>({access})</small>'
            f"{about}<br>{links}</div>"
        )
    items = "".join(_story_item(s, base) for s in stories)
    latest = f'<ol class="stories">{items}</ol>' if items else "<p>No stories yet.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wire</title>
{_autodiscovery(config, base)}
<style>{STYLE}</style></head>
<body><h1>wire</h1>
<p>Wire-service feeds with their attribution made explicit.</p>
<h2>Latest stories</h2>
{latest}
<h2>Feeds</h2>
<div class="feeds">{"".join(rows)}</div>
<p><a href="{escape(base)}/api/v1/docs">HTTP API reference</a>
(<a href="{escape(base)}/api/v1/openapi.yaml">OpenAPI 3.1</a>) ·
<a href="{escape(base)}/healthz">health</a></p>
</body></html>
"""
    return page.encode("utf-8")
