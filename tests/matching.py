"""Comparing what wire produced with a golden expectation on disk."""

from __future__ import annotations

from typing import Any


def subset(got: Any, expected: Any) -> Any:
    """``got`` cut down to the keys ``expected`` names (recursively), for a plain
    ``==`` against a golden file that states only what it cares about; an absent
    nested key reads as null."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: subset(got.get(k), v) for k, v in expected.items()}
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        return [subset(g, e) for g, e in zip(got, expected, strict=True)]
    return got
