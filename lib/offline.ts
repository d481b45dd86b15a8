/**
 * The offline responder: answers when no ANTHROPIC_API_KEY is configured,
 * so the whole loop runs with no accounts. It says plainly what it is and
 * echoes every message of the burst, which also makes batching visible.
 */
export const OFFLINE_MODEL = "offline-responder";

export function offlineReply(burst: string[]): string {
  const count = burst.length;
  const heading =
    count === 1
      ? "Offline responder (no ANTHROPIC_API_KEY is set): I received your message:"
      : `Offline responder (no ANTHROPIC_API_KEY is set): I received your ${count} messages:`;
  return [heading, ...burst.map((text, i) => `${i + 1}. ${text}`)].join("\n");
}

export function offlineFollowup(note: string): string {
  return `Offline responder (no ANTHROPIC_API_KEY is set): following up as promised: ${note}`;
}
