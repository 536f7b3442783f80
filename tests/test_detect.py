"""Formats are recognised by content, never by file name."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.ingest.detect import DETECTED, detect_format


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("rss_full.xml", "rss"),
        ("rss_latin1.xml", "rss"),
        ("atom_full.xml", "atom"),
        ("newsml_message.xml", "newsml"),
        ("newsml_canceled.xml", "newsml"),
        ("nitf_full.xml", "nitf"),
        ("ninjs_v1.json", "ninjs"),
        ("ninjs_v2.json", "ninjs"),
        ("hostile/html_page.html", "html"),
        ("hostile/xhtml_page.xml", "html"),
        ("hostile/truncated.xml", "rss"),
        ("hostile/billion_laughs.xml", "rss"),
        ("hostile/external_dtd.xml", "nitf"),
        ("hostile/parameter_entity.xml", "atom"),
    ],
)
def test_fixture_formats(fixtures: Path, fixture: str, expected: str) -> None:
    assert detect_format((fixtures / "formats" / fixture).read_bytes()) == expected


@pytest.mark.shared
def test_iptc_examples_are_newsml(shared: Path) -> None:
    for sample in sorted((shared / "samples" / "newsml-g2").glob("*.xml")):
        assert detect_format(sample.read_bytes()) == "newsml", sample.name


@pytest.mark.shared
def test_raw_agency_copy_is_text(shared: Path) -> None:
    for sample in sorted((shared / "samples" / "raw").glob("*.txt")):
        assert detect_format(sample.read_bytes()) == "text", sample.name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><feed/>", "atom"),
        ('<?xml version="1.0" encoding="UTF-16"?><rss/>'.encode("utf-16"), "rss"),
        (b'<rdf:RDF xmlns:rdf="x" xmlns="http://purl.org/rss/1.0/"><channel/></rdf:RDF>', "rss"),
        (b'<g2:newsItem xmlns:g2="http://iptc.org/std/nar/2006-10-01/"/>', "newsml"),
        (b'<knowledgeItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>', "newsml"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"<!doctype HTML>\n<title>x</title>", "html"),
        (b"<div><p>fragment</p></div>", "html"),
        (b'{"uri": "x", "headline": "y"}', "ninjs"),
        (b'{"type": "FeatureCollection"}', "ninjs"),
        (b'[{"uri": "x"}]', "ninjs"),
        (b"[UPDATE] Moscow, MINA - Russia said...", "text"),
        (b"Moscow, MINA - Russia said on Thursday...", "text"),
        (b"", "text"),
    ],
)
def test_content_decides(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@given(st.binary(max_size=2000))
def test_any_bytes_get_one_of_the_known_formats(data: bytes) -> None:
    assert detect_format(data) in DETECTED
