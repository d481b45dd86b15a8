import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { metaSignature, timingSafeEqual, verifyMetaSignature } from "../../lib/channels/signature";
import { fixtureText } from "./fakes";

const APP_SECRET = "9f86d081884c7d659a2feaa0c55ad015";
const body = fixtureText("messenger/text.json");
// An independent oracle: Node's HMAC, not the WebCrypto code under test.
const nodeSignature = (raw: string | Buffer, secret: string) =>
  "sha256=" + createHmac("sha256", secret).update(raw).digest("hex");

describe("Meta X-Hub-Signature-256", () => {
  it("matches the HMAC-SHA256 Meta computes over the raw body", async () => {
    expect(await metaSignature(body, APP_SECRET)).toBe(nodeSignature(body, APP_SECRET));
    const bytes = new TextEncoder().encode(body);
    expect(await metaSignature(bytes, APP_SECRET)).toBe(nodeSignature(Buffer.from(bytes), APP_SECRET));
  });

  it("accepts the platform's signature, in either hex case", async () => {
    const header = nodeSignature(body, APP_SECRET);
    expect(await verifyMetaSignature(body, header, APP_SECRET)).toBe(true);
    expect(await verifyMetaSignature(body, "sha256=" + header.slice(7).toUpperCase(), APP_SECRET)).toBe(true);
  });

  it("rejects a signature made with another secret", async () => {
    expect(await verifyMetaSignature(body, nodeSignature(body, "not-the-app-secret"), APP_SECRET)).toBe(false);
  });

  it("rejects a body changed after signing, even by whitespace", async () => {
    const header = nodeSignature(body, APP_SECRET);
    expect(await verifyMetaSignature(JSON.stringify(JSON.parse(body)), header, APP_SECRET)).toBe(false);
  });

  it("rejects a missing, empty or SHA-1 header", async () => {
    expect(await verifyMetaSignature(body, null, APP_SECRET)).toBe(false);
    expect(await verifyMetaSignature(body, "", APP_SECRET)).toBe(false);
    const sha1 = "sha1=" + createHmac("sha1", APP_SECRET).update(body).digest("hex");
    expect(await verifyMetaSignature(body, sha1, APP_SECRET)).toBe(false);
  });
});

describe("timingSafeEqual", () => {
  it("compares whole strings", () => {
    expect(timingSafeEqual("tg-secret_42", "tg-secret_42")).toBe(true);
    expect(timingSafeEqual("tg-secret_42", "tg-secret_43")).toBe(false);
    expect(timingSafeEqual("tg-secret_42", "tg-secret_4")).toBe(false);
    expect(timingSafeEqual("", "x")).toBe(false);
  });
});
