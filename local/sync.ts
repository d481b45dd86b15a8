// The WebSocket sync protocol ConvexReactClient speaks (its client side is
// node_modules/convex/dist/esm/browser/sync/): the client declares a query
// set, the server answers with Transitions carrying query results, and
// pushes new ones after every commit that changed a result.
//
// Versions chain: each Transition starts at the version the previous one
// ended at ({querySet, identity, ts}). A mutation's promise resolves once a
// Transition reaches the `ts` its MutationResponse carried, so after every
// successful mutation a Transition at or past that ts must follow.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  convexToJson,
  jsonToConvex,
  type JSONValue,
  type Value,
} from "convex/values";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { AuthError, type Identity, type VerifyToken } from "./auth.js";
import { canonicalUdfPath, type Engine } from "./engine.js";
import { logFunctionError, RefusedCallError, toClientError } from "./errors.js";
import type { ReadSet } from "./indexStore.js";

const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
// The client reconnects after 60 s without hearing from the server.
const PING_INTERVAL_MS = 15_000;

type StateVersion = { querySet: number; identity: number; ts: bigint };
type QueryModification =
  | {
      type: "QueryUpdated";
      queryId: number;
      value: JSONValue;
      logLines: string[];
      journal: null;
    }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      errorData?: JSONValue;
      logLines: string[];
      journal: null;
    }
  | { type: "QueryRemoved"; queryId: number };
// A query's outcome, and the error behind a failure (for the terminal only).
type QueryResult = {
  modification: Exclude<QueryModification, { type: "QueryRemoved" }>;
  error?: unknown;
};
type ClientMessage =
  | { type: "Connect"; sessionId: string }
  | {
      type: "ModifyQuerySet";
      baseVersion: number;
      newVersion: number;
      modifications: (
        | { type: "Add"; queryId: number; udfPath: string; args: JSONValue[] }
        | { type: "Remove"; queryId: number }
      )[];
    }
  | {
      type: "Mutation" | "Action";
      requestId: number;
      udfPath: string;
      args: JSONValue[];
      componentPath?: string;
    }
  | {
      type: "Authenticate";
      baseVersion: number;
      tokenType?: "User" | "Admin" | "None";
      value?: string;
    }
  | { type: "Event" };

/** Convex timestamps travel as little-endian u64, base64-encoded. */
export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

export type SyncServer = {
  /** Stop taking mutations and actions: clients re-send them after reconnecting. */
  pause(): void;
  /** Let queued Transitions go out (so answered mutations resolve), then close every socket. */
  close(): Promise<void>;
};

/** Serves `/api/<version>/sync` on `server`. */
export function attachSync(server: Server, engine: Engine, verifyToken: VerifyToken): SyncServer {
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new Set<SyncSession>();
  // Results per (query, args, user): tabs watching the same query share one
  // execution, and a result stays until a commit changes something it read
  // (its read set), as Convex re-runs only the queries a write affects.
  const results = new Map<string, CachedResult>();
  let commits = 0;
  const runQuery = (udfPath: string, args: Value, identity?: Identity): Promise<QueryResult> => {
    const key = queryKey(udfPath, args, identity);
    let cached = results.get(key);
    if (!cached) {
      const entry: CachedResult = { result: undefined!, reads: null, usedAt: commits };
      entry.result = executeQuery(engine, udfPath, args, identity).then(({ result, reads }) => {
        entry.reads = reads;
        return result;
      });
      results.set(key, (cached = entry));
    }
    cached.usedAt = commits;
    return cached.result;
  };
  // Synchronously inside each commit that wrote something.
  const stopChanges = engine.onChanges((changes) => {
    for (const [key, cached] of results) {
      // Still running: it reads after this commit anyway (queries wait for the lock).
      if (cached.reads?.affectedBy(changes)) results.delete(key);
    }
  });
  const stopListening = engine.onCommit(() => {
    commits += 1;
    // Forget results no session watches any more (a session's refresh may
    // lag a few commits behind under load; it still holds its keys).
    if (results.size > 0) {
      const watched = new Set<string>();
      sessions.forEach((session) => session.watchedKeys.forEach((key) => watched.add(key)));
      for (const [key, cached] of results) {
        if (!watched.has(key) && cached.usedAt < commits - 2) results.delete(key);
      }
    }
    sessions.forEach((session) => session.requestRefresh());
  });

  server.on(
    "upgrade",
    (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (
        !SYNC_PATH.test(
          new URL(request.url ?? "/", "http://localhost").pathname,
        )
      ) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const session = new SyncSession(ws, engine, runQuery, verifyToken);
        sessions.add(session);
        ws.on("close", () => sessions.delete(session));
      });
    },
  );
  const ping = setInterval(
    () => sessions.forEach((session) => session.send({ type: "Ping" })),
    PING_INTERVAL_MS,
  );

  return {
    pause: () => sessions.forEach((session) => session.pause()),
    close: async () => {
      await Promise.all([...sessions].map((session) => session.idle()));
      clearInterval(ping);
      stopListening();
      stopChanges();
      for (const ws of wss.clients) ws.close(1001, "server stopping");
      wss.close();
    },
  };
}

function queryKey(udfPath: string, args: Value, identity: Identity | undefined): string {
  return JSON.stringify([udfPath, convexToJson(args), identity?.tokenIdentifier ?? null]);
}

type CachedResult = { result: Promise<QueryResult>; reads: ReadSet | null; usedAt: number };

async function executeQuery(
  engine: Engine,
  udfPath: string,
  args: Value,
  identity: Identity | undefined,
): Promise<{ result: QueryResult; reads: ReadSet }> {
  const { reads, outcome } = await engine.queryWithReadSet(udfPath, args, identity);
  if ("value" in outcome) {
    return {
      reads,
      result: {
        modification: {
          type: "QueryUpdated",
          queryId: -1,
          value: convexToJson(outcome.value),
          logLines: [],
          journal: null,
        },
      },
    };
  }
  return {
    reads,
    result: {
      modification: {
        type: "QueryFailed",
        queryId: -1,
        ...toClientError(outcome.error),
        logLines: [],
        journal: null,
      },
      error: outcome.error,
    },
  };
}

class SyncSession {
  private querySet = 0;
  private identity = 0;
  /** Who the client authenticated as (a verified token), if anyone. */
  private user: Identity | undefined;
  /** The version the client holds: where the next Transition must start. */
  private sent: StateVersion = { querySet: 0, identity: 0, ts: 0n };
  private readonly queries = new Map<
    number,
    { udfPath: string; args: Value; lastSent?: string; lastResult?: QueryResult }
  >();
  private removed: number[] = [];
  /** The shared-result keys of this session's queries as of its last refresh. */
  watchedKeys = new Set<string>();
  /** Highest ts of a MutationResponse no Transition has reached yet. */
  private awaitedTs: bigint | null = null;
  // Query-set changes, auth changes and refreshes run one at a time, in
  // arrival order, so each Transition sees a settled query set.
  private queue: Promise<void> = Promise.resolve();
  private refreshQueued = false;
  private paused = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly engine: Engine,
    private readonly runQuery: (
      udfPath: string,
      args: Value,
      identity?: Identity,
    ) => Promise<QueryResult>,
    private readonly verifyToken: VerifyToken,
  ) {
    ws.on("message", (data) => this.receive(data));
  }

  send(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN)
      this.ws.send(JSON.stringify(message));
  }

  pause(): void {
    this.paused = true;
  }

  /** Resolves once every queued query-set change and refresh has run. */
  async idle(): Promise<void> {
    for (let queue = this.queue; ; queue = this.queue) {
      await queue;
      if (queue === this.queue) return;
    }
  }

  requestRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.enqueue(() => {
      this.refreshQueued = false;
      return this.refresh();
    });
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) => this.fail(String(error)));
  }

  private fail(error: string): void {
    this.send({ type: "FatalError", error });
    this.ws.close(1011, error.slice(0, 120));
  }

  private receive(data: RawData): void {
    let message: ClientMessage;
    try {
      message = JSON.parse(data.toString()) as ClientMessage;
    } catch {
      return this.fail("Invalid JSON message");
    }
    switch (message.type) {
      case "Connect":
      case "Event":
        return; // a socket is one session; client telemetry is not kept
      case "ModifyQuerySet":
        return this.enqueue(() => this.modifyQuerySet(message));
      case "Authenticate":
        return this.enqueue(() => this.authenticate(message));
      case "Mutation":
      case "Action":
        // Unanswered while stopping, the client sends it again to the next runtime.
        if (!this.paused) void this.runRequest(message);
        return;
      default:
        return this.fail(
          `Unknown message type ${(message as { type: string }).type}`,
        );
    }
  }

  /**
   * A user token is verified (local/auth.ts) and its identity used for every
   * query, mutation and action after it; "None" signs out. A bad token gets
   * AuthError and the socket closes, as Convex does: the client fetches a
   * fresh token and reconnects.
   */
  private async authenticate(
    message: Extract<ClientMessage, { type: "Authenticate" }>,
  ): Promise<void> {
    if (message.baseVersion !== this.identity) {
      throw new Error(
        `Authenticate baseVersion ${message.baseVersion} does not match ${this.identity}`,
      );
    }
    if (message.tokenType === "Admin") {
      throw new Error("Admin tokens are not supported by the local runtime");
    }
    if (message.tokenType === "User") {
      try {
        this.user = await this.verifyToken(message.value ?? "");
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        this.send({
          type: "AuthError",
          error: error.message,
          baseVersion: message.baseVersion,
          authUpdateAttempted: true,
        });
        this.ws.close(1000, "AuthError");
        return;
      }
    } else {
      this.user = undefined;
    }
    this.identity += 1;
    return this.refresh();
  }

  private modifyQuerySet(
    message: Extract<ClientMessage, { type: "ModifyQuerySet" }>,
  ): Promise<void> {
    if (message.baseVersion !== this.querySet) {
      throw new Error(
        `ModifyQuerySet baseVersion ${message.baseVersion} does not match ${this.querySet}`,
      );
    }
    for (const change of message.modifications) {
      if (change.type === "Add") {
        const args = jsonToConvex(change.args[0] ?? {});
        this.queries.set(change.queryId, {
          udfPath: canonicalUdfPath(change.udfPath),
          args,
        });
      } else if (this.queries.delete(change.queryId)) {
        this.removed.push(change.queryId);
      }
    }
    this.querySet = message.newVersion;
    return this.refresh();
  }

  private async runRequest(
    message: Extract<ClientMessage, { type: "Mutation" | "Action" }>,
  ): Promise<void> {
    const kind = message.type === "Mutation" ? "mutation" : "action";
    const responseType =
      message.type === "Mutation" ? "MutationResponse" : "ActionResponse";
    try {
      if (message.componentPath)
        throw new RefusedCallError(
          "Components are not supported by the local runtime",
        );
      const { value } = await this.engine.callPublic(
        message.udfPath,
        jsonToConvex(message.args[0] ?? {}),
        kind,
        this.user,
      );
      const response = {
        type: responseType,
        requestId: message.requestId,
        success: true,
        result: convexToJson(value),
        logLines: [],
      };
      if (kind === "action") return this.send(response);
      // Read after the commit, so the ts is at least the mutation's own.
      const ts = this.engine.lastCommitTs();
      this.send({ ...response, ts: encodeTs(ts) });
      this.awaitedTs =
        this.awaitedTs !== null && this.awaitedTs > ts ? this.awaitedTs : ts;
      this.requestRefresh();
    } catch (error) {
      logFunctionError(kind, message.udfPath, error);
      const { errorMessage, errorData } = toClientError(error);
      this.send({
        type: responseType,
        requestId: message.requestId,
        success: false,
        result: errorMessage,
        errorData,
        logLines: [],
      });
    }
  }

  private async refresh(): Promise<void> {
    // Every query below runs at or after this ts, so it is a safe endVersion.
    const latest = this.engine.lastCommitTs();
    const ts = latest > this.sent.ts ? latest : this.sent.ts;
    const modifications: QueryModification[] = this.removed.map((queryId) => ({
      type: "QueryRemoved",
      queryId,
    }));
    this.removed = [];
    const watched = new Set<string>();
    for (const query of this.queries.values()) watched.add(queryKey(query.udfPath, query.args, this.user));
    this.watchedKeys = watched;
    for (const [queryId, query] of this.queries) {
      const result = await this.runQuery(query.udfPath, query.args, this.user);
      // The same execution as last time (nothing it read changed): already sent.
      if (result === query.lastResult) continue;
      query.lastResult = result;
      const { modification, error } = result;
      const serialized = JSON.stringify(modification);
      if (serialized === query.lastSent) continue; // unchanged: nothing to push
      // Logged when the failure is new, not on every re-run.
      if (error !== undefined) logFunctionError("query", query.udfPath, error);
      query.lastSent = serialized;
      modifications.push({ ...modification, queryId });
    }
    const end: StateVersion = {
      querySet: this.querySet,
      identity: this.identity,
      ts,
    };
    const versionMoved =
      end.querySet !== this.sent.querySet ||
      end.identity !== this.sent.identity;
    if (modifications.length === 0 && !versionMoved && this.awaitedTs === null)
      return;
    this.send({
      type: "Transition",
      startVersion: wireVersion(this.sent),
      endVersion: wireVersion(end),
      modifications,
    });
    this.sent = end;
    if (this.awaitedTs !== null && ts >= this.awaitedTs) this.awaitedTs = null;
  }
}

function wireVersion(version: StateVersion): {
  querySet: number;
  identity: number;
  ts: string;
} {
  return {
    querySet: version.querySet,
    identity: version.identity,
    ts: encodeTs(version.ts),
  };
}
