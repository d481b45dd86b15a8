import { describe, expect, it } from "vitest";
import { normalizeMetaWebhook } from "../../lib/channels/meta";
import { fixture } from "./fakes";

const PAGE = "231045678901234";
const PSID = "6543210987654321";
const messenger = (path: string, ownAppId?: string) =>
  normalizeMetaWebhook(fixture(`messenger/${path}`), { channel: "messenger", ownAppId });
const instagram = (path: string) => normalizeMetaWebhook(fixture(`instagram/${path}`), { channel: "instagram" });

describe("Messenger messages", () => {
  it("a text becomes a message from the PSID to the Page, keyed by mid, time already in ms", () => {
    expect(messenger("text.json")).toEqual({
      events: [
        {
          kind: "message",
          channel: "messenger",
          accountId: PAGE,
          chatId: PSID,
          externalId:
            "m_Kq3vX8tPz1LwB6nHc0RfYd2Ga9Ue5Ij7Ms4Oa1Tb8Vc3Xe6Zg0Ah2Cj5El8Fn1Gp4Hr7Is0Ku3Lw6Mx9Ny2Oz5Pa8Qb1Rc4Sd7",
          sender: { externalId: PSID },
          text: "Hi! Is the Trail 2 helmet back in stock?",
          attachments: [],
          sentAt: 1_790_001_000_377,
        },
      ],
      ignored: 0,
      skipped: [],
    });
  });

  it("three entries in one POST become three messages in order", () => {
    const { events } = messenger("burst_3_entries.json");
    expect(events.map((e) => e.kind === "message" && e.text)).toEqual([
      "hello",
      "do you fix hydraulic brakes?",
      "Shimano, not SRAM",
    ]);
  });

  it("a quick reply shows what the customer tapped and the payload behind it", () => {
    expect(messenger("quick_reply.json").events[0]).toMatchObject({ text: "Pick up in store (DELIVERY_PICKUP)" });
  });

  it("attachments keep their kind and URL", () => {
    expect(messenger("attachments.json").events[0]).toMatchObject({
      text: "",
      attachments: [
        { kind: "photo", ref: expect.stringContaining("481516234_9001_n.jpg") },
        { kind: "document", ref: expect.stringContaining("receipt-NW-55120.pdf") },
        { kind: "audio", ref: expect.stringContaining("audioclip.mp4") },
      ],
    });
  });

  it("a sticker sent both the old way and the new way counts once (the like button reads 👍)", () => {
    expect(messenger("sticker.json").events[0]).toMatchObject({
      attachments: [{ kind: "sticker", caption: "👍" }],
    });
  });

  it("a postback reads as the button title with its payload", () => {
    expect(messenger("postback.json").events[0]).toMatchObject({
      kind: "message",
      externalId: expect.stringMatching(/^m_PoStBaCk/),
      text: "Track my order (TRACK_ORDER)",
    });
  });

  it("an edit points at the original mid", () => {
    expect(messenger("message_edit.json").events[0]).toEqual({
      kind: "edit",
      channel: "messenger",
      accountId: PAGE,
      chatId: PSID,
      externalId:
        "m_Kq3vX8tPz1LwB6nHc0RfYd2Ga9Ue5Ij7Ms4Oa1Tb8Vc3Xe6Zg0Ah2Cj5El8Fn1Gp4Hr7Is0Ku3Lw6Mx9Ny2Oz5Pa8Qb1Rc4Sd7",
      text: "Hi! Is the Trail 2 helmet back in stock in M?",
      attachments: [],
      editedAt: 1_790_002_000_430,
    });
  });
});

describe("Messenger echoes", () => {
  it("our own send (metadata marker) becomes only a confirmation of that send, with no text to store", () => {
    expect(messenger("echo_ours.json").events).toEqual([
      expect.objectContaining({ kind: "echo", text: "", ownSendKey: "k17f3m2q9x8c4v5b6n7m8a9s0d1f2g3h" }),
    ]);
  });

  it("our own send is also recognised by app id when META_APP_ID is configured", () => {
    const body = fixture<{ entry: { messaging: { message: { metadata?: string } }[] }[] }>("messenger/echo_ours.json");
    delete body.entry[0]!.messaging[0]!.message.metadata;
    expect(normalizeMetaWebhook(body, { channel: "messenger" }).events).toHaveLength(1);
    expect(normalizeMetaWebhook(body, { channel: "messenger", ownAppId: "884422115566001" }).events).toEqual([]);
  });

  it("a person answering from the Page inbox is an echo to the customer's chat", () => {
    expect(messenger("echo_human.json", "884422115566001").events).toEqual([
      {
        kind: "echo",
        channel: "messenger",
        accountId: PAGE,
        chatId: PSID,
        externalId: expect.stringMatching(/^m_EcHoHuMaN/),
        text: "Hi, this is Carla from the shop. I'll hold one for you until Friday.",
        sentAt: 1_790_001_600_288,
      },
    ]);
  });
});

describe("Messenger receipts and reactions", () => {
  it("a delivery with two mids is two delivered statuses", () => {
    const { events } = messenger("delivery.json");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      kind: "status",
      status: "delivered",
      chatId: PSID,
      externalId: expect.stringMatching(/^m_EcHoOuRs/),
      watermark: 1_790_001_500_122,
    });
    expect(events[1]).toMatchObject({ externalId: expect.stringMatching(/^m_SeCoNdPaRt/) });
  });

  it("a read receipt carries the watermark", () => {
    expect(messenger("read.json").events).toEqual([
      {
        kind: "status",
        channel: "messenger",
        accountId: PAGE,
        chatId: PSID,
        status: "read",
        watermark: 1_790_001_500_122,
        at: 1_790_001_800_012,
      },
    ]);
  });

  it("a reaction names the reacted message; taking it back leaves the emoji empty", () => {
    expect(messenger("reaction.json").events[0]).toMatchObject({
      kind: "reaction",
      externalId: expect.stringMatching(/^m_EcHoOuRs/),
      emoji: "❤",
      sender: { externalId: PSID },
    });
    expect(messenger("unreact.json").events[0]).toMatchObject({ kind: "reaction", emoji: "" });
  });

  it("standby events (another app owns the thread) and opt-ins are ignored", () => {
    expect(messenger("standby.json")).toEqual({ events: [], ignored: 1, skipped: [] });
    expect(messenger("optin.json")).toEqual({ events: [], ignored: 1, skipped: [] });
  });
});

describe("Instagram", () => {
  const IG = "17841412345678901";
  const IGSID = "9876543210123456";

  it("a DM becomes a message from the IGSID to the IG account", () => {
    expect(instagram("text.json").events[0]).toMatchObject({
      kind: "message",
      channel: "instagram",
      accountId: IG,
      chatId: IGSID,
      text: "Hola! ¿Tenéis el maillot rojo en talla M?",
    });
  });

  it("a story reply keeps a pointer to the story", () => {
    expect(instagram("story_reply.json").events[0]).toMatchObject({
      text: "Where is this trail?",
      attachments: [{ kind: "other", caption: "reply to a story", ref: expect.stringContaining("asset_id=18042233445566778") }],
    });
  });

  it("a reply typed in the Instagram app is an echo", () => {
    expect(instagram("echo_human.json").events[0]).toMatchObject({
      kind: "echo",
      chatId: IGSID,
      text: "¡Sí! Te lo guardamos hasta el viernes.",
    });
  });

  it("messaging_seen names the message that was seen", () => {
    expect(instagram("seen.json").events[0]).toMatchObject({
      kind: "status",
      status: "read",
      externalId: expect.stringMatching(/^aWdf/),
    });
  });

  it("reactions are recorded and unsent messages ignored", () => {
    expect(instagram("reaction.json").events[0]).toMatchObject({ kind: "reaction", emoji: "❤️" });
    expect(instagram("deleted.json")).toEqual({ events: [], ignored: 1, skipped: [] });
  });
});

describe("malformed Meta bodies", () => {
  it("a body for the other product is refused, naming both objects", () => {
    expect(() => normalizeMetaWebhook(fixture("instagram/text.json"), { channel: "messenger" })).toThrow(
      /object is "instagram", expected "page"/,
    );
  });

  it("a message without a mid is skipped with its path while the other events of the POST still count", () => {
    const body = fixture<{ entry: { messaging: { message: Record<string, unknown> }[] }[] }>("messenger/burst_3_entries.json");
    delete body.entry[1]!.messaging[0]!.message.mid;
    const result = normalizeMetaWebhook(body, { channel: "messenger" });
    expect(result.events.map((e) => e.kind === "message" && e.text)).toEqual(["hello", "Shimano, not SRAM"]);
    expect(result.skipped).toEqual([expect.stringMatching(/entry\[1\]\.messaging\[0\]\.message\.mid/)]);
  });

  it("a body without entries is refused", () => {
    expect(() => normalizeMetaWebhook({ object: "page" }, { channel: "messenger" })).toThrow(/entry/);
  });
});
