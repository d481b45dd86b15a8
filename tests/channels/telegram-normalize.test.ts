import { describe, expect, it } from "vitest";
import { normalizeTelegramUpdate, telegramBotIdFromToken, type TelegramBot } from "../../lib/channels/telegram";
import { WebhookParseError } from "../../lib/webhooks/normalize";
import { fixture } from "./fakes";

const bot: TelegramBot = { botId: "5551234567", botUsername: "northwind_help_bot" };
const NOW = 1_790_000_999_000;
const normalize = (body: unknown, b = bot) => normalizeTelegramUpdate(body, b, NOW);
const only = (body: unknown, b = bot) => {
  const { events } = normalize(body, b);
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe("Telegram private chats", () => {
  it("a customer's text becomes one message keyed by chat and message id, time in ms", () => {
    expect(only(fixture("telegram/private_text.json"))).toEqual({
      kind: "message",
      channel: "telegram",
      accountId: "5551234567",
      chatId: "7012233445",
      externalId: "7012233445:2201",
      sender: { externalId: "7012233445", displayName: "Marta Ruiz", username: "marta_rz", languageCode: "es" },
      text: "Hola! Do you deliver to Valencia?",
      attachments: [],
      sentAt: 1_790_000_000_000,
      chatType: "private",
      addressedToBot: true,
    });
  });

  it("a burst arrives as separate updates that keep their order and distinct ids", () => {
    const updates = fixture<unknown[]>("telegram/private_burst.json");
    const events = updates.flatMap((u) => normalize(u).events);
    expect(events.map((e) => e.kind === "message" && e.text)).toEqual(["Hey", "do you have the Trail 2 helmet?", "size M"]);
    expect(new Set(events.map((e) => e.externalId)).size).toBe(3);
  });

  it("a photo keeps its caption as the text and only the largest size", () => {
    const event = only(fixture("telegram/photo_caption.json"));
    expect(event).toMatchObject({
      kind: "message",
      text: "The brake lever came bent, order NW-55120",
      attachments: [{ kind: "photo", ref: "AgACAgIAAxkBAAIIlGclargeQx3" }],
    });
  });

  it("an edit points at the original message and carries the edit time", () => {
    expect(only(fixture("telegram/edited_message.json"))).toEqual({
      kind: "edit",
      channel: "telegram",
      accountId: "5551234567",
      chatId: "7012233445",
      externalId: "7012233445:2201",
      text: "Hola! Do you deliver to Valencia and Alicante?",
      attachments: [],
      editedAt: 1_790_000_042_000,
    });
  });

  it("a button press reads as a message with the button data, to be acknowledged by its query id", () => {
    expect(only(fixture("telegram/callback_query.json"))).toMatchObject({
      kind: "message",
      chatId: "7012233445",
      externalId: "cb:3019283746501928374",
      text: "size:M",
      callbackQueryId: "3019283746501928374",
      sentAt: NOW,
      addressedToBot: true,
    });
  });

  it("each kind of attachment is described for the model", () => {
    const media = fixture<Record<string, unknown>>("telegram/media.json");
    const attachmentsOf = (key: string) => {
      const event = only(media[key]);
      return event.kind === "message" ? { text: event.text, attachments: event.attachments } : null;
    };
    expect(attachmentsOf("voice")).toEqual({
      text: "",
      attachments: [{ kind: "voice", ref: "AwACAgIAAxkBAAIIoGcvoice01", mimeType: "audio/ogg" }],
    });
    expect(attachmentsOf("audio")?.attachments[0]).toMatchObject({ kind: "audio", caption: "Los Ciclistas – Ruta del Sol" });
    expect(attachmentsOf("video")).toMatchObject({ text: "Hear the wobble?", attachments: [{ kind: "video", caption: "wobble.mp4" }] });
    expect(attachmentsOf("sticker")?.attachments).toEqual([{ kind: "sticker", caption: "👍", ref: "CAACAgIAAxkBAAIIo2csticker01" }]);
    expect(attachmentsOf("document")?.attachments[0]).toMatchObject({
      kind: "document",
      caption: "invoice-NW-55120.pdf",
      mimeType: "application/pdf",
    });
    // A GIF also fills `document`; the customer sent one thing.
    expect(attachmentsOf("animation")?.attachments).toEqual([
      { kind: "video", caption: "GIF", ref: "CgACAgIAAxkBAAIIpWcgif01", mimeType: "video/mp4" },
    ]);
    expect(attachmentsOf("location")?.attachments).toEqual([{ kind: "location", caption: "39.469907, -0.376288" }]);
    expect(attachmentsOf("contact")?.attachments).toEqual([{ kind: "contact", caption: "Lucía Ferrer +34611222333" }]);
  });

  it("a reaction names the reacted message and the emoji", () => {
    expect(only(fixture("telegram/message_reaction.json"))).toEqual({
      kind: "reaction",
      channel: "telegram",
      accountId: "5551234567",
      chatId: "7012233445",
      externalId: "7012233445:2231",
      emoji: "❤",
      sender: { externalId: "7012233445", displayName: "Marta Ruiz", username: "marta_rz", languageCode: "es" },
      at: 1_790_000_900_000,
    });
  });
});

describe("Telegram groups", () => {
  it("an @mention of the bot is addressed to it", () => {
    expect(only(fixture("telegram/group_mention.json"))).toMatchObject({
      chatType: "group",
      chatId: "-1001987654321",
      addressedToBot: true,
    });
  });

  it("chatter that mentions someone else is recorded but not addressed", () => {
    expect(only(fixture("telegram/group_chatter.json"))).toMatchObject({ chatType: "group", addressedToBot: false });
  });

  it("a reply to the bot's message is addressed to it", () => {
    expect(only(fixture("telegram/group_reply_to_bot.json"))).toMatchObject({ addressedToBot: true });
  });

  it("a /command for this bot is addressed; one for another bot is not", () => {
    expect(only(fixture("telegram/group_command.json"))).toMatchObject({ addressedToBot: true });
    expect(only(fixture("telegram/group_command_other_bot.json"))).toMatchObject({ addressedToBot: false });
  });

  it("without the bot's username a mention cannot be recognised, but a reply still is", () => {
    const anonymous = { botId: "5551234567" };
    expect(only(fixture("telegram/group_mention.json"), anonymous)).toMatchObject({ addressedToBot: false });
    expect(only(fixture("telegram/group_reply_to_bot.json"), anonymous)).toMatchObject({ addressedToBot: true });
  });

  it("a forum topic's id comes along as the thread, and the topic's creation is no reply to the bot", () => {
    expect(only(fixture("telegram/forum_topic.json"))).toMatchObject({ threadId: "877", addressedToBot: true });
    const unmentioned = fixture<{ message: { text: string; entities?: unknown } }>("telegram/forum_topic.json");
    unmentioned.message.text = "how long do refunds take?";
    delete unmentioned.message.entities;
    expect(only(unmentioned)).toMatchObject({ threadId: "877", addressedToBot: false });
  });

  it("a reply thread in a plain supergroup is not a topic, so no thread id", () => {
    const event = only(fixture("telegram/supergroup_reply_thread.json"));
    expect(event).toMatchObject({ kind: "message", addressedToBot: true });
    expect(event.kind === "message" && event.threadId).toBeUndefined();
  });
});

describe("Telegram Business", () => {
  it("a customer's message carries the business connection to answer through", () => {
    expect(only(fixture("telegram/business_message.json"))).toMatchObject({
      kind: "message",
      chatId: "6098765432",
      externalId: "6098765432:318",
      text: "Здравствуйте! Можно забрать заказ сегодня?",
      businessConnectionId: "BQADxkMAAq9dEwAAhVL3ZyqfF0c",
    });
  });

  it("the owner answering from their own app is an echo (a human took over)", () => {
    expect(only(fixture("telegram/business_message_owner.json"))).toEqual({
      kind: "echo",
      channel: "telegram",
      accountId: "5551234567",
      chatId: "6098765432",
      externalId: "6098765432:319",
      text: "Да, до 19:00 на Ленина 12.",
      sentAt: 1_790_000_530_000,
    });
  });

  it("the bot's own message sent on the owner's behalf is ignored", () => {
    expect(normalize(fixture("telegram/business_message_ours.json"))).toEqual({ events: [], ignored: 1, skipped: [] });
  });
});

describe("Telegram updates we do not handle", () => {
  it("membership changes and service messages are ignored", () => {
    expect(normalize(fixture("telegram/my_chat_member.json"))).toEqual({ events: [], ignored: 1, skipped: [] });
    expect(normalize(fixture("telegram/new_chat_members.json"))).toEqual({ events: [], ignored: 1, skipped: [] });
  });

  it("a malformed update is rejected with the path at fault", () => {
    const broken = fixture<{ message: Record<string, unknown> }>("telegram/private_text.json");
    delete broken.message.chat;
    expect(() => normalize(broken)).toThrow(WebhookParseError);
    expect(() => normalize(broken)).toThrow(/message\.chat/);
    expect(() => normalize({ hello: "world" })).toThrow(/update_id/);
    expect(() => normalize([1, 2])).toThrow(WebhookParseError);
  });
});

describe("bot identity", () => {
  it("the bot id is the token's numeric prefix", () => {
    expect(telegramBotIdFromToken("5551234567:AAHk3v9Qw_Zx-7LmN0pRsTuVwXyZ12345ab")).toBe("5551234567");
    expect(telegramBotIdFromToken("not-a-token")).toBeUndefined();
  });
});
