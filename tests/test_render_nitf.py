"""A story as NITF 3.6: structurally valid, every attribution field in its NITF
place, read back by wire's own NITF reader and by a newsroom system's rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from lxml import etree

from tests.nitf_dtd import nitf_errors
from tests.strategies import renderable_stories
from wire.ingest.nitf import parse_nitf
from wire.model import PubStatus, Story
from wire.publish.nitf import render_nitf_story
from wire.storyjson import story_from_dict

FIXTURES = Path(__file__).parent / "fixtures"
FETCHED = datetime(2025, 7, 6, tzinfo=UTC)
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _story(name: str) -> Story:
    return story_from_dict(json.loads((FIXTURES / "stories" / name).read_text(encoding="utf-8")))


def _nitf(story: Story) -> etree._Element:
    return etree.fromstring(render_nitf_story(story))


def _text(el: etree._Element) -> str:
    return "".join(str(t) for t in el.itertext())


FULL = _story("full.json")


def test_a_full_story_is_structurally_valid_nitf_3_6() -> None:
    root = _nitf(FULL)
    assert nitf_errors(root) == []
    assert root.get("version") == "-//IPTC//DTD NITF 3.6//EN"
    assert root.get("baselang") == "en"


def test_the_byline_names_each_person_after_by() -> None:
    byline = _nitf(FULL).find("body/body.head/byline")
    assert byline is not None
    assert byline.text == "By "
    assert [p.text for p in byline.findall("person")] == ["Jane Doe", "Ahmad Rahimi"]


def test_the_provider_is_the_distributor_and_the_rights_agent() -> None:
    head = _nitf(FULL).find("body/body.head")
    assert head is not None
    assert head.findtext("distributor/org") == "Example Wire Service"
    assert head.findtext("rights/rights.agent") == "Example Wire Service"
    assert head.findtext("rights/rights.owner") == "Example Wire Service"
    assert head.findtext("rights/rights.limitations") == "Editorial use only; no archiving."


def test_the_dateline_has_its_city_date_and_agency() -> None:
    line = _nitf(FULL).find("body/body.head/dateline")
    assert line is not None
    assert line.findtext("location/city") == "Port Town"
    date = line.find("story.date")
    assert date is not None
    assert date.get("norm") == "20250705"
    assert _text(line) == "Port Town, July 5, 2025 (EWS)"


def test_the_copyright_notice_is_printed_with_its_year_and_holder_marked() -> None:
    copyrite = _nitf(FULL).find("body/body.head/note[@noteclass='cpyrt']/body.content/p/copyrite")
    assert copyrite is not None
    assert _text(copyrite) == "© 2025 Example Wire Service"
    assert copyrite.findtext("copyrite.year") == "2025"
    assert copyrite.findtext("copyrite.holder") == "Example Wire Service"
    docdata = _nitf(FULL).find("head/docdata")
    assert docdata is not None
    copyright_el = docdata.find("doc.copyright")
    assert copyright_el is not None
    assert (copyright_el.get("year"), copyright_el.get("holder")) == (
        "2025",
        "Example Wire Service",
    )
    rights = docdata.find("doc.rights")
    assert rights is not None
    assert rights.get("limitations") == "Editorial use only; no archiving."


def test_identity_version_and_slug_are_in_docdata() -> None:
    docdata = _nitf(FULL).find("head/docdata")
    assert docdata is not None
    doc_id = docdata.find("doc-id")
    key = docdata.find("du-key")
    issue = docdata.find("date.issue")
    assert doc_id is not None
    assert doc_id.get("id-string") == "urn:wire:desk:full-0001"
    assert key is not None
    assert (key.get("version"), key.get("key")) == ("2", "harbour-reopens")
    assert issue is not None
    assert issue.get("norm") == "20250705T093000+0000"
    assert docdata.get("management-status") == "usable"
    urgency = docdata.find("urgency")
    assert urgency is not None
    assert urgency.get("ed-urg") == "3"


def test_pictures_are_media_with_caption_and_credit() -> None:
    media = _nitf(FULL).findall("body/body.content/media")
    assert [m.get("media-type") for m in media] == ["image", "image"]
    assert [m.findtext("media-caption") for m in media] == [
        "Boats at the quay",
        "The storm surge on Thursday",
    ]
    assert [m.findtext("media-producer") for m in media] == [
        "Jane Doe/EWS",
        "Reader photo via Social Media",
    ]
    ref = media[0].find("media-reference")
    assert ref is not None
    assert (ref.get("source"), ref.get("copyright")) == (
        "https://img.example/boats.jpg",
        "© 2025 EWS",
    )


def test_the_credit_line_is_the_tagline_and_the_sources_are_printed_in_words() -> None:
    end = _nitf(FULL).find("body/body.end")
    assert end is not None
    assert end.findtext("tagline") == "Example Wire Service (EWS) / Harbour Desk"
    assert end.findtext("bibliography") == (
        "According to Port Authority Gazette; as quoted by Radio Coast; "
        "first published by Coastal Times."
    )


def test_body_markup_becomes_nitf_elements() -> None:
    story = Story(
        headline="Markup",
        guid="urn:t:markup",
        body=(
            "<p>A <b>bold</b> and <i>slanted</i> <span>span</span></p>",
            "<blockquote><p>Quoted</p></blockquote>",
            "<h2>Part two</h2>",
            "<ul><li>one</li><li>two</li></ul>",
            "<table><tr><th>Team</th><th>Score</th></tr><tr><td>A</td><td>2</td></tr></table>",
        ),
    )
    root = _nitf(story)
    assert nitf_errors(root) == []
    content = root.find("body/body.content")
    assert content is not None
    assert [c.tag for c in content] == ["p", "bq", "hl2", "ul", "table"]
    assert [(e.get("class"), e.text) for e in content[0].findall("em")] == [
        ("bold", "bold"),
        ("italic", "slanted"),
    ]
    assert _text(content[0]) == "A bold and slanted span"


def test_a_correction_carries_its_note_and_a_withheld_story_says_so() -> None:
    correction = _story("correction.json")
    docdata = _nitf(correction).find("head/docdata")
    assert docdata is not None
    note = docdata.find("correction")
    assert note is not None
    assert (note.get("info") or "").startswith("Correction (version")
    withheld = Story(headline="Held", guid="urn:t:held", pub_status=PubStatus.WITHHELD)
    root = _nitf(withheld)
    assert nitf_errors(root) == []
    held = root.find("head/docdata")
    assert held is not None
    assert held.get("management-status") == "withheld"
    assert root.findtext("body/body.head/note/body.content/p") == (
        "Withheld: do not publish this story until further notice."
    )


def test_an_embargo_is_the_release_date() -> None:
    story = _story("embargoed.json")
    assert story.embargoed_until is not None
    release = _nitf(story).find("head/docdata/date.release")
    assert release is not None
    assert release.get("norm") == story.embargoed_until.strftime("%Y%m%dT%H%M%S+0000")


def test_wire_reads_its_own_nitf_back_with_the_attribution_intact() -> None:
    [back] = parse_nitf(render_nitf_story(FULL), name="full.nitf", fetched_at=FETCHED)
    assert back.guid == FULL.guid
    assert back.version == FULL.version
    assert back.headline == FULL.headline
    assert back.byline == FULL.byline
    assert back.credit_line == "Example Wire Service (EWS) / Harbour Desk"
    assert back.provider is not None
    assert back.provider.name == "Example Wire Service"
    assert back.dateline == FULL.dateline
    assert back.editor == FULL.editor
    assert back.slugline == FULL.slugline
    assert back.summary == FULL.summary
    assert back.language == "en"
    assert back.link == FULL.link
    assert back.keywords == FULL.keywords
    assert back.subjects == FULL.subjects
    assert back.rights == FULL.rights
    assert [(s.name, s.role) for s in back.sources] == [(s.name, s.role) for s in FULL.sources]
    assert [(p.url, p.caption, p.copyright) for p in back.pictures] == [
        (p.url, p.caption, p.copyright) for p in FULL.pictures
    ]
    assert back.published_at == FULL.published_at
    assert back.urgency == FULL.urgency
    assert len(back.body) == len(FULL.body)


# A newsroom system's reading rules ---------------------------------------------------


def _superdesk_reads(root: etree._Element) -> dict[str, object]:
    """What Superdesk's NITF ingest takes from a document: the XPaths and date
    formats of superdesk-core's ``superdesk/io/feed_parsers/nitf.py``
    (``NITFFeedParser.default_mapping`` and ``parse``, commit d8815260), which
    reads un-namespaced paths from the root and refuses a root other than ``nitf``."""
    assert root.tag == "nitf"  # can_parse
    docdata = root.find("head/docdata")
    assert docdata is not None
    issue = root.find("head/docdata/date.issue")
    assert issue is not None
    byline_el = root.find("body/body.head/byline")
    byline = ""
    if byline_el is not None:
        byline = byline_el.text or ""
        person = byline_el.find("person")
        if person is not None and person.text is not None:
            byline = f"{byline.strip()} {person.text.strip()}"
    content = root.find("body/body.content")
    assert content is not None
    return {
        "guid": root.find("head/docdata/doc-id").get("id-string"),  # type: ignore[union-attr]
        "pubstatus": docdata.get("management-status", "usable"),
        "firstcreated": datetime.strptime(issue.get("norm") or "", "%Y%m%dT%H%M%S%z"),
        "headline": root.findtext("body/body.head/hedline/hl1"),
        "abstract": root.findtext("body/body.head/abstract/p"),
        "byline": byline,
        "keywords": [k.get("key") for k in docdata.findall("key-list/keyword")],
        "city": root.findtext("body/body.head/dateline/location/city"),
        "body_html": "".join(etree.tostring(c, encoding="unicode") for c in content),
    }


def test_superdesks_nitf_ingest_reads_the_story() -> None:
    read = _superdesk_reads(_nitf(FULL))
    assert read["guid"] == FULL.guid
    assert read["pubstatus"] == "usable"
    assert read["firstcreated"] == FULL.published_at
    assert read["headline"] == FULL.headline
    assert read["abstract"] == FULL.summary
    assert read["byline"] == "By Jane Doe"
    assert read["keywords"] == ["harbour", "storm"]
    assert read["city"] == "Port Town"
    assert 'Ships queued <em class="italic">overnight</em>' in str(read["body_html"])


# Any story -------------------------------------------------------------------------------


@PROPS
@given(story=renderable_stories)
def test_any_story_renders_to_valid_nitf_wire_reads_back(story: Story) -> None:
    data = render_nitf_story(story)
    root = etree.fromstring(data)
    assert nitf_errors(root) == []
    [back] = parse_nitf(data, name="any.nitf", fetched_at=FETCHED)
    assert back.guid == story.guid
    assert back.pub_status is story.pub_status
    assert back.byline == tuple(dict.fromkeys(" ".join(n.split()) for n in story.byline))
