"""Bounded fuzzing in CI: mutated inputs of every format through the ingest path
and through the push API (the long runs are ``python -m fuzz.run``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import MEDIA_TYPES, check_input, formats, mutated_inputs, push_bodies
from tests.desk_client import EDITOR, Client

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BOUNDED
@given(data=mutated_inputs())
def test_a_mutated_input_of_any_format_is_stories_or_a_named_refusal(data: bytes) -> None:
    check_input(data)


@BOUNDED
@given(data=mutated_inputs(), fmt=formats)
def test_a_mutated_input_forced_into_any_parser_is_stories_or_a_named_refusal(
    data: bytes, fmt: str
) -> None:
    check_input(data, fmt)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=push_bodies, media=st.sampled_from(MEDIA_TYPES))
async def test_the_push_api_never_answers_5xx_to_mutated_bodies(
    client: Client, body: bytes, media: str
) -> None:
    resp = await client.post(
        "/api/v1/stories", data=body, headers={**EDITOR, "Content-Type": media}
    )
    assert resp.status < 500, await resp.text()
    for fmt in ("rss", "atom", "xml", "json"):
        assert (await client.get(f"/feeds/all.{fmt}")).status == 200
