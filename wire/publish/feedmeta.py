"""FeedMeta: the plain data a renderer needs about one rendered feed document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from wire.formats import STORY_FORMATS, STORY_PAGE, story_links
from wire.model import Provider, Rights, Story


@dataclass(frozen=True, slots=True)
class Alternate:
    """The same feed in another format: its URL, media type and label. Built
    like the feed's own ``self_url`` (the same for every audience)."""

    href: str
    media_type: str
    title: str


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Everything about a feed that is not a story, for one output format.

    ``updated`` is passed in (never read from a clock) so the same stories and
    meta always render to the same bytes and the ETag stays stable.
    ``story_url_template`` builds the ``link`` for stories that carry none of
    their own: ``{guid}`` is replaced by the percent-encoded guid.
    ``alternates``: the feed in its other formats (feed level only: a story's
    item never depends on it, so ``fragment_meta`` leaves it out).
    """

    name: str
    title: str
    description: str
    self_url: str
    site_url: str
    updated: datetime
    story_url_template: str = "{base}/stories/{guid}.html"
    hub_url: str | None = None
    language: str | None = None
    rights: Rights | None = None
    provider: Provider | None = None
    generator: str = "wire"
    prev_archive: str | None = None
    next_archive: str | None = None
    current: str | None = None
    archive: bool = False
    alternates: tuple[Alternate, ...] = ()

    @property
    def rights_text(self) -> str | None:
        """Feed-level rights as one line of text: the notice, else the holder."""
        if self.rights is None:
            return None
        return self.rights.copyright_notice or self.rights.copyright_holder

    def rendition_links(self, guid: str) -> list[tuple[str, str, str]]:
        """(format name, href, media type) of the story in every single-story format."""
        links = story_links(self.site_url, guid)
        return [(f.name, links[f.name], f.media_type.split(";", 1)[0]) for f in STORY_FORMATS]

    def renditions(self, guid: str) -> list[tuple[str, str, str]]:
        """(href, media type, label) of the story in every single-story format but
        the page (the item's own link): NITF, NewsML-G2, ninjs, plain text."""
        links = story_links(self.site_url, guid)
        return [
            (links[f.name], f.media_type.split(";", 1)[0], f.label)
            for f in STORY_FORMATS
            if f.extension != STORY_PAGE
        ]

    def story_url(self, guid: str) -> str:
        """The public HTML page of one story on this wire instance."""
        return self.story_url_template.format(
            base=self.site_url.rstrip("/"), guid=quote(guid, safe="")
        )


def story_updated(story: Story, meta: FeedMeta) -> datetime:
    """When this version last changed: a correction's newer time, never "now"."""
    return story.version_created or story.sort_time or meta.updated


def fragment_meta(meta: FeedMeta, story: Story) -> FeedMeta:
    """What of ``meta`` one story's item is rendered from, and nothing else: the
    site its links point to, the feed's provider and generator, and the story's
    own ``updated``. Feeds and views with the same context share the item's bytes,
    so this is also the fragment cache's key (with the story and the format)."""
    return FeedMeta(
        name="fragment",
        title="fragment",
        description="fragment",
        self_url=meta.site_url,
        site_url=meta.site_url,
        updated=story_updated(story, meta),
        story_url_template=meta.story_url_template,
        provider=meta.provider,
        generator=meta.generator,
    )
