"""Per-source attribution policy, and how it meets what the copy itself says.

What the copy states wins over the policy's defaults; where the two disagree the
story keeps both and is flagged for review, so no attribution is silently lost.
The policy's rights fill the story's only when the copy is the policy's own
agency's: copy that names another agency keeps its own rights (and a review note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wire.model import Provider, Rights, Story
from wire.text import one_line


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """What the agency's contract with a source says every story from it carries."""

    provider: str | None = None
    abbreviation: str | None = None
    credit_line: str | None = None
    copyright_holder: str | None = None
    copyright_notice: str | None = None
    usage_terms: str | None = None
    language: str | None = None
    series: tuple[str, ...] = ()  # headline patterns of daily series (prayer times, weather)

    def in_series(self, headline: str) -> bool:
        """Whether the headline is one of this source's daily series: such copy
        is one story per day, however alike the days' texts are."""
        return any(re.search(pattern, headline) for pattern in self.series)


def _norm(text: str) -> str:
    return one_line(text.replace("’", "'").casefold())


def _is_policy_agency(provider: Provider, policy: SourcePolicy) -> bool:
    """Whether the copy's provider is the policy's agency: by name, or by the
    abbreviation the policy gives it (the older wires name their agency only so:
    ``dpa``, ``AP``)."""
    named = {_norm(provider.name), _norm(provider.abbreviation or "")} - {""}
    return bool(
        policy.provider
        and (
            _norm(policy.provider) in named
            or (policy.abbreviation is not None and _norm(policy.abbreviation) in named)
        )
    )


def apply_policy(story: Story, policy: SourcePolicy | None) -> Story:
    """Fill the story's attribution gaps from the policy; flag disagreements for review."""
    if policy is None:
        return story
    review = list(story.review)
    provider = story.provider
    if policy.provider:
        if provider is None:
            provider = Provider(policy.provider, policy.abbreviation)
        elif not _is_policy_agency(provider, policy):
            review.append(
                f"provider in copy ({provider.name!r}) differs from source policy "
                f"({policy.provider!r})"
            )
        elif _norm(provider.name) != _norm(policy.provider):
            # Named by its abbreviation only: the policy spells the name out.
            provider = Provider(policy.provider, policy.abbreviation or provider.name)
        elif provider.abbreviation is None and policy.abbreviation:
            provider = replace(provider, abbreviation=policy.abbreviation)
    credit = story.credit_line
    if policy.credit_line:
        if credit is None:
            credit = policy.credit_line
        elif _norm(credit) != _norm(policy.credit_line):
            review.append(
                f"credit line in copy ({credit!r}) differs from source policy "
                f"({policy.credit_line!r})"
            )
    rights = story.rights
    policy_rights = Rights(policy.copyright_holder, policy.copyright_notice, policy.usage_terms)
    copy_agency = story.provider.name if story.provider else None
    other_agency = (
        story.provider is not None
        and policy.provider is not None
        and not _is_policy_agency(story.provider, policy)
    )
    if other_agency and policy_rights != Rights():
        # The copy is another agency's: the source's contract speaks for its own
        # agency's copy only, so its rights are not printed beside the copy's credit.
        review.append(
            f"source policy rights not applied: the copy is {copy_agency!r}'s "
            f"(policy: {policy.provider!r})"
        )
    else:
        rights = Rights(
            copyright_holder=rights.copyright_holder or policy.copyright_holder,
            copyright_notice=rights.copyright_notice or policy.copyright_notice,
            usage_terms=rights.usage_terms or policy.usage_terms,
        )
    return replace(
        story,
        provider=provider,
        credit_line=credit,
        rights=rights,
        language=story.language or policy.language,
        review=tuple(dict.fromkeys(review)),
    )
