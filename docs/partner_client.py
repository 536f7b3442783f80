"""A reference client for partners: catch up on a wire feed, prove the copy is
complete with the feed's digest, and repair any gap. Python's standard library
only; copy it, or read it as the specification of the three calls it makes.

    python3 partner_client.py https://wire.example.org all --token wire_pt_… \\
        --state copy.json --verify-hours 24

1. **Catch up**: ``GET /api/v1/feeds/{feed}/items?after=CURSOR`` until ``more`` is
   false, keeping each story's latest item by guid (a removal notice replaces
   the story it removes) and the cursor for next time.
2. **Verify**: ``GET /api/v1/feeds/{feed}/digest?from=&to=`` lists, for the items
   whose current version was made in the window, (guid, version, status, sha256
   of the item's canonical JSON) and one hash over them. The client computes
   the same over its copy: the same digest means nothing is missing or
   different; otherwise the entries name the guids that are.
3. **Repair**: read the cursor again from the window's start
   (``since=FROM``), which delivers the current version of every story made
   since, and verify again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def canonical_sha256(item: dict[str, Any]) -> str:
    """SHA-256 of an item's canonical JSON: without ``renditions``, keys sorted, no
    whitespace, UTF-8 (as the digest's entries are made)."""
    body = {k: v for k, v in item.items() if k != "renditions"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_of(entries: dict[str, tuple[int, str, str]]) -> str:
    """The digest over guid → (version, status, sha256), as wire computes it."""
    lines = "".join(
        f"{guid}\t{version}\t{status}\t{sha}\n"
        for guid, (version, status, sha) in sorted(entries.items())
    )
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _format(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Copy:
    """The partner's copy of a feed: the latest item of each story, and the cursor."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: str | None = None

    def entries(self, start: datetime, end: datetime) -> dict[str, tuple[int, str, str]]:
        """The copy's digest entries for versions made in ``[start, end)``."""
        found = {}
        for guid, item in self.items.items():
            made = item.get("version_created")
            if made and start <= _instant(made) < end:
                found[guid] = (item["version"], item["pub_status"], canonical_sha256(item))
        return found

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"cursor": self.cursor, "items": self.items}), "utf-8")

    @classmethod
    def load(cls, path: Path) -> Copy:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text("utf-8"))
        return cls(data["items"], data["cursor"])


class FeedClient:
    def __init__(self, base: str, feed: str, token: str, *, timeout: float = 30) -> None:
        self.base = base.rstrip("/")
        self.feed = feed
        self.token = token
        self.timeout = timeout

    def _get(self, path: str, **query: str) -> dict[str, Any]:
        url = f"{self.base}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            data: dict[str, Any] = json.load(answer)
            return data

    def catch_up(self, copy: Copy, **start: str) -> int:
        """Read the cursor until nothing more is waiting (from the copy's cursor,
        or ``start``: ``since=…``); how many items came."""
        items = f"/api/v1/feeds/{urllib.parse.quote(self.feed)}/items"
        query = dict(start) if start else ({"after": copy.cursor} if copy.cursor else {})
        count = 0
        while True:
            page = self._get(items, **query)
            for item in page["items"]:
                copy.items[item["guid"]] = item
                count += 1
            query = {"after": page["next"]}
            if not start:
                copy.cursor = page["next"]
            if not page["more"]:
                return count

    def gaps(self, copy: Copy, start: datetime, end: datetime) -> list[str]:
        """The guids the copy lacks or holds otherwise than wire delivered (empty:
        the copy is complete for the window)."""
        path = f"/api/v1/feeds/{urllib.parse.quote(self.feed)}/digest"
        theirs = self._get(path, **{"from": _format(start), "to": _format(end)})
        ours = copy.entries(start, end)
        if digest_of(ours) == theirs["digest"]:
            return []
        wanted = {e["guid"]: (e["version"], e["status"], e["sha256"]) for e in theirs["items"]}
        return sorted(g for g in wanted.keys() | ours.keys() if wanted.get(g) != ours.get(g))

    def repair(self, copy: Copy, start: datetime, end: datetime) -> list[str]:
        """Read the window again and verify; what is still missing (nothing, when
        the repair worked)."""
        self.catch_up(copy, since=_format(start))
        return self.gaps(copy, start, end)


def main() -> int:
    parser = argparse.ArgumentParser(description="Catch up on a wire feed and prove the copy.")
    parser.add_argument("base")
    parser.add_argument("feed")
    parser.add_argument("--token", required=True)
    parser.add_argument("--state", type=Path, default=Path("copy.json"))
    parser.add_argument("--verify-hours", type=float, default=24)
    args = parser.parse_args()
    client, copy = FeedClient(args.base, args.feed, args.token), Copy.load(args.state)
    came = client.catch_up(copy)
    end = datetime.now(UTC)
    start = end - timedelta(hours=args.verify_hours)
    missing = client.gaps(copy, start, end)
    if missing:
        print(f"{len(missing)} stories missing or different; repairing")
        missing = client.repair(copy, start, end)
    copy.save(args.state)
    state = "complete" if not missing else "still missing: " + ", ".join(missing)
    print(f"{came} items read; copy {state}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
