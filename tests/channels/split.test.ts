import { describe, expect, it } from "vitest";
import { INSTAGRAM_TEXT_LIMIT, MESSENGER_TEXT_LIMIT } from "../../lib/channels/meta";
import { splitText, textSize } from "../../lib/channels/split";
import { TELEGRAM_TEXT_LIMIT } from "../../lib/channels/telegram";

const chars = (max: number) => ({ max, unit: "chars" as const });

describe("splitting a reply into parts", () => {
  it("a reply within the limit is sent whole, trimmed", () => {
    expect(splitText("  Hi Marta! Yes, we deliver to Valencia.\n", TELEGRAM_TEXT_LIMIT)).toEqual([
      "Hi Marta! Yes, we deliver to Valencia.",
    ]);
    expect(splitText("   \n ", TELEGRAM_TEXT_LIMIT)).toEqual([]);
  });

  it("cuts between paragraphs first, packing as many as fit", () => {
    const text = "First paragraph here.\n\nSecond one.\n\nThird paragraph, longer than the rest.";
    expect(splitText(text, chars(40))).toEqual([
      "First paragraph here.\n\nSecond one.",
      "Third paragraph, longer than the rest.",
    ]);
  });

  it("a long paragraph is cut between sentences, never mid-sentence when a sentence fits", () => {
    const text = "We open at ten. We close at six. On Sundays we open at noon! Holidays vary?";
    const parts = splitText(text, chars(34));
    expect(parts).toEqual(["We open at ten. We close at six.", "On Sundays we open at noon!", "Holidays vary?"]);
  });

  it("list lines stay whole", () => {
    const text = "Our stores:\n- Ruzafa, Carrer de Sueca 21\n- Benimaclet, Carrer d'Emili Baró 40";
    expect(splitText(text, chars(45))).toEqual([
      "Our stores:\n- Ruzafa, Carrer de Sueca 21",
      "- Benimaclet, Carrer d'Emili Baró 40",
    ]);
  });

  it("a sentence longer than the limit is cut between words", () => {
    const parts = splitText("alpha beta gamma delta epsilon zeta eta theta", chars(17));
    expect(parts).toEqual(["alpha beta gamma", "delta epsilon", "zeta eta theta"]);
  });

  it("an unbreakable run is cut without splitting a character", () => {
    const parts = splitText("😀".repeat(5), chars(4));
    expect(parts).toEqual(["😀😀", "😀😀", "😀"]);
  });

  it("no part exceeds the limit and no word is lost, on a long Messenger reply", () => {
    const sentence = "The Trail 2 helmet comes in S, M and L, and each size has two colours. ";
    const text = Array.from({ length: 8 }, () => sentence.repeat(6).trim()).join("\n\n");
    const parts = splitText(text, MESSENGER_TEXT_LIMIT);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(MESSENGER_TEXT_LIMIT.max);
    expect(parts.join(" ").split(/\s+/)).toEqual(text.split(/\s+/));
  });

  it("Instagram counts UTF-8 bytes: Cyrillic text splits at about half the characters", () => {
    const text = "Привет! Да, у нас есть красный велошлем в размере M. ".repeat(40).trim();
    const parts = splitText(text, INSTAGRAM_TEXT_LIMIT);
    for (const part of parts) {
      expect(textSize(part, "utf8-bytes")).toBeLessThanOrEqual(1000);
      expect(part.length).toBeLessThan(600);
    }
    expect(parts.join(" ")).toBe(text);
  });
});
