/**
 * CSAT and NPS surveys (docs/analytics.md, "Surveys"). The question goes
 * out as an ordinary outbound message (recordOutbound → outbound.deliverLater,
 * the path every reply takes); the answer is read by ingest
 * (`noteSurveyAnswer`) and recorded as events, never answered by the bot.
 * Owns `pendingSurvey` on conversations and `lastNpsAt` on contacts.
 */
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { chooseSurvey, surveyLanguage, surveyQuestion, type SurveyAnswer, type SurveyKind } from "../../lib/analytics/survey";
import { replyWindow } from "../../lib/channels/window";
import type { Settings } from "../../lib/settings";
import { recordEvent } from "./analytics";
import { recordOutbound } from "./messages";

/**
 * The conversation is being resolved at `now`: sends the survey the
 * settings ask for, if the channel's reply window is open. Returns the
 * fields to add to the resolving patch (the pending survey), so the
 * conversation is written once.
 */
export async function surveyOnResolve(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  now: number,
  settings: Settings,
): Promise<Pick<Partial<Doc<"conversations">>, "pendingSurvey">> {
  if (!settings.csatSurveyEnabled && !settings.npsSurveyEnabled) return {};
  if (!replyWindow(conversation.channel, conversation.lastInboundAt, now).open) return {};
  const contact = settings.npsSurveyEnabled ? await ctx.db.get("contacts", conversation.contactId) : null;
  const kind = chooseSurvey(settings, contact?.lastNpsAt, now);
  if (!kind) return {};
  const text = surveyQuestion(settings, kind, surveyLanguage(conversation.lastCustomerText));
  const messageId = await recordOutbound(ctx, conversation, { text, author: "agent", survey: kind });
  await ctx.scheduler.runAfter(0, internal.outbound.deliverLater, { messageId });
  if (kind === "nps" && contact) await ctx.db.patch("contacts", contact._id, { lastNpsAt: now });
  return { pendingSurvey: { kind, sentAt: now, messageId } };
}

/**
 * Ingest: the customer's message answers the pending survey. Records the
 * rating and, with a comment, the feedback: two inserts at most (ingest's
 * own budget counts them; see docs/analytics.md).
 */
export async function recordSurveyAnswer(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  answer: SurveyAnswer & { kind: SurveyKind },
  now: number,
  settings: Pick<Settings, "analyticsEnabled">,
) {
  const common = {
    at: now,
    channel: conversation.channel,
    accountId: conversation.accountId,
    contactId: conversation.contactId,
    conversationId: conversation._id,
    kind: answer.kind,
    value: answer.rating,
  };
  const sentAt = conversation.pendingSurvey?.sentAt;
  await recordEvent(ctx, { type: "satisfaction.rating_received", ...common, ...(sentAt !== undefined ? { durationMs: Math.max(0, now - sentAt) } : {}) }, settings);
  if (answer.comment) {
    await recordEvent(ctx, { type: "satisfaction.feedback_received", ...common, metadata: { comment: answer.comment } }, settings);
  }
}
