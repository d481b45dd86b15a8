/** The channel registry: one adapter per channel. */
import type { Channel } from "../validators";
import type { ChannelAdapter } from "./adapter";
import { webAdapter } from "./web";

const notConnected = (channel: Channel): ChannelAdapter => ({
  async typing() {},
  async send() {
    return { ok: false, retryable: false, error: `The ${channel} channel is not connected in this build` };
  },
});

const adapters: Record<Channel, ChannelAdapter> = {
  web: webAdapter,
  telegram: notConnected("telegram"),
  messenger: notConnected("messenger"),
  instagram: notConnected("instagram"),
  whatsapp: notConnected("whatsapp"),
};

export function adapterFor(channel: Channel): ChannelAdapter {
  return adapters[channel];
}
