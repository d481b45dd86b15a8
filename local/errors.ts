// How function failures reach clients and the terminal.
import { convexToJson, type JSONValue, type Value } from "convex/values";
import { log } from "./log.js";

/**
 * A call the runtime refuses before running user code (unknown or internal
 * function, wrong function type). Its message is Convex's own wording, so
 * clients see the same text they would see from a cloud deployment.
 */
export class RefusedCallError extends Error {
  override name = "RefusedCallError";
}

export type ClientError = { errorMessage: string; errorData?: JSONValue };

export function toClientError(error: unknown): ClientError {
  if (error instanceof RefusedCallError) return { errorMessage: error.message };
  if (isConvexError(error)) {
    return {
      errorMessage: `Uncaught ConvexError: ${error.message}`,
      errorData: convexToJson(error.data ?? null),
    };
  }
  if (error instanceof Error)
    return { errorMessage: `Uncaught ${error.name}: ${error.message}` };
  return { errorMessage: `Uncaught ${String(error)}` };
}

/** One line per failure: what ran, why it failed, and where in user code. */
export function logFunctionError(
  what: string,
  udfPath: string,
  error: unknown,
): void {
  const { errorMessage } = toClientError(error);
  const where =
    error instanceof Error && !(error instanceof RefusedCallError)
      ? userFrame(error.stack)
      : undefined;
  log.error(
    `✖ ${what} ${udfPath}: ${errorMessage}${where ? ` (${where})` : ""}`,
  );
}

// ConvexError is recognised by its symbol, as convex/server does, so an error
// thrown by another copy of the `convex` package still counts.
function isConvexError(error: unknown): error is Error & { data?: Value } {
  return error instanceof Error && Symbol.for("ConvexError") in error;
}

// The first stack frame outside node_modules and Node internals: the line of
// the app's own code that threw, which is what a developer looks for first.
function userFrame(stack: string | undefined): string | undefined {
  const frame = stack
    ?.split("\n")
    .slice(1)
    .find((line) => !line.includes("node_modules") && !line.includes("node:"));
  const location = frame?.match(
    /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/,
  )?.[1];
  return location
    ?.replace(`file://${process.cwd()}/`, "")
    .replace(`${process.cwd()}/`, "");
}
