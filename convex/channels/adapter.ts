/**
 * The channel adapter interface: how the batching core talks to a messaging
 * platform without knowing which one it is. Adapters run inside Convex
 * actions (they use `fetch`), read their credentials from `process.env`, and
 * never touch the database: the caller records what happened.
 */
import type { ChannelTarget } from "../validators";

export type { ChannelTarget };

export type SendResult =
  | {
      ok: true;
      /** Platform ids of the parts sent (a long reply may be split). */
      externalIds: string[];
    }
  | {
      ok: false;
      /** 429 / 5xx / network: try again later. 4xx: permanent, shown to the operator. */
      retryable: boolean;
      retryAfterMs?: number;
      error: string;
      /** Set when the platform refused because its reply window is closed. */
      blocked?: boolean;
      /** The request may have been delivered (timeout, dropped connection): never resend blindly. */
      unknownOutcome?: boolean;
      /**
       * With `unknownOutcome`: the platform echoes our sends with a marker
       * naming the message (Messenger's metadata), so its echo can confirm
       * delivery before a human is asked.
       */
      awaitEcho?: boolean;
    };

export type SendOptions = {
  /** Stable per outbound message: lets an adapter avoid a duplicate send on retry. */
  outboundKey: string;
  /** A human operator wrote this (Meta HUMAN_AGENT tag is allowed only then). */
  fromHuman?: boolean;
  /**
   * Buttons under the message (a survey's ratings), ordered low to high:
   * Telegram inline keyboard, Messenger/Instagram quick replies, WhatsApp
   * reply buttons (≤ 3) or a list (≤ 10 rows); the web chat shows them
   * from `webchat.thread`. A tap comes back as text carrying the payload.
   */
  choices?: { label: string; payload: string }[];
};

export interface ChannelAdapter {
  /** Shows "typing…" once; the caller re-sends it before it expires. */
  typing(target: ChannelTarget): Promise<void>;
  send(target: ChannelTarget, text: string, options: SendOptions): Promise<SendResult>;
  /** Telegram only: stop the spinner on a pressed inline button. */
  answerCallback?(callbackQueryId: string): Promise<void>;
}
