import { SECOND } from "../time";
import type { Channel } from "../../convex/validators";

/**
 * How often the typing heartbeat re-sends the channel's typing action, or
 * null when the channel has none to send (web chat shows typing from the
 * conversation state itself).
 */
export const TYPING_REFRESH_MS: Record<Channel, number | null> = {
  telegram: 4 * SECOND, // Telegram clears "typing" after 5 s
  messenger: 15 * SECOND, // typing_on lasts about 20 s
  instagram: 15 * SECOND, // same Send API as Messenger
  whatsapp: 20 * SECOND, // the indicator is dismissed after 25 s
  web: null,
};
