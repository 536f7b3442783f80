"""A webhook receiver for wire's pushes, Python standard library only: verifies
the Standard Webhooks signature, refuses stale or replayed messages, and appends
each story to a JSON Lines file. Run it, then give wire its URL and the secret:

    WIRE_WEBHOOK_SECRET=whsec_… python3 receiver.py --port 8000 --out stories.jsonl

Verification (https://www.standardwebhooks.com): the secret is the base64 after
``whsec_``; the signed content is ``webhook-id + "." + webhook-timestamp + "." +
body``; ``webhook-signature`` holds one or more ``v1,<base64 HMAC-SHA256>``
separated by spaces (several while a secret rotates). Answer 2xx only once the
story is stored: wire retries anything else.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TOLERANCE = 300  # seconds a message's timestamp may differ from this clock


def verify(secret: str, msg_id: str, timestamp: str, body: bytes, signatures: str) -> bool:
    """Whether ``signatures`` sign (id, timestamp, body) with ``secret``, in time."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > TOLERANCE:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def make_handler(secret: str, out: Path) -> type[BaseHTTPRequestHandler]:
    seen: set[str] = set()  # webhook-ids stored: a retry of one is acknowledged, not kept twice

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            msg_id = self.headers.get("webhook-id", "")
            if not verify(
                secret,
                msg_id,
                self.headers.get("webhook-timestamp", ""),
                body,
                self.headers.get("webhook-signature", ""),
            ):
                self.send_response(401)
                self.end_headers()
                return
            if msg_id not in seen:
                event = json.loads(body)
                with out.open("a", encoding="utf-8") as stored:
                    stored.write(json.dumps(event, ensure_ascii=False) + "\n")
                seen.add(msg_id)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Receiver


def main() -> None:
    parser = argparse.ArgumentParser(description="Receive wire's signed webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--out", type=Path, default=Path("stories.jsonl"))
    args = parser.parse_args()
    secret = os.environ["WIRE_WEBHOOK_SECRET"]
    server = ThreadingHTTPServer((args.host, args.port), make_handler(secret, args.out))
    print(f"listening on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
