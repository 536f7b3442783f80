"""Render time per format for 100 and 1,000 stories, next to a plain feedgen baseline.

Run: ``.venv/bin/python bench/bench_render.py [--repeat N]``. The baseline is
feedgen with title/link/description/guid only, measured in the same run, so the
ratio column says what wire's attribution and extensions cost on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from feedgen.feed import FeedGenerator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wire import storyjson  # noqa: E402
from wire.model import Story  # noqa: E402
from wire.publish.atom import render_atom  # noqa: E402
from wire.publish.feedmeta import FeedMeta  # noqa: E402
from wire.publish.newsml import render_newsml  # noqa: E402
from wire.publish.ninjs import render_ninjs  # noqa: E402
from wire.publish.rss import render_rss  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "stories"
META = FeedMeta(
    name="bench",
    title="Bench",
    description="Benchmark feed",
    self_url="https://wire.example/feeds/bench",
    site_url="https://wire.example",
    updated=datetime(2025, 7, 6, tzinfo=UTC),
)


def stories(n: int) -> list[Story]:
    """``n`` distinct usable stories cycled from the fixtures."""
    base = [
        storyjson.loads(p.read_text("utf-8"))
        for p in sorted(FIXTURES.glob("*.json"))
        if "killed" not in p.name
    ]
    start = datetime(2025, 7, 1, tzinfo=UTC)
    return [
        replace(
            base[i % len(base)],
            guid=f"urn:wire:bench:{i}",
            version_created=start + timedelta(minutes=i),
        )
        for i in range(n)
    ]


def baseline(batch: list[Story]) -> bytes:
    """Plain feedgen: title, link, description, guid; nothing else."""
    fg = FeedGenerator()
    fg.title(META.title)
    fg.link(href=META.site_url)
    fg.description(META.description)
    for s in batch:
        fe = fg.add_entry(order="append")
        fe.title(s.headline)
        fe.link(href=s.link or META.story_url(s.guid))
        fe.description(s.summary or s.headline)
        fe.guid(s.guid, permalink=False)
    return bytes(fg.rss_str())


def best_of(fn: Callable[[], bytes], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'stories':>7}  {'format':<9} {'ms':>9} {'× baseline':>11} {'bytes':>10}")
    for n in (100, 1000):
        batch = stories(n)
        base = best_of(partial(baseline, batch), args.repeat)
        renderers: dict[str, Callable[[], bytes]] = {
            "baseline": partial(baseline, batch),
            "rss": partial(render_rss, META, batch),
            "atom": partial(render_atom, META, batch),
            "newsml": partial(render_newsml, META, batch),
            "ninjs": partial(render_ninjs, META, batch),
        }
        for name, fn in renderers.items():
            t = base if name == "baseline" else best_of(fn, args.repeat)
            print(f"{n:>7}  {name:<9} {t * 1000:>9.1f} {t / base:>11.1f} {len(fn()):>10}")


if __name__ == "__main__":
    main()
