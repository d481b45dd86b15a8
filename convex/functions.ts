/**
 * Function builders for operator-facing code. Every dashboard query and
 * mutation is registered through these, so access control is added in one
 * place. Today the dashboard is open to whoever can reach it (a local or
 * private deployment); put the auth check in `operatorCtx`.
 */
import { customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { mutation, query } from "./_generated/server";

const operatorCtx = customCtx(async () => ({}));

export const operatorQuery = customQuery(query, operatorCtx);
export const operatorMutation = customMutation(mutation, operatorCtx);
