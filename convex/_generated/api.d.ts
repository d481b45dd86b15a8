/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as agent_claude from "../agent/claude.js";
import type * as agent_context from "../agent/context.js";
import type * as agent_respond from "../agent/respond.js";
import type * as agent_tools from "../agent/tools.js";
import type * as analytics_metrics from "../analytics/metrics.js";
import type * as analytics_queries from "../analytics/queries.js";
import type * as analytics_reports from "../analytics/reports.js";
import type * as analytics_retention from "../analytics/retention.js";
import type * as analytics_rollup from "../analytics/rollup.js";
import type * as analytics_tuner from "../analytics/tuner.js";
import type * as analyticsApi from "../analyticsApi.js";
import type * as apiKeys from "../apiKeys.js";
import type * as auditLog from "../auditLog.js";
import type * as auth from "../auth.js";
import type * as batching_batch from "../batching/batch.js";
import type * as batching_tick from "../batching/tick.js";
import type * as batching_watchdog from "../batching/watchdog.js";
import type * as channels_actions from "../channels/actions.js";
import type * as channels_adapter from "../channels/adapter.js";
import type * as channels_index from "../channels/index.js";
import type * as channels_instagram from "../channels/instagram.js";
import type * as channels_messenger from "../channels/messenger.js";
import type * as channels_metaAdapter from "../channels/metaAdapter.js";
import type * as channels_queries from "../channels/queries.js";
import type * as channels_telegram from "../channels/telegram.js";
import type * as channels_web from "../channels/web.js";
import type * as channels_whatsapp from "../channels/whatsapp.js";
import type * as conversations from "../conversations.js";
import type * as crons from "../crons.js";
import type * as dashboard from "../dashboard.js";
import type * as deadLetters from "../deadLetters.js";
import type * as followups from "../followups.js";
import type * as functions from "../functions.js";
import type * as http from "../http.js";
import type * as inbox from "../inbox.js";
import type * as ingest from "../ingest.js";
import type * as lifecycle_api from "../lifecycle/api.js";
import type * as lifecycle_archive from "../lifecycle/archive.js";
import type * as lifecycle_cleanup from "../lifecycle/cleanup.js";
import type * as lifecycle_context from "../lifecycle/context.js";
import type * as lifecycle_history from "../lifecycle/history.js";
import type * as lifecycle_maintenance from "../lifecycle/maintenance.js";
import type * as lifecycle_metadata from "../lifecycle/metadata.js";
import type * as lifecycle_recover from "../lifecycle/recover.js";
import type * as lifecycle_rows from "../lifecycle/rows.js";
import type * as lifecycle_runs from "../lifecycle/runs.js";
import type * as lifecycle_stats from "../lifecycle/stats.js";
import type * as lifecycle_status from "../lifecycle/status.js";
import type * as lifecycle_sweep from "../lifecycle/sweep.js";
import type * as lifecycle_sync from "../lifecycle/sync.js";
import type * as lifecycle_unarchive from "../lifecycle/unarchive.js";
import type * as meetings from "../meetings.js";
import type * as model_accounts from "../model/accounts.js";
import type * as model_analytics from "../model/analytics.js";
import type * as model_archives from "../model/archives.js";
import type * as model_batches from "../model/batches.js";
import type * as model_contacts from "../model/contacts.js";
import type * as model_conversations from "../model/conversations.js";
import type * as model_deadLetters from "../model/deadLetters.js";
import type * as model_delivery from "../model/delivery.js";
import type * as model_errors from "../model/errors.js";
import type * as model_maintenanceRuns from "../model/maintenanceRuns.js";
import type * as model_meetings from "../model/meetings.js";
import type * as model_messages from "../model/messages.js";
import type * as model_readMarkers from "../model/readMarkers.js";
import type * as model_scheduledActions from "../model/scheduledActions.js";
import type * as model_settings from "../model/settings.js";
import type * as model_slots from "../model/slots.js";
import type * as model_surveys from "../model/surveys.js";
import type * as model_syncStatus from "../model/syncStatus.js";
import type * as model_webChat from "../model/webChat.js";
import type * as operatorApi from "../operatorApi.js";
import type * as outbound from "../outbound.js";
import type * as reportsApi from "../reportsApi.js";
import type * as settings from "../settings.js";
import type * as users from "../users.js";
import type * as validators from "../validators.js";
import type * as webchat from "../webchat.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  "agent/claude": typeof agent_claude;
  "agent/context": typeof agent_context;
  "agent/respond": typeof agent_respond;
  "agent/tools": typeof agent_tools;
  "analytics/metrics": typeof analytics_metrics;
  "analytics/queries": typeof analytics_queries;
  "analytics/reports": typeof analytics_reports;
  "analytics/retention": typeof analytics_retention;
  "analytics/rollup": typeof analytics_rollup;
  "analytics/tuner": typeof analytics_tuner;
  analyticsApi: typeof analyticsApi;
  apiKeys: typeof apiKeys;
  auditLog: typeof auditLog;
  auth: typeof auth;
  "batching/batch": typeof batching_batch;
  "batching/tick": typeof batching_tick;
  "batching/watchdog": typeof batching_watchdog;
  "channels/actions": typeof channels_actions;
  "channels/adapter": typeof channels_adapter;
  "channels/index": typeof channels_index;
  "channels/instagram": typeof channels_instagram;
  "channels/messenger": typeof channels_messenger;
  "channels/metaAdapter": typeof channels_metaAdapter;
  "channels/queries": typeof channels_queries;
  "channels/telegram": typeof channels_telegram;
  "channels/web": typeof channels_web;
  "channels/whatsapp": typeof channels_whatsapp;
  conversations: typeof conversations;
  crons: typeof crons;
  dashboard: typeof dashboard;
  deadLetters: typeof deadLetters;
  followups: typeof followups;
  functions: typeof functions;
  http: typeof http;
  inbox: typeof inbox;
  ingest: typeof ingest;
  "lifecycle/api": typeof lifecycle_api;
  "lifecycle/archive": typeof lifecycle_archive;
  "lifecycle/cleanup": typeof lifecycle_cleanup;
  "lifecycle/context": typeof lifecycle_context;
  "lifecycle/history": typeof lifecycle_history;
  "lifecycle/maintenance": typeof lifecycle_maintenance;
  "lifecycle/metadata": typeof lifecycle_metadata;
  "lifecycle/recover": typeof lifecycle_recover;
  "lifecycle/rows": typeof lifecycle_rows;
  "lifecycle/runs": typeof lifecycle_runs;
  "lifecycle/stats": typeof lifecycle_stats;
  "lifecycle/status": typeof lifecycle_status;
  "lifecycle/sweep": typeof lifecycle_sweep;
  "lifecycle/sync": typeof lifecycle_sync;
  "lifecycle/unarchive": typeof lifecycle_unarchive;
  meetings: typeof meetings;
  "model/accounts": typeof model_accounts;
  "model/analytics": typeof model_analytics;
  "model/archives": typeof model_archives;
  "model/batches": typeof model_batches;
  "model/contacts": typeof model_contacts;
  "model/conversations": typeof model_conversations;
  "model/deadLetters": typeof model_deadLetters;
  "model/delivery": typeof model_delivery;
  "model/errors": typeof model_errors;
  "model/maintenanceRuns": typeof model_maintenanceRuns;
  "model/meetings": typeof model_meetings;
  "model/messages": typeof model_messages;
  "model/readMarkers": typeof model_readMarkers;
  "model/scheduledActions": typeof model_scheduledActions;
  "model/settings": typeof model_settings;
  "model/slots": typeof model_slots;
  "model/surveys": typeof model_surveys;
  "model/syncStatus": typeof model_syncStatus;
  "model/webChat": typeof model_webChat;
  operatorApi: typeof operatorApi;
  outbound: typeof outbound;
  reportsApi: typeof reportsApi;
  settings: typeof settings;
  users: typeof users;
  validators: typeof validators;
  webchat: typeof webchat;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
