/** The channel registry: one adapter per channel. */
import type { Channel } from "../validators";
import type { ChannelAdapter } from "./adapter";
import { instagramAdapter } from "./instagram";
import { messengerAdapter } from "./messenger";
import { telegramAdapter } from "./telegram";
import { webAdapter } from "./web";
import { whatsappAdapter } from "./whatsapp";

const adapters: Record<Channel, ChannelAdapter> = {
  web: webAdapter,
  telegram: telegramAdapter,
  messenger: messengerAdapter,
  instagram: instagramAdapter,
  whatsapp: whatsappAdapter,
};

export function adapterFor(channel: Channel): ChannelAdapter {
  return adapters[channel];
}
