import { describe, expect, it } from "vitest";
import { parseSurveyAnswer, surveyChoices } from "../../lib/analytics/survey";
import { normalizeWhatsAppWebhook, whatsappInteractive } from "../../lib/channels/whatsapp";
import { DEFAULT_SETTINGS } from "../../lib/settings";
import { fixture } from "./fakes";

const PHONE_NUMBER_ID = "109876543210987";
const CUSTOMER = "34611222333";
const normalize = (path: string) => normalizeWhatsAppWebhook(fixture(`whatsapp/${path}`));

describe("WhatsApp messages", () => {
  it("a text becomes a message on the business number from the customer's wa_id, with their profile name", () => {
    expect(normalize("text.json")).toEqual({
      events: [
        {
          kind: "message",
          channel: "whatsapp",
          accountId: PHONE_NUMBER_ID,
          chatId: CUSTOMER,
          externalId: "wamid.HBgLMzQ2MTEyMjIzMzMVAgASGBQzQUIxQzJEM0U0RjVBNkI3QzhEO0AA==",
          sender: { externalId: CUSTOMER, displayName: "Lucía Ferrer" },
          text: "Buenas! Can I change the delivery address for order NW-55120?",
          attachments: [],
          sentAt: 1_790_004_000_000,
        },
      ],
      ignored: 0,
      skipped: [],
    });
  });

  it("two messages in one change stay in order", () => {
    const { events } = normalize("burst_two_messages.json");
    expect(events.map((e) => e.kind === "message" && e.text)).toEqual(["also", "can you deliver after 18:00?"]);
  });

  it("media become attachments, a voice note is a voice, captions become text", () => {
    const { events } = normalize("media.json");
    const parts = events.map((e) => (e.kind === "message" ? { text: e.text, attachments: e.attachments } : null));
    expect(parts).toEqual([
      { text: "This is the scratch", attachments: [{ kind: "photo", ref: "1094837261554433", mimeType: "image/jpeg" }] },
      { text: "", attachments: [{ kind: "voice", ref: "2093847561112233", mimeType: "audio/ogg; codecs=opus" }] },
      {
        text: "",
        attachments: [
          { kind: "document", caption: "receipt-NW-55120.pdf", ref: "3192837465011122", mimeType: "application/pdf" },
        ],
      },
      { text: "", attachments: [{ kind: "sticker", ref: "4182736455001122", mimeType: "image/webp" }] },
      {
        text: "",
        attachments: [
          { kind: "location", caption: "Mercado Central, Plaça de la Ciutat de Bruges, Valencia (39.4738, -0.3756)" },
        ],
      },
      { text: "", attachments: [{ kind: "contact", caption: "Pau Martí +34 622 333 444" }] },
      { text: "", attachments: [{ kind: "video", ref: "5172635444990011", mimeType: "video/mp4" }] },
    ]);
  });

  it("button and list replies read as what the customer tapped", () => {
    const { events } = normalize("interactive.json");
    expect(events.map((e) => e.kind === "message" && e.text)).toEqual([
      "Tomorrow morning (slot_tomorrow_am)",
      "Ruzafa store (store_ruzafa)",
      "Confirm (CONFIRM_PICKUP)",
    ]);
  });

  it("the CSAT question is the documented list shape, and a tap on one of its rows reads as that rating", () => {
    const request = fixture<{ interactive: unknown }>("whatsapp/survey_list_request.json");
    expect(whatsappInteractive(DEFAULT_SETTINGS.csatQuestionEn, surveyChoices("csat"))).toEqual(request.interactive);
    const [tap] = normalize("survey_list_reply.json").events;
    expect(tap).toMatchObject({ kind: "message", text: "4 (csat:4)" });
    expect(parseSurveyAnswer(tap!.kind === "message" ? tap!.text : "", "csat")).toEqual({ rating: 4 });
    // A title of a full row's 24 characters is still a tap, and the payload decides the rating.
    expect(parseSurveyAnswer("Excellent, thank you! (csat:5)", "csat")).toEqual({ rating: 5 });
  });

  it("a reaction names the reacted message", () => {
    expect(normalize("reaction.json").events[0]).toMatchObject({
      kind: "reaction",
      externalId: "wamid.HBgLMzQ2MTEyMjIzMzMVAgARGBJCOTk4N0Q2QzVCNEEzMjFGMDAA",
      emoji: "🙏",
      sender: { externalId: CUSTOMER, displayName: "Lucía Ferrer" },
    });
  });

  it("an unsupported message is stored as such, so a person can look at it on the phone", () => {
    expect(normalize("unsupported.json").events).toEqual([
      expect.objectContaining({ kind: "message", text: "", attachments: [expect.objectContaining({ kind: "other", caption: expect.stringMatching(/^unsupported message/) })] }),
    ]);
  });
});

describe("WhatsApp statuses", () => {
  it("'sent' is ignored; delivered and read become statuses in ms", () => {
    const { events, ignored } = normalize("statuses.json");
    expect(ignored).toBe(1);
    expect(events).toEqual([
      {
        kind: "status",
        channel: "whatsapp",
        accountId: PHONE_NUMBER_ID,
        chatId: CUSTOMER,
        externalId: "wamid.HBgLMzQ2MTEyMjIzMzMVAgARGBJCOTk4N0Q2QzVCNEEzMjFGMDAA",
        status: "delivered",
        at: 1_790_004_502_000,
      },
      expect.objectContaining({ status: "read", at: 1_790_004_530_000 }),
    ]);
  });

  it("a failure carries the platform's code and reason", () => {
    expect(normalize("status_failed.json").events[0]).toMatchObject({
      kind: "status",
      status: "failed",
      error: expect.stringMatching(/^131047: Re-engagement message: .*24 hours/),
    });
  });

  it("other webhook fields (template reviews) are ignored", () => {
    expect(normalize("template_status_update.json")).toEqual({ events: [], ignored: 1, skipped: [] });
  });
});

describe("malformed WhatsApp bodies", () => {
  it("a message without an id is skipped with its path while its sibling is stored", () => {
    const body = fixture<{ entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] }>(
      "whatsapp/burst_two_messages.json",
    );
    delete body.entry[0]!.changes[0]!.value.messages[0]!.id;
    const result = normalizeWhatsAppWebhook(body);
    expect(result.events).toHaveLength(1);
    expect(result.skipped).toEqual([expect.stringMatching(/entry\[0\]\.changes\[0\]\.value\.messages\[0\]\.id/)]);
  });

  it("a Messenger body sent to the WhatsApp webhook is refused", () => {
    expect(() => normalizeWhatsAppWebhook(fixture("messenger/text.json"))).toThrow(/expected "whatsapp_business_account"/);
  });
});
