/**
 * The shapes that used to be refused with 400 (and took well-formed
 * siblings in the same POST down with them), and the limits every inbound
 * event is held to before it is stored.
 */
import { describe, expect, it } from "vitest";
import { normalizeMetaWebhook } from "../../lib/channels/meta";
import { normalizeTelegramUpdate } from "../../lib/channels/telegram";
import { normalizeWhatsAppWebhook } from "../../lib/channels/whatsapp";
import { chunkEvents, INGEST_CHUNK_EVENTS, readBodyCapped, BodyTooLargeError } from "../../lib/webhooks/handler";
import { MAX_INBOUND_TEXT_CHARS, sanitizeInbound, truncateText } from "../../lib/webhooks/limits";
import type { InboundEvent, InboundMessage } from "../../convex/validators";
import { formatDuration, formatTime } from "../../components/format";
import { offlineReply } from "../../lib/offline";
import { fixture } from "./fakes";

const RECEIVED = Date.UTC(2026, 10, 30, 12);
const PAGE = "231045678901234";
const PSID = "6543210987654321";

type Messaging = Record<string, unknown>;
const messengerPost = (...messaging: Messaging[]) => ({ object: "page", entry: [{ id: PAGE, time: RECEIVED, messaging }] });
const customerText = (mid: string, text: string): Messaging => ({
  sender: { id: PSID },
  recipient: { id: PAGE },
  timestamp: RECEIVED - 1000,
  message: { mid, text },
});
const messenger = (body: unknown) => normalizeMetaWebhook(body, { channel: "messenger", receivedAt: RECEIVED });

describe("Messenger and Instagram events the platforms really send", () => {
  it("a delivery receipt without timestamp (Meta's own reference example) is taken, and the message beside it too", () => {
    const receipt = { sender: { id: PSID }, recipient: { id: PAGE }, delivery: { mids: ["m_ours_1"], watermark: 1458668856253 } };
    const { events, skipped } = messenger(messengerPost(receipt, customerText("m_in_1", "still there?")));
    expect(skipped).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ kind: "status", status: "delivered", externalId: "m_ours_1", at: 1458668856253 }),
      expect.objectContaining({ kind: "message", text: "still there?" }),
    ]);
  });

  it("the dashboard's Test button sample (timestamp as a string of seconds, page id 0) is acknowledged as a message", () => {
    const sample = {
      object: "page",
      entry: [
        {
          id: "0",
          time: 1527459824,
          messaging: [
            { sender: { id: "12334" }, recipient: { id: "23245" }, timestamp: "1527459824", message: { mid: "test_message_id", text: "test_message" } },
          ],
        },
      ],
    };
    expect(messenger(sample).events).toEqual([
      expect.objectContaining({ kind: "message", accountId: "0", chatId: "12334", text: "test_message", sentAt: 1527459824000 }),
    ]);
  });

  it("an Instagram unreact with emoji null takes the reaction back", () => {
    const body = {
      object: "instagram",
      entry: [
        {
          id: "17841400000000000",
          messaging: [
            {
              sender: { id: "1254001234567890" },
              recipient: { id: "17841400000000000" },
              timestamp: RECEIVED - 5,
              reaction: { mid: "aWdfZAG1fORIGINAL", action: "unreact", emoji: null, reaction: null },
            },
          ],
        },
      ],
    };
    expect(normalizeMetaWebhook(body, { channel: "instagram", receivedAt: RECEIVED }).events).toEqual([
      expect.objectContaining({ kind: "reaction", externalId: "aWdfZAG1fORIGINAL", emoji: "" }),
    ]);
  });

  it("a reaction without mid names no message: acknowledged and ignored, its sibling stored", () => {
    const reaction = { sender: { id: PSID }, recipient: { id: PAGE }, timestamp: RECEIVED, reaction: { action: "react", emoji: "❤" } };
    const result = messenger(messengerPost(reaction, customerText("m_in_2", "hi")));
    expect(result.events.map((e) => e.kind)).toEqual(["message"]);
    expect(result.ignored).toBe(1);
    expect(result.skipped).toEqual([]);
  });

  it("a fallback attachment (a shared link) keeps its URL, wherever Meta puts it", () => {
    const message = (attachments: unknown[]): Messaging => ({
      sender: { id: PSID },
      recipient: { id: PAGE },
      timestamp: RECEIVED,
      message: { mid: `m_link_${attachments.length}`, attachments },
    });
    const { events } = messenger(
      messengerPost(
        message([{ type: "fallback", payload: { url: "https://example.com/a", title: "Article A" } }]),
        message([
          { type: "fallback", payload: null, title: "Article B", url: "https://example.com/b" },
          { type: "image", payload: { url: "https://cdn.example.com/p.jpg" } },
        ]),
      ),
    );
    expect(events).toEqual([
      expect.objectContaining({ attachments: [{ kind: "other", caption: "fallback: Article A", ref: "https://example.com/a" }] }),
      expect.objectContaining({
        attachments: [
          { kind: "other", caption: "fallback: Article B", ref: "https://example.com/b" },
          { kind: "photo", caption: undefined, ref: "https://cdn.example.com/p.jpg" },
        ],
      }),
    ]);
  });

  it("a Page-inbox echo without our marker is a human reply, never matched by its text", () => {
    const echo = { sender: { id: PAGE }, recipient: { id: PSID }, timestamp: RECEIVED, message: { mid: "m_human", is_echo: true, text: "OK" } };
    expect(messenger(messengerPost(echo)).events).toEqual([
      { kind: "echo", channel: "messenger", accountId: PAGE, chatId: PSID, externalId: "m_human", text: "OK", sentAt: RECEIVED },
    ]);
  });

  it("an Instagram echo, which carries no marker, may be matched by text against our recent replies", () => {
    const body = {
      object: "instagram",
      entry: [{ id: "17841400000000000", messaging: [{ sender: { id: "17841400000000000" }, recipient: { id: "igsid" }, timestamp: RECEIVED, message: { mid: "e1", is_echo: true, text: "Sure" } }] }],
    };
    expect(normalizeMetaWebhook(body, { channel: "instagram" }).events).toEqual([expect.objectContaining({ kind: "echo", matchOwnByText: true })]);
  });

  it("an event of a kind we do not know is acknowledged and ignored; an event we cannot read is skipped with its reason", () => {
    const unknown = { sender: { id: PSID }, recipient: { id: PAGE }, timestamp: RECEIVED, brand_new_feature: { x: 1 } };
    const broken = { sender: { id: PSID }, recipient: { id: PAGE }, timestamp: RECEIVED, message: { text: "no mid" } };
    const result = messenger(messengerPost(unknown, broken, customerText("m_in_3", "fine")));
    expect(result.events.map((e) => e.kind)).toEqual(["message"]);
    expect(result.ignored).toBe(2);
    expect(result.skipped).toEqual([expect.stringContaining("entry[0].messaging[1].message.mid")]);
  });
});

describe("Telegram and WhatsApp shapes", () => {
  it("a Telegram update whose chat has no type is read by its id (positive: a private chat)", () => {
    const update = fixture<{ message: { chat: Record<string, unknown> } }>("telegram/private_text.json");
    delete update.message.chat.type;
    const { events } = normalizeTelegramUpdate(update, { botId: "5551234567" }, RECEIVED);
    expect(events).toEqual([expect.objectContaining({ kind: "message", chatType: "private", addressedToBot: true })]);
  });

  it("a WhatsApp customer known only by a business-scoped user id is answered in that chat", () => {
    const body = fixture<{ entry: { changes: { value: { contacts: Record<string, unknown>[]; messages: Record<string, unknown>[] } }[] }[] }>(
      "whatsapp/text.json",
    );
    const value = body.entry[0]!.changes[0]!.value;
    delete value.messages[0]!.from;
    value.messages[0]!.from_user_id = "US.13491208655302741918";
    value.contacts = [{ user_id: "US.13491208655302741918", profile: { name: "Ana" } }];
    expect(normalizeWhatsAppWebhook(body).events).toEqual([
      expect.objectContaining({
        kind: "message",
        chatId: "US.13491208655302741918",
        sender: { externalId: "US.13491208655302741918", displayName: "Ana" },
      }),
    ]);
  });
});

const message = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  kind: "message",
  channel: "telegram",
  accountId: "1",
  chatId: "2",
  externalId: "2:3",
  sender: { externalId: "2" },
  text: "hello",
  attachments: [],
  sentAt: RECEIVED - 2000,
  ...over,
});

describe("limits on what is stored", () => {
  it.each([
    ["a 400-digit timestamp", Number("9".repeat(400))],
    ["a time in the year 2286", 1e13],
    ["a time before the platforms existed", 1000],
    ["a time from next week", RECEIVED + 7 * 24 * 3600_000],
    ["not a number at all", Number.NaN],
  ])("%s is replaced by the receive time and flagged", (_, sentAt) => {
    expect(sanitizeInbound(message({ sentAt }), RECEIVED)).toMatchObject({ sentAt: RECEIVED, sentAtEstimated: true });
  });

  it("a plausible time is kept as sent, unflagged", () => {
    const kept = sanitizeInbound(message(), RECEIVED);
    expect(kept).toMatchObject({ sentAt: RECEIVED - 2000 });
    expect(kept).not.toHaveProperty("sentAtEstimated");
  });

  it("a 2 MB text is stored cut to the longest a platform allows, with a marker saying how much is missing", () => {
    const huge = "a".repeat(2_000_000);
    const stored = sanitizeInbound(message({ text: huge }), RECEIVED) as InboundMessage;
    expect(stored.text.length).toBe(MAX_INBOUND_TEXT_CHARS);
    expect(stored.text).toMatch(/… \[truncated: \d+ more characters\]$/);
    expect(JSON.stringify(stored).length).toBeLessThan(64 * 1024);
  });

  it("truncation never splits an emoji in half", () => {
    const cut = truncateText("😀".repeat(100), 60);
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("sanitizing twice changes nothing more", () => {
    const once = sanitizeInbound(message({ text: "b".repeat(10_000), sentAt: 1e13 }), RECEIVED);
    expect(sanitizeInbound(once, RECEIVED)).toEqual(once);
  });

  it("a 1,000-event POST goes to Convex in chunks of at most 50, in order", () => {
    const events: InboundEvent[] = Array.from({ length: 1000 }, (_, i) => message({ externalId: `2:${i}` }));
    const chunks = chunkEvents(events);
    expect(chunks).toHaveLength(1000 / INGEST_CHUNK_EVENTS);
    expect(chunks.flat()).toEqual(events);
  });

  it("big events are chunked by size too", () => {
    const events = Array.from({ length: 10 }, (_, i) => message({ externalId: `2:${i}`, text: "x".repeat(200_000) }));
    const chunks = chunkEvents(events);
    expect(chunks.every((c) => JSON.stringify(c).length < 600 * 1024)).toBe(true);
    expect(chunks.flat()).toHaveLength(10);
  });
});

describe("reading a body", () => {
  const streamOf = (parts: number, size: number) => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === parts) return controller.close();
        pulled += 1;
        controller.enqueue(new Uint8Array(size));
      },
    });
    return { stream, pulled: () => pulled };
  };

  it("stops reading as soon as the body passes the cap", async () => {
    const body = streamOf(1000, 64 * 1024);
    const req = new Request("http://x/", { method: "POST", body: body.stream, duplex: "half" } as RequestInit);
    await expect(readBodyCapped(req, 256 * 1024)).rejects.toThrow(BodyTooLargeError);
    expect(body.pulled()).toBeLessThan(10);
  });

  it("refuses a declared length over the cap without reading", async () => {
    const body = streamOf(1000, 64 * 1024);
    const req = new Request("http://x/", {
      method: "POST",
      body: body.stream,
      headers: { "content-length": String(300 * 1024 * 1024) },
      duplex: "half",
    } as RequestInit);
    await expect(readBodyCapped(req, 1024)).rejects.toThrow(/over the 1024-byte limit/);
    expect(body.pulled()).toBeLessThanOrEqual(1);
  });

  it("reads a body under the cap whole", async () => {
    const req = new Request("http://x/", { method: "POST", body: JSON.stringify({ a: "é".repeat(10) }) });
    expect(new TextDecoder().decode(await readBodyCapped(req, 1024))).toBe(JSON.stringify({ a: "é".repeat(10) }));
  });
});

describe("what a customer and an operator see of oversized or broken data", () => {
  it("a lone surrogate in a text is stored as U+FFFD, not refused", () => {
    const stored = sanitizeInbound(message({ text: "ok \uD83D then" }), RECEIVED) as InboundMessage;
    expect(stored.text).toBe("ok \uFFFD then");
  });

  it("the offline responder answers a 2 MB text with a short quote, not hundreds of messages", () => {
    const reply = offlineReply(["x".repeat(2_000_000), ...Array.from({ length: 30 }, (_, i) => `message ${i}`)]);
    expect(reply.length).toBeLessThan(4096); // one Telegram message
    expect(reply).toMatch(/… \(1999800 more characters\)/);
    expect(reply).toMatch(/… and 21 more\.$/);
  });

  it("the dashboard shows 'unknown time' for a time no calendar can show, and real times as usual", () => {
    expect(formatTime(Number("9".repeat(400)))).toBe("unknown time");
    expect(formatTime(Number.NaN)).toBe("unknown time");
    expect(formatTime(8.65e15)).toBe("unknown time"); // past the last date JavaScript can represent
    expect(formatTime(1e13)).toMatch(/\d/); // year 2286: odd, but a date
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("—");
  });
});
