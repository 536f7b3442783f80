"""The credit kit: what a partner prints beside a story it runs, ready made, in
the partner's language — the credit line, the outlets the story relies on in
words, the copyright and usage terms, linked to the story's canonical page.

English is the words of every other format (``wire.formats.printed``); Indonesian
and Arabic, the languages of the agencies wire serves first, have their own, and
any other language gets English. Pure: a story and a language in, text and HTML
out; every text is escaped for the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Final

from wire.formats.printed import printed_rights, sources_in_words
from wire.formats.roles import ROLE_WORDS, ROLE_WORDS_FALLBACK
from wire.model import SourceRole, Story
from wire.text import one_line


@dataclass(frozen=True, slots=True)
class Words:
    credit: str  # the label before the credit line
    roles: dict[str, str]  # role → the words before the outlets' names
    fallback: str  # before the names of a role without words
    also: str  # joins the last two names
    direction: str = "ltr"


WORDS: Final[dict[str, Words]] = {
    "en": Words("Credit", dict(ROLE_WORDS), ROLE_WORDS_FALLBACK, "and"),
    "id": Words(
        "Kredit",
        {
            SourceRole.REPORTED_BY: "seperti dilaporkan oleh",
            SourceRole.ACCORDING_TO: "menurut",
            SourceRole.TOLD: "seperti disampaikan kepada",
            SourceRole.CITING: "mengutip",
            SourceRole.ORIGINAL_SOURCE: "pertama kali diterbitkan oleh",
            SourceRole.QUOTED: "seperti dikutip oleh",
        },
        "dari",
        "dan",
    ),
    "ar": Words(
        "المصدر",
        {
            SourceRole.REPORTED_BY: "بحسب ما أوردته",
            SourceRole.ACCORDING_TO: "بحسب",
            SourceRole.TOLD: "كما صرّح لـ",
            SourceRole.CITING: "نقلًا عن",
            SourceRole.ORIGINAL_SOURCE: "نُشر أولًا في",
            SourceRole.QUOTED: "كما نقلت",
        },
        "عن",
        "و",
        "rtl",
    ),
}
"""The kit's words per language (the primary subtag of a BCP 47 tag)."""


def words_for(language: str | None) -> tuple[str, Words]:
    """The language the kit is written in, and its words (English when wire has
    none for the one asked)."""
    primary = (language or "en").split("-", 1)[0].lower()
    return (primary, WORDS[primary]) if primary in WORDS else ("en", WORDS["en"])


def sources_sentence(story: Story, words: Words) -> str | None:
    """The outlets in the kit's words (English: as every format prints them)."""
    return sources_in_words(story.sources, words.roles, words.fallback, words.also)


@dataclass(frozen=True, slots=True)
class CreditKit:
    language: str
    credit_line: str | None
    sources: str | None
    rights: tuple[str, ...]
    text: str
    html: str


def credit_kit(story: Story, url: str, language: str | None) -> CreditKit:
    """The kit of ``story`` whose page is ``url``, in ``language`` (else English)."""
    lang, words = words_for(language)
    credit = one_line(story.credit_line) if story.credit_line else None
    if credit is None and story.provider is not None:
        credit = one_line(story.provider.name)
    sources = sources_sentence(story, words)
    rights = tuple(printed_rights(story.rights))
    lines = [f"{words.credit}: {credit}" if credit else None, sources, *rights, url]
    text = "\n".join(line for line in lines if line)
    parts = []
    if credit:
        parts.append(
            f'<p class="wire-credit">{escape(words.credit)}: '
            f'<a href="{escape(url)}">{escape(credit)}</a></p>'
        )
    if sources:
        parts.append(f'<p class="wire-sources">{escape(sources)}</p>')
    parts += [f'<p class="wire-rights">{escape(line)}</p>' for line in rights]
    html = (
        f'<div class="wire-attribution" lang="{lang}" dir="{words.direction}">'
        + "".join(parts)
        + "</div>"
    )
    return CreditKit(lang, credit, sources, rights, text, html)
