import type { ChannelAdapter } from "./adapter";

/**
 * The built-in web chat. The visitor's page reads the conversation live, so
 * the stored message is the delivery and the conversation state is the
 * typing indicator: nothing to call.
 */
export const webAdapter: ChannelAdapter = {
  async typing() {},
  async send(_target, _text, { outboundKey }) {
    return { ok: true, externalIds: [`web:${outboundKey}`] };
  },
};
