/**
 * Platform reply windows: Messenger, Instagram and WhatsApp allow free-form
 * messages only within 24 h of the customer's last message. A human agent
 * on Messenger/Instagram may answer for 7 days (HUMAN_AGENT tag). Telegram
 * and the web chat have no window. Pure.
 */
import type { Channel } from "../../convex/validators";
import { DAY, HOUR } from "../time";

const STANDARD_WINDOW_MS = 24 * HOUR;
const HUMAN_AGENT_WINDOW_MS = 7 * DAY;

export type WindowCheck = { open: true } | { open: false; reason: string };

export function replyWindow(channel: Channel, lastInboundAt: number, now: number, fromHuman = false): WindowCheck {
  if (channel === "telegram" || channel === "web") return { open: true };
  const humanTagged = fromHuman && (channel === "messenger" || channel === "instagram");
  const limit = humanTagged ? HUMAN_AGENT_WINDOW_MS : STANDARD_WINDOW_MS;
  if (now - lastInboundAt <= limit) return { open: true };
  const hours = Math.floor((now - lastInboundAt) / HOUR);
  const rule =
    channel === "whatsapp"
      ? "WhatsApp allows only approved templates after 24 h"
      : humanTagged
        ? "a human agent may answer for 7 days"
        : `${channel === "messenger" ? "Messenger" : "Instagram"} allows automated messages only within 24 h`;
  return { open: false, reason: `The customer last wrote ${hours} h ago; ${rule}.` };
}
