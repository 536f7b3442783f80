"""Stories per second through repair + clean + extract, for raw text copy and HTML pages.

Run: ``.venv/bin/python bench/bench_extract.py [--seconds S]``. Inputs are the
fixtures under ``tests/fixtures/raw`` and ``tests/fixtures/pages`` (plus the
shared MINA sample when ``../shared`` is there), each made unique per run so no
cache helps. Prints one line per input kind; no timing assertion anywhere.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from wire.ingest.page import extract_page
from wire.ingest.textcopy import extract_text

ROOT = Path(__file__).resolve().parent.parent
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)


def inputs(kind: str) -> list[bytes]:
    """The fixture inputs of one kind ("raw" text or "pages")."""
    pattern = "*.txt" if kind == "raw" else "*.html"
    found = sorted((ROOT / "tests" / "fixtures" / kind).glob(pattern))
    if kind == "raw":
        sample = ROOT.parent / "shared" / "samples" / "raw" / "mina-russia-recognizes-taliban.txt"
        found += [sample] if sample.is_file() else []
    docs = [p.read_bytes() for p in found]
    if kind == "pages":
        docs = [d for d in docs if b"<article" in d]
    return docs


def measure(fn: Callable[[bytes, int], object], docs: list[bytes], seconds: float) -> float:
    """Stories per second over at least ``seconds`` of wall time."""
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for doc in docs:
            fn(doc, done)
            done += 1
    return done / (time.perf_counter() - start)


def text_one(doc: bytes, i: int) -> object:
    return extract_text(doc + f"\n\nRun {i}.".encode(), name="bench", fetched_at=FETCHED)


def page_one(doc: bytes, i: int) -> object:
    extra = f"<p>Run number {i} of the benchmark.</p></article>".encode()
    unique = doc.replace(b"</article>", extra)
    return extract_page(unique, name="bench", fetched_at=FETCHED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    for label, kind, fn in (("text", "raw", text_one), ("html", "pages", page_one)):
        docs = inputs(kind)
        fn(docs[0], -1)  # warm up: pattern compilation, dateparser's language data
        rate = measure(fn, docs, args.seconds)
        print(f"{label:5} {rate:8.1f} stories/s  ({len(docs)} distinct inputs)")


if __name__ == "__main__":
    main()
