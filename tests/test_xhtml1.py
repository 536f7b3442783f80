"""The NewsML-G2 body as XHTML 1.0 Strict: HTML5 mapped down, content fitted, no word lost.

Validity is the W3C XHTML 1.0 Strict DTD's verdict (tests/fixtures/xhtml1), not
a list of our own.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.strategies import renderable_stories
from tests.validators import fixture_story, validate_xhtml1_strict
from wire.formats.namespaces import NAR_NS, XHTML_NS
from wire.model import Story
from wire.publish import xhtml1
from wire.publish.newsml import render_newsml_story
from wire.sanitize import clean_markup

X = "{" + XHTML_NS + "}"
NS = {"g": NAR_NS, "x": XHTML_NS}


def _els(markup: str) -> list[etree._Element]:
    wrapper = etree.fromstring(f'<div xmlns="{XHTML_NS}">{markup}</div>')
    return list(wrapper)


def _body(markup: str) -> str:
    """The fitted body's inner markup, without the namespace declaration."""
    body = xhtml1.body(_els(markup))
    text = etree.tostring(body, encoding="unicode")
    inner = re.sub(r"^<body[^>]*>|</body>$", "", text)
    return inner.replace(f' xmlns="{XHTML_NS}"', "")


def _document(markup: str) -> etree._Element:
    return xhtml1.document("Title", _els(markup), lang="en")


def test_a_figure_becomes_a_div_named_figure_and_keeps_its_classes() -> None:
    assert _body('<figure class="wire-picture"><figcaption>Boats</figcaption></figure>') == (
        '<div class="figure wire-picture"><div class="figcaption">Boats</div></div>'
    )


def test_phrasing_elements_of_html5_become_spans() -> None:
    assert _body("<p>On <time>Monday</time> <mark>at noon</mark></p>") == (
        '<p>On <span class="time">Monday</span> <span class="mark">at noon</span></p>'
    )


def test_an_unknown_element_gives_way_to_its_content_and_a_script_goes_whole() -> None:
    assert _body("<p>a <blink>b</blink> c<script>x()</script></p>") == "<p>a b c</p>"


def test_text_and_inline_elements_directly_in_body_go_into_a_paragraph() -> None:
    assert _body("<em>Breaking</em><p>Story</p>") == "<p><em>Breaking</em></p><p>Story</p>"


def test_a_blockquote_holds_blocks_only() -> None:
    assert _body("<blockquote>We will <em>return</em></blockquote>") == (
        "<blockquote><p>We will <em>return</em></p></blockquote>"
    )


def test_stray_list_items_go_into_one_list() -> None:
    assert _body("<li>one</li><li>two</li><p>after</p>") == (
        "<ul><li>one</li><li>two</li></ul><p>after</p>"
    )


def test_stray_cells_go_into_a_row_of_a_table() -> None:
    assert _body("<td>1</td><td>2</td>") == "<table><tr><td>1</td><td>2</td></tr></table>"


def test_rows_beside_a_head_go_into_a_body() -> None:
    assert _body("<table><thead><tr><th>h</th></tr></thead><tr><td>1</td></tr></table>") == (
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )


def test_table_parts_out_of_order_are_demoted_where_they_stand() -> None:
    assert _body("<table><tr><td>1</td></tr><caption>late</caption><thead/></table>") == (
        "<table><tbody><tr><td>1</td></tr><tr><td>late</td></tr></tbody></table>"
    )


def test_a_table_with_no_rows_leaves_its_caption_as_a_paragraph() -> None:
    assert _body("<table><caption>Results</caption></table>") == "<p>Results</p>"


def test_a_block_inside_a_paragraph_gives_it_its_content() -> None:
    assert _body("<p>before<ul><li>item</li></ul></p>") == "<p>before item</p>"


def test_pre_keeps_the_text_of_what_it_may_not_hold() -> None:
    assert _body("<pre>H<sub>2</sub>O</pre>") == "<pre>H2O</pre>"


def test_a_link_inside_a_link_gives_way_to_its_text() -> None:
    assert _body(
        '<p><a href="https://a.example/">x <a href="https://b.example/">y</a></a></p>'
    ) == ('<p><a href="https://a.example/">x y</a></p>')


def test_attributes_strict_does_not_define_are_dropped() -> None:
    assert _body(
        '<p lang="en GB" dir="sideways" data-x="1">a<br lang="en"/>'
        '<img src="https://i.example/a.jpg"/><img alt="no source"/></p>'
    ) == ('<p>a<br/><img src="https://i.example/a.jpg" alt=""/></p>')


def test_empty_lists_and_rows_are_dropped() -> None:
    assert _body("<ul> </ul><table><tr></tr></table><p>x</p>") == "<p>x</p>"


def test_document_has_the_title_and_the_language() -> None:
    html = _document("<p>x</p>")
    assert [el.tag for el in html] == [X + "head", X + "body"]
    assert html.findtext(f"{X}head/{X}title") == "Title"
    assert html.get("lang") == "en"
    validate_xhtml1_strict(html)


# Any markup, of XHTML 1.0, HTML5 and elements of no standard, nested anyhow.
_TAGS = sorted(
    xhtml1.BLOCK
    | xhtml1.INLINE
    | {"li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"}
    | {"figure", "figcaption", "section", "aside", "mark", "time", "article", "blink", "font"}
)
_WORD = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=6)
_ATTRS = st.dictionaries(
    st.sampled_from(
        ["class", "lang", "dir", "href", "hreflang", "name", "src", "alt", "scope", "id", "style"]
    ),
    st.sampled_from(["rtl", "en", "x y", "row", "https://e.example/", "a1"]),
    max_size=3,
)


@st.composite
def _tree(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    el = etree.Element(X + draw(st.sampled_from(_TAGS)), draw(_ATTRS))
    el.text = draw(st.none() | _WORD)
    if depth < 3:
        for child in draw(st.lists(_tree(depth + 1), max_size=3)):
            child.tail = draw(st.none() | _WORD)
            el.append(child)
    return el


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text)


_PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(elements=st.lists(_tree(), max_size=4))
def test_any_markup_becomes_valid_xhtml_1_0_strict(elements: list[etree._Element]) -> None:
    validate_xhtml1_strict(xhtml1.document("t", elements))


@_PROPS
@given(elements=st.lists(_tree(), max_size=4))
def test_no_word_is_lost(elements: list[etree._Element]) -> None:
    before = "".join(str(t) for el in elements for t in el.itertext())
    after = "".join(str(t) for t in xhtml1.body(elements).itertext())
    assert _words(after) == _words(before)


def _markup(el: etree._Element) -> str:
    for node in el.iter():
        node.tag = etree.QName(node).localname
    return etree.tostring(el, encoding="unicode")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=renderable_stories, markup=st.lists(_tree().map(_markup), max_size=3))
def test_any_story_body_in_newsml_is_xhtml_1_0_strict(story: Story, markup: list[str]) -> None:
    # Bodies as stored: markup paragraphs are sanitized on the way in.
    story = replace(story, body=story.body + tuple(clean_markup(m) for m in markup))
    item = etree.fromstring(render_newsml_story(story))
    html = item.find("g:contentSet/g:inlineXML/x:html", NS)
    assert html is not None
    validate_xhtml1_strict(html)


def test_the_fixture_with_pictures_is_valid_in_its_message() -> None:
    item = etree.fromstring(render_newsml_story(fixture_story("full")))
    html = item.find("g:contentSet/g:inlineXML/x:html", NS)
    assert html is not None
    validate_xhtml1_strict(html)
