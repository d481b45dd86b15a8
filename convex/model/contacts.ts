/** Owner of the `contacts` table: one person on one channel. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { InboundMessage } from "../validators";

/** The sender of an inbound message, created on first contact. */
export async function upsertContact(ctx: MutationCtx, event: InboundMessage): Promise<Doc<"contacts">> {
  const found = await ctx.db
    .query("contacts")
    .withIndex("by_channel_and_account_and_external_id", (q) =>
      q.eq("channel", event.channel).eq("accountId", event.accountId).eq("externalId", event.sender.externalId),
    )
    .unique();
  if (found) return found;
  const fields = {
    channel: event.channel,
    accountId: event.accountId,
    externalId: event.sender.externalId,
    displayName: event.sender.displayName,
    username: event.sender.username,
    languageCode: event.sender.languageCode,
  };
  return { _id: await ctx.db.insert("contacts", fields), _creationTime: Date.now(), ...fields };
}

/** The customer's time zone for follow-up times; undefined uses the business's. */
export async function setTimeZone(ctx: MutationCtx, contactId: Id<"contacts">, timeZone: string | undefined) {
  await ctx.db.patch("contacts", contactId, { timeZone });
}
