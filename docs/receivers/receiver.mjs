// A webhook receiver for wire's pushes in Node.js, no packages: verifies the
// Standard Webhooks signature, refuses stale messages, and appends each story
// to a JSON Lines file. Run it, then give wire its URL and the secret:
//
//   WIRE_WEBHOOK_SECRET=whsec_… node receiver.mjs --port 8000 --out stories.jsonl
//
// The signed content is `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256
// with the base64 key after "whsec_"; webhook-signature holds "v1,<base64>"
// values separated by spaces. Answer 2xx only once the story is stored.
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const TOLERANCE = 300; // seconds a message's timestamp may differ from this clock

export function verify(secret, id, timestamp, body, signatures) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const sentAt = Number.parseInt(timestamp, 10);
  if (!Number.isFinite(sentAt) || Math.abs(Date.now() / 1000 - sentAt) > TOLERANCE) {
    return false;
  }
  const expected = createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))
    .digest();
  return signatures.split(" ").some((signature) => {
    const [version, value] = signature.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8000" },
    out: { type: "string", default: "stories.jsonl" },
  },
});
const secret = process.env.WIRE_WEBHOOK_SECRET;
const seen = new Set(); // webhook-ids stored: a retry is acknowledged, not kept twice

createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const id = request.headers["webhook-id"] ?? "";
    const ok = verify(
      secret,
      id,
      request.headers["webhook-timestamp"] ?? "",
      body,
      request.headers["webhook-signature"] ?? "",
    );
    if (!ok) {
      response.writeHead(401).end();
      return;
    }
    if (!seen.has(id)) {
      appendFileSync(values.out, JSON.stringify(JSON.parse(body.toString("utf8"))) + "\n");
      seen.add(id);
    }
    response.writeHead(204).end();
  });
}).listen(Number(values.port), values.host, () => {
  console.log(`listening on http://${values.host}:${values.port}/`);
});
