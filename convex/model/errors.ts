/**
 * Errors a caller sees (operators in the dashboard, the web chat). Convex
 * hides a plain `Error`'s message in production; a `ConvexError` carries
 * its data to the client, so every caller-visible failure is one of these,
 * with a stable `code` for code and words for people.
 *
 * Broken invariants inside scheduled work (a batch's conversation gone)
 * stay plain `Error`s: no caller sees them, and the logs show them whole.
 */
import { ConvexError } from "convex/values";

export type ErrorData = { code: string; message: string };

export function callerError(code: string, message: string) {
  return new ConvexError<ErrorData>({ code, message });
}

/** The thing a caller named is gone (deleted, or an id from another deployment). */
export function notFound(what: string, id: string) {
  return callerError("NOT_FOUND", `This ${what} no longer exists (${id}); reload the page`);
}
