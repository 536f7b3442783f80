"""Every fixture's parse as JSON, to prove a speed-up changed no output.

Run ``.venv/bin/python bench/extract_outputs.py --write before.json`` on the old
code, then ``--compare before.json`` on the new: it prints each input whose
stories (or error) differ and exits 1 if any do. Inputs are every file under
``tests/fixtures`` and ``../shared/samples/raw``, each parsed through
``parse_input`` at several fetch times (yearless and relative dates depend on
it), and every line of the text fixtures read as a printed time and as a
dateline date in each shipped language: the phrases the date fast path must
read exactly as dateparser does. Not a benchmark: no timing.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from wire.errors import IngestError
from wire.ingest.extract import parse_date, parse_time
from wire.ingest.patterns import LANGUAGES
from wire.ingest.pipeline import parse_input
from wire.instants import format_instant
from wire.storyjson import story_to_dict

ROOT = Path(__file__).resolve().parent.parent
FETCH_TIMES = (
    datetime(2013, 1, 2, 3, 0, tzinfo=UTC),
    datetime(2025, 7, 4, 2, 0, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
)


def inputs() -> list[Path]:
    """Every fixture file, and the shared samples when ``../shared`` is there."""
    found = [p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file()]
    found += [p for p in (ROOT.parent / "shared" / "samples" / "raw").glob("*") if p.is_file()]
    return sorted(found)


def parses(path: Path) -> dict[str, object]:
    """The stories (or the error) of one input at each fetch time."""
    data = path.read_bytes()
    out: dict[str, object] = {}
    for fetched_at in FETCH_TIMES:
        try:
            parsed: object = [
                story_to_dict(s)
                for s in parse_input(data, name=path.name, fetched_at=fetched_at, source="s")
            ]
        except IngestError as exc:
            parsed = f"{type(exc).__name__}: {exc}"
        out[format_instant(fetched_at) or ""] = parsed
    return out


def phrases(path: Path) -> dict[str, object]:
    """Each line of a text fixture read as a time and as a date, per language."""
    out: dict[str, object] = {}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for line in dict.fromkeys(line.strip() for line in lines if line.strip()):
        for lang in LANGUAGES:
            for fetched_at in FETCH_TIMES:
                when = parse_time(line[:200], fetched_at, lang)
                day = parse_date(line[:200], fetched_at, lang)
                key = f"{lang} {format_instant(fetched_at)} {line[:200]}"
                out[key] = [format_instant(when), day]
    return out


def snapshot() -> dict[str, object]:
    result: dict[str, object] = {}
    for path in inputs():
        name = str(path.relative_to(path.parents[2]))
        result[name] = parses(path)
        if path.suffix == ".txt":
            result[name + " phrases"] = phrases(path)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, metavar="FILE")
    group.add_argument("--compare", type=Path, metavar="FILE")
    args = parser.parse_args()
    now = json.loads(json.dumps(snapshot(), ensure_ascii=False))
    if args.write:
        args.write.write_text(json.dumps(now, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(now)} inputs written to {args.write}")
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for key in differ:
        old, new = before.get(key), now.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            for sub in sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k)):
                print(f"{key} [{sub}]:\n  before {old.get(sub)!r}\n  after  {new.get(sub)!r}")
        else:
            print(f"{key}: differs")
    print(f"{len(now)} inputs compared, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
