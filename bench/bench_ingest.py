"""Benchmark (g): ``wire ingest`` of many distinct raw-copy files, end to end into SQLite.

Run: ``.venv/bin/python bench/bench_ingest.py [--files N] [--baseline-files M]``.
Writes N distinct stories (different headlines, datelines and words, so none
is a near duplicate of another) as raw agency copy, then runs the real CLI in a
subprocess on a fresh SQLite database: once batched (the default: batches read
on the parse workers while the one before is stored), and, as the baseline
measured in the same run, the first M of them with ``--batch 1``, one input per
write transaction as ``wire ingest`` stored before batching.

A command's start (imports, opening and migrating the store, the parse workers'
start) is measured on its own, as the time to ingest one file, and printed;
stories per second are given end to end and after the start (the rate a long
run approaches). No timing assertion anywhere.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import write_config

PLACES = ("JAKARTA", "CAIRO", "AMMAN", "KABUL", "ANKARA", "DOHA", "RIYADH", "TEHRAN", "BEIRUT")
SYLLABLES = ("ka", "ri", "mo", "sa", "ne", "tu", "la", "po", "di", "ge", "ban", "tor", "mer", "lin")
WORDS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "s", "ra", "to")]
"""About a thousand words: random sentences of them share few three-word shingles,
as distinct stories do, so none is held as a near duplicate of another."""


def story(i: int, rng: random.Random) -> str:
    """One distinct piece of agency copy: headline, byline and time, dateline, body, signature."""

    def sentence(n: int) -> str:
        words = [rng.choice(WORDS) for _ in range(n)]
        return " ".join(words).capitalize() + "."

    headline = " ".join(w.capitalize() for w in rng.sample(WORDS, 6)) + f" {i}"
    body = "\n\n".join(" ".join(sentence(rng.randint(9, 16)) for _ in range(3)) for _ in range(4))
    return (
        f"{headline}\n\nBy Rina Sari - {1 + i % 11} hours ago\n\n"
        f"{rng.choice(PLACES)}, MINA – {sentence(14)} Report {i}.\n\n{body}\n\n"
        "Mi’raj News Agency (MINA)\n"
    )


def write_inputs(folder: Path, count: int) -> list[Path]:
    rng = random.Random(14)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"story-{i:05d}.txt"
        path.write_text(story(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


def ingest(folder: Path, paths: list[Path], extra: list[str]) -> float:
    """Seconds ``wire ingest`` takes on ``paths`` into a fresh database under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, 0, 10)
    command = [sys.executable, "-m", "wire", "ingest", "--config", str(config)]
    command += ["--source", "agency", "--fetched-at", "2025-07-04T02:00:00Z", *extra]
    start = time.perf_counter()
    done = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    created = done.stdout.count(" v1 created")
    if done.returncode != 0 or created != len(paths):
        sys.exit(f"wire ingest failed ({done.returncode}, {created} created): {done.stderr[-999:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--baseline-files", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = write_inputs(root / "inputs", args.files)
        start = ingest(root / "start", paths[:1], [])
        batched = ingest(root / "batched", paths, [])
        few = paths[: args.baseline_files]
        baseline = ingest(root / "baseline", few, ["--batch", "1"])
    n, m = len(paths), len(few)
    fast, slow = n / (batched - start), m / (baseline - start)
    print(f"start of the command       {start:8.2f} s  (one file)")
    print(
        f"wire ingest, batched       {n / batched:8.1f} stories/s end to end, "
        f"{fast:.1f} after the start  ({n} files, SQLite)"
    )
    print(
        f"wire ingest, --batch 1     {m / baseline:8.1f} stories/s end to end, "
        f"{slow:.1f} after the start  (baseline, {m} files, same run)"
    )
    print(f"ratio after the start      {fast / slow:8.2f}x")


if __name__ == "__main__":
    main()
