/**
 * The offline responder: answers when no ANTHROPIC_API_KEY is configured,
 * so the whole loop runs with no accounts. It says plainly what it is and
 * echoes every message of the burst, which also makes batching visible.
 */
export const OFFLINE_MODEL = "offline-responder";

/**
 * Each message is quoted up to this many characters, and at most this many
 * messages: the reply shows batching at work, and a 2 MB text must not come
 * back as hundreds of Telegram messages.
 */
export const OFFLINE_QUOTE_MAX_CHARS = 200;
export const OFFLINE_QUOTE_MAX_MESSAGES = 10;

function quote(text: string): string {
  const chars = Array.from(text); // whole emoji, not half surrogate pairs
  if (chars.length <= OFFLINE_QUOTE_MAX_CHARS) return text;
  return `${chars.slice(0, OFFLINE_QUOTE_MAX_CHARS).join("")}… (${chars.length - OFFLINE_QUOTE_MAX_CHARS} more characters)`;
}

export function offlineReply(burst: string[]): string {
  const count = burst.length;
  const heading =
    count === 1
      ? "Offline responder (no ANTHROPIC_API_KEY is set): I received your message:"
      : `Offline responder (no ANTHROPIC_API_KEY is set): I received your ${count} messages:`;
  const shown = burst.slice(0, OFFLINE_QUOTE_MAX_MESSAGES).map((text, i) => `${i + 1}. ${quote(text)}`);
  const more = count > OFFLINE_QUOTE_MAX_MESSAGES ? [`… and ${count - OFFLINE_QUOTE_MAX_MESSAGES} more.`] : [];
  return [heading, ...shown, ...more].join("\n");
}

export function offlineFollowup(note: string): string {
  return `Offline responder (no ANTHROPIC_API_KEY is set): following up as promised: ${note}`;
}
