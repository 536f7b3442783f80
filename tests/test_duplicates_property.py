"""Near duplicates under random sequences of desk operations, over HTTP, on both databases.

Copies of one story (and an unrelated one) are pushed under two sources, holds
are decided either way, stories are killed and time passes; after every step
every public channel (four feed formats, story URLs) and the desk's hold list
must agree with the rule: a story under an open or merged hold is shown to
nobody, at most one copy of the story is public unless an editor kept both,
and every held story is listed for the desk.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clocks import FakeClock
from tests.desk_client import ADMIN, EDITOR, api_config
from tests.store_fixtures import BACKENDS, fresh_database
from wire.web.app import create_app

COPY = Path(__file__).resolve().parent / "fixtures" / "duplicates"
QUAKE = (COPY / "quake-agency.txt").read_bytes()
VARIANTS = (
    QUAKE,
    (COPY / "quake-other.txt").read_bytes(),
    QUAKE.rsplit(b"\n\n", 2)[0] + b"\n",  # the same copy without its last paragraph
    (COPY / "quake-unrelated.txt").read_bytes(),
)
CLUSTER = {0, 1, 2}  # the variants that are one story
EXAMPLES = int(os.environ.get("WIRE_DUPLICATE_EXAMPLES", "15"))

operations = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(0, 3), st.sampled_from(["agency", "other"])),
        st.tuples(st.just("decide"), st.integers(0, 3), st.sampled_from(["merge", "keep-both"])),
        st.tuples(st.just("kill"), st.integers(0, 3), st.none()),
        st.tuples(st.just("wait"), st.just(0), st.none()),
    ),
    min_size=1,
    max_size=10,
)


class Desk:
    def __init__(self, client: TestClient[Any, Any], clock: FakeClock) -> None:
        self.client = client
        self.clock = clock
        self.pushed: dict[str, int] = {}  # guid → variant

    async def run(self, op: tuple[Any, ...]) -> None:
        kind, n, arg = op
        if kind == "push":
            resp = await self.client.post(
                f"/api/v1/stories?source={arg}",
                data=VARIANTS[n],
                headers={**EDITOR, "Content-Type": "text/plain; charset=utf-8"},
            )
            if resp.status == 409:  # the copy of a story killed since: a kill is final
                assert (await resp.json(content_type=None))["type"].endswith("stale-input")
                return
            assert resp.status in (200, 201), await resp.text()
            self.pushed[(await resp.json())["guid"]] = n
        elif kind == "decide":
            holds = await self.holds()
            if holds:
                guid = holds[n % len(holds)]["guid"]
                resp = await self.client.post(
                    f"/api/v1/holds/{guid}", json={"decision": arg}, headers=EDITOR
                )
                assert resp.status == 200, await resp.text()
        elif kind == "kill":
            public = sorted(await self.public())
            if public:
                guid = public[n % len(public)]
                resp = await self.client.post(f"/api/v1/stories/{guid}/kill", headers=ADMIN)
                assert resp.status == 200, await resp.text()
        else:
            self.clock.advance(hours=1)

    async def holds(self, *, every: bool = False) -> list[dict[str, Any]]:
        resp = await self.client.get(f"/api/v1/holds?all={str(every).lower()}", headers=EDITOR)
        assert resp.status == 200
        holds: list[dict[str, Any]] = (await resp.json())["holds"]
        return holds

    async def public(self) -> set[str]:
        feed = await (await self.client.get("/feeds/all.json")).json()
        return {item["uri"] for item in feed["items"] if item.get("pubstatus") == "usable"}

    async def check(self) -> None:
        decided = {h["guid"]: h["decision"] for h in await self.holds(every=True)}
        hidden = {g for g, d in decided.items() if d in (None, "merge")}
        public = await self.public()
        assert not hidden & public
        for ext in ("rss", "atom", "xml", "json"):
            resp = await self.client.get(f"/feeds/all.{ext}")
            assert resp.status == 200
            body = await resp.read()
            assert not [g for g in hidden if g.encode() in body], ext
        for guid in hidden:
            for ext in ("xml", "json", "html"):
                assert (await self.client.get(f"/stories/{guid}.{ext}")).status == 404
        # at most one public copy of the story that no editor chose to keep as well
        unchosen = [
            g for g in public if self.pushed.get(g) in CLUSTER and decided.get(g) != "keep-both"
        ]
        assert len(unchosen) <= 1, unchosen
        # every story the desk holds is listed for a decision
        for guid in self.pushed:
            resp = await self.client.get(f"/api/v1/stories/{guid}", headers=EDITOR)
            story = await resp.json()
            if any(note.startswith("held for review") for note in story["review"]):
                assert guid in decided


async def scenario(backend: str, ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with fresh_database(backend, folder) as database:
            clock = FakeClock()
            config = api_config(folder, database=database if backend != "sqlite" else "")
            app = create_app(config, clock=clock, start_jobs=False)
            async with TestClient(TestServer(app)) as client:
                desk = Desk(client, clock)
                for op in ops:
                    await desk.run(op)
                    await desk.check()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_desk_and_every_channel_agree_on_near_duplicates(backend: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(ops=operations)
    def run(ops: list[tuple[Any, ...]]) -> None:
        asyncio.run(scenario(backend, ops))

    run()
