/**
 * Archiving removes and restores rows of tables other modules own; this map
 * sends each operation to the owner's helper in convex/model/. Restored
 * fields come from a verified archive and are checked by the schema on
 * insert, hence the casts from plain records.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { ArchivedTable } from "../../lib/lifecycle/archive";
import { removeBatch, restoreBatch, relinkBatch } from "../model/batches";
import { removeMeeting, restoreMeeting } from "../model/meetings";
import { removeMessage, restoreMessage } from "../model/messages";
import { removeAction, restoreAction, relinkAction } from "../model/scheduledActions";

type RowOwner = {
  remove: (ctx: MutationCtx, id: string) => Promise<void>;
  restore: (ctx: MutationCtx, fields: Record<string, unknown>) => Promise<string>;
  relink?: (ctx: MutationCtx, id: string, patch: Record<string, string>) => Promise<void>;
};

export const ROW_OWNERS: Record<ArchivedTable, RowOwner> = {
  messages: { remove: (ctx, id) => removeMessage(ctx, id as Id<"messages">), restore: restoreMessage as unknown as RowOwner["restore"] },
  batches: { remove: (ctx, id) => removeBatch(ctx, id as Id<"batches">), restore: restoreBatch as unknown as RowOwner["restore"], relink: relinkBatch as unknown as RowOwner["relink"] },
  scheduledActions: { remove: (ctx, id) => removeAction(ctx, id as Id<"scheduledActions">), restore: restoreAction as unknown as RowOwner["restore"], relink: relinkAction as unknown as RowOwner["relink"] },
  meetings: { remove: (ctx, id) => removeMeeting(ctx, id as Id<"meetings">), restore: restoreMeeting as unknown as RowOwner["restore"] },
};
