/** Owner of the `contacts` table: one person on one channel. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { contactSearchName } from "../../lib/contacts";
import type { InboundMessage } from "../validators";

/** The sender of an inbound message (or the customer a human echo went to), created on first contact. */
export async function upsertContact(
  ctx: MutationCtx,
  event: Pick<InboundMessage, "channel" | "accountId" | "sender">,
): Promise<Doc<"contacts">> {
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
    searchName: contactSearchName(event.sender),
  };
  return { _id: await ctx.db.insert("contacts", fields), _creationTime: Date.now(), ...fields };
}

/** The customer's time zone for follow-up times; undefined uses the business's. */
export async function setTimeZone(ctx: MutationCtx, contactId: Id<"contacts">, timeZone: string | undefined) {
  await ctx.db.patch("contacts", contactId, { timeZone });
}

/** Contacts given a `searchName` per backfill run. */
export const SEARCH_NAME_BACKFILL_PAGE = 200;

/**
 * Contacts stored before `searchName` existed get it written (the local
 * runtime's contact search fails on a contact without it). Returns how
 * many were written; with none left it reads an empty index range.
 */
export async function backfillSearchNames(ctx: MutationCtx): Promise<number> {
  const page = await ctx.db
    .query("contacts")
    .withIndex("by_search_name", (q) => q.eq("searchName", undefined))
    .take(SEARCH_NAME_BACKFILL_PAGE);
  for (const contact of page) await ctx.db.patch("contacts", contact._id, { searchName: contactSearchName(contact) });
  return page.length;
}
