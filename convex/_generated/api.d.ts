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
import type * as apiKeys from "../apiKeys.js";
import type * as auditLog from "../auditLog.js";
import type * as auth from "../auth.js";
import type * as batching_batch from "../batching/batch.js";
import type * as batching_state from "../batching/state.js";
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
import type * as followups from "../followups.js";
import type * as functions from "../functions.js";
import type * as http from "../http.js";
import type * as ingest from "../ingest.js";
import type * as meetings from "../meetings.js";
import type * as operatorApi from "../operatorApi.js";
import type * as outbound from "../outbound.js";
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
  apiKeys: typeof apiKeys;
  auditLog: typeof auditLog;
  auth: typeof auth;
  "batching/batch": typeof batching_batch;
  "batching/state": typeof batching_state;
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
  followups: typeof followups;
  functions: typeof functions;
  http: typeof http;
  ingest: typeof ingest;
  meetings: typeof meetings;
  operatorApi: typeof operatorApi;
  outbound: typeof outbound;
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
