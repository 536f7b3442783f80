"""A real newsroom system reads wire: Superdesk's NewsML-G2 and ninjs ingest.

Every test runs twice: against the reading rules reproduced from Superdesk's
source (``tests/superdesk_rules.py``, always), and against Superdesk's own
parser modules (``tests/superdesk_harness.py``), which runs when an
interpreter with superdesk-core is available. To run those (CI needs exactly
this; nothing of it is in wire's own dependencies, Superdesk's pins do not
install on wire's Python)::

    scripts/superdesk-venv  # superdesk-core==2.5.3 --no-deps; flask, arrow==0.13.0, pytz
    export WIRE_SUPERDESK_PYTHON=$PWD/.superdesk-venv/bin/python
    scripts/test tests/test_superdesk_consumer.py

What Superdesk reads of a NewsML-G2 item is what is checked (headline, body,
byline, authors, language, status, times, edNote, signals, usage terms, the
package's groups); it does not read creditline, dateline, located or
pictures in a body, so those are not claimed here.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests import superdesk_rules
from tests.superdesk_rules import Refused
from tests.validators import feed_meta, fixture_story
from wire.model import Story
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs_story
from wire.visibility import as_shown

HARNESS = Path(__file__).with_name("superdesk_harness.py")
PYTHON = os.environ.get("WIRE_SUPERDESK_PYTHON", sys.executable)
FEED = ("mina", "arabic", "full", "killed")


@functools.cache
def _probe() -> str | None:
    """Why Superdesk's parsers cannot run here, or None when they can."""
    try:
        done = subprocess.run(
            [PYTHON, str(HARNESS), "--probe"], capture_output=True, text=True, timeout=60
        )
    except OSError as error:
        return f"{PYTHON}: {error}"
    return None if done.returncode == 0 else done.stderr.strip() or f"exit {done.returncode}"


@functools.cache
def _harness(kind: str, document: str) -> tuple[tuple[str, Any], ...]:
    done = subprocess.run(
        [PYTHON, str(HARNESS)],
        input=json.dumps({kind: [document]}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (result,) = json.loads(done.stdout)["results"]
    return tuple(result.items())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


Reader = Callable[[str, str], list[dict[str, Any]]]


def _by_rules(kind: str, document: str) -> list[dict[str, Any]]:
    if kind == "newsml":
        outcome = superdesk_rules.read_newsml(document.encode("utf-8"))
    else:
        outcome = superdesk_rules.read_ninjs(document)
    return [_plain(item) for item in outcome.items]


def _by_superdesk(kind: str, document: str) -> list[dict[str, Any]]:
    result = dict(_harness(kind, document))
    if "error" in result:
        raise Refused(result["error"])
    items: list[dict[str, Any]] = result["items"]
    return items


@pytest.fixture(params=["rules", "superdesk-core"])
def read(request: pytest.FixtureRequest) -> Reader:
    if request.param == "rules":
        return _by_rules
    reason = _probe()
    if reason is not None:
        pytest.skip(
            f"Superdesk's parsers are not importable by {PYTHON} ({reason}); see this "
            "module's docstring for the venv and WIRE_SUPERDESK_PYTHON"
        )
    return _by_superdesk


def _message() -> str:
    return render_newsml(feed_meta("xml"), [fixture_story(n) for n in FEED]).decode("utf-8")


def _plain_paragraphs(story: Story) -> str:
    """``body_html`` as Superdesk builds it, for a body of plain-text paragraphs."""
    assert not any(p.lstrip().startswith("<") for p in story.body)
    return "\n".join(f"<p>{p}</p>" for p in story.body)


def _stamp(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() if value else None


def test_the_whole_news_message_is_read(read: Reader) -> None:
    items = read("newsml", _message())
    assert [i["uri"] for i in items] == [
        "https://wire.example/feeds/world.xml",
        *(fixture_story(n).guid for n in FEED),
    ]


def test_the_feed_package_is_a_composite_whose_groups_have_roles(read: Reader) -> None:
    package = read("newsml", _message())[0]
    assert package["type"] == "composite"
    assert [(g["id"], g["role"]) for g in package["groups"]] == [("feed", "wiregroup:feed")]
    refs = package["groups"][0]["refs"]
    assert [(r["residRef"], r["headline"]) for r in refs] == [
        (f"{s.guid}:{s.version}", s.headline) for s in (as_shown(fixture_story(n)) for n in FEED)
    ]


@pytest.mark.parametrize("name", ["mina", "arabic"])
def test_each_item_has_its_headline_and_its_paragraphs_as_the_body(read: Reader, name: str) -> None:
    story = fixture_story(name)
    for document in (_message(), render_newsml_story(story).decode("utf-8")):
        (item,) = [i for i in read("newsml", document) if i["uri"] == story.guid]
        assert item["type"] == "text"
        assert item["headline"] == story.headline
        assert item["body_html"] == _plain_paragraphs(story)


def test_a_body_with_markup_keeps_every_paragraph(read: Reader) -> None:
    # Superdesk keeps only the text before a paragraph's first inline element:
    # its rule, not wire's loss; every paragraph is there.
    story = fixture_story("full")
    (item,) = [i for i in read("newsml", _message()) if i["uri"] == story.guid]
    assert item["body_html"].split("\n") == [
        "<p>The harbour reopened on Saturday morning, officials said.</p>",
        "<p>Ships queued </p>",
        '<p>Fishermen said the "storm" was the worst in a decade & more.</p>',
    ]


@pytest.mark.parametrize("name", FEED)
def test_each_item_keeps_byline_status_times_and_notes(read: Reader, name: str) -> None:
    story = as_shown(fixture_story(name))
    (item,) = [i for i in read("newsml", _message()) if i["uri"] == story.guid]
    assert item["guid"] == f"{story.guid}:{story.version}"
    assert item.get("byline") == (", ".join(story.byline) or None)
    assert [a["name"] for a in item["authors"]] == list(story.byline)
    assert item["pubstatus"] == story.pub_status.value
    assert item["versioncreated"] == _stamp(story.version_created)
    assert item.get("firstcreated") == _stamp(story.first_created or story.published_at)
    assert item["ednote"] == (story.ed_note or "")
    assert [s["qcode"] for s in item.get("signal", [])] == [f"sig:{s}" for s in story.signals]
    assert item.get("language") == story.language
    assert item.get("usageterms", "") == (story.rights.usage_terms or "")


def test_an_embargo_is_read(read: Reader) -> None:
    story = fixture_story("embargoed")
    (item,) = read("newsml", render_newsml_story(story).decode("utf-8"))
    assert item["embargoed"] == _stamp(story.embargoed_until)


def test_wires_message_of_before_was_refused_for_its_group_without_role(
    read: Reader, fixtures: Path
) -> None:
    # The reported failure, kept as evidence that the reader is as strict as Superdesk.
    old = (fixtures / "formats" / "newsml_wire_2025_message.xml").read_text("utf-8")
    with pytest.raises(Refused, match="role"):
        read("newsml", old)


def _ninjs_story(**changes: Any) -> Story:
    """A story without pictures, related links or web link: no ninjs 2.x arrays."""
    base = replace(fixture_story("mina"), pictures=(), related=(), link=None)
    return replace(base, **changes)


def test_ninjs_instants_are_read_even_when_the_story_has_fractions(read: Reader) -> None:
    moment = datetime(2026, 12, 1, 10, 0, 0, 250000, tzinfo=UTC)
    story = _ninjs_story(version_created=moment, first_created=moment, embargoed_until=moment)
    (item,) = read("ninjs", json.dumps(render_ninjs_story(story)))
    assert [item[k] for k in ("versioncreated", "firstcreated", "embargoed")] == [
        "2026-12-01T10:00:00+00:00"
    ] * 3


def test_a_fractional_instant_as_wire_wrote_before_is_refused(read: Reader) -> None:
    # The reported ninjs failure, kept as evidence that the reader is as strict.
    doc = render_ninjs_story(_ninjs_story())
    doc["versioncreated"] = "2025-07-04T02:00:00.250000Z"
    with pytest.raises(Refused, match="does not match"):
        read("ninjs", json.dumps(doc))


def test_ninjs_status_language_and_place_are_read(read: Reader) -> None:
    story = _ninjs_story()
    (item,) = read("ninjs", json.dumps(render_ninjs_story(story)))
    assert (item["uri"], item["type"], item["pubstatus"], item["language"]) == (
        story.guid,
        "text",
        "usable",
        "en",
    )
    assert item["dateline"] == {"located": {"city": "Moscow"}}


def test_ninjs_2_associations_are_refused_by_superdesks_1_x_reader(read: Reader) -> None:
    # ninjs 2.2's schema requires associations (and renditions) as arrays; Superdesk
    # reads ninjs 1.x object maps and refuses the item (docs/consumers.md says more).
    with pytest.raises(Refused, match="'list' object has no attribute 'items'"):
        read("ninjs", json.dumps(render_ninjs_story(fixture_story("mina"))))


def test_the_reproduced_rules_agree_with_superdesk() -> None:
    if (reason := _probe()) is not None:
        pytest.skip(f"Superdesk's parsers are not importable by {PYTHON} ({reason})")
    keys = ("uri", "type", "headline", "byline", "body_html", "pubstatus", "versioncreated")
    rules = [{k: i.get(k) for k in keys} for i in _by_rules("newsml", _message())]
    real = [{k: i.get(k) for k in keys} for i in _by_superdesk("newsml", _message())]
    assert rules == real
