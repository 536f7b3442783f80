"""Long fuzzing runs of wire's inputs, beyond what CI affords.

    .venv/bin/python -m fuzz.run --examples 20000          # every target, 20k examples each
    .venv/bin/python -m fuzz.run --target auto --examples 100000

Failures are shrunk by hypothesis and kept in ``.hypothesis/`` so the next run
(and ``tests/test_fuzz.py``) replays them first.
"""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import HealthCheck, given, settings

from fuzz.targets import check_input, formats, mutated_inputs


def _auto(examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated_inputs())
    def run(data: bytes) -> None:
        check_input(data)

    run()


def _forced(examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=mutated_inputs(), fmt=formats)
    def run(data: bytes, fmt: str) -> None:
        check_input(data, fmt)

    run()


TARGETS = {"auto": _auto, "forced": _forced}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--target", choices=sorted(TARGETS), action="append")
    args = parser.parse_args(argv)
    for name in args.target or sorted(TARGETS):
        started = time.monotonic()
        TARGETS[name](args.examples)
        print(f"{name}: {args.examples} examples, no failure, {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
