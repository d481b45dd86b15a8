/**
 * The Messenger Send API adapter shared by Messenger and Instagram: same
 * typing action, same paced multi-part sends; they differ in credentials,
 * text limit and whether sends can carry our metadata marker.
 */
import type { ChannelAdapter } from "./adapter";
import { isFailure, logTypingFailure, sendInParts, type HttpDeps, type SendFailure } from "../../lib/channels/http";
import { splitText, type TextLimit } from "../../lib/channels/split";
import { META_PART_GAP_MS, sendMetadata, sendMetaSenderAction, sendMetaText, type MetaSendConfig } from "../../lib/channels/meta";

export function createMetaAdapter(options: {
  name: "messenger" | "instagram";
  /** Credentials for the business account (Page or Instagram account) a conversation belongs to. */
  config: (deps: HttpDeps, accountId: string) => MetaSendConfig | SendFailure;
  limit: TextLimit;
  /** Messenger echoes carry it back, so our own sends are recognised; Instagram documents none. */
  markSends: boolean;
  deps: HttpDeps;
}): ChannelAdapter {
  const { name, config: configFor, limit, markSends, deps } = options;
  return {
    async typing(target) {
      const config = configFor(deps, target.accountId);
      logTypingFailure(name, isFailure(config) ? config : await sendMetaSenderAction(config, target.chatId, "typing_on"));
    },
    async send(target, text, { outboundKey, fromHuman, choices }) {
      const config = configFor(deps, target.accountId);
      if (isFailure(config)) return config;
      const metadata = markSends ? sendMetadata(outboundKey) : undefined;
      const parts = splitText(text, limit);
      const result = await sendInParts(
        parts,
        // Quick replies go under the last part, where the question ends.
        (part, i) => sendMetaText(config, target.chatId, part, { fromHuman, metadata, ...(i === parts.length - 1 && choices?.length ? { quickReplies: choices } : {}) }),
        { gapMs: META_PART_GAP_MS, sleep: deps.sleep },
      );
      // Both echo our sends: a lost answer can be confirmed by the echo (Messenger's names the
      // message by our marker; Instagram's is matched by the reply's text, convex/ingest.ts).
      return !result.ok && result.unknownOutcome ? { ...result, awaitEcho: true } : result;
    },
  };
}
