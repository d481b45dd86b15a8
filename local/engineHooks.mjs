// Node module hook, registered by local/main.ts before convex-test loads.
//
// convex-test keeps its database, transaction manager and scheduler in a
// module-private object reached through `getConvexGlobal()`. A long-running
// server needs that object (to snapshot documents with their ids, restore
// them, and hear about commits), so this hook re-exports the accessor from
// the package source, and adds one gate at the start of its scheduled-function
// runner so a planned stop can hold back jobs that fall due meanwhile. It
// also fixes how file storage from an action finds its transaction (below).
// If a convex-test upgrade renames any of these, the start fails with a
// message saying so.
const ENGINE_ENTRY = "/node_modules/convex-test/dist/index.js";

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.endsWith(ENGINE_ENTRY) || result.source == null) return result;
  const source = Buffer.from(result.source).toString("utf8");
  // A planned stop must not start scheduled functions that fell due during
  // it: they stay pending in the data and run after the restart.
  const start = "async function runScheduledFunction({ db, jobId, componentPath, functionPath, args, name, }) {";
  if (!source.includes(start)) {
    throw new Error(
      "local/engineHooks.mjs: convex-test's runScheduledFunction changed shape; update the stop gate.",
    );
  }
  const gated = source.replace(
    start,
    `${start}\n    if (__scheduledFunctionGate && !__scheduledFunctionGate(jobId)) return;`,
  );
  // storage.store/delete from an action write `_storage` through
  // writeToDatabase, which asked the transaction manager's global flag
  // whether the *caller* is in a transaction. While any other function's
  // transaction was open the answer was yes, so the action wrote into that
  // transaction (lost if it rolled back) or, after it committed during the
  // blob's hashing, threw "Write outside of transaction". Whether the caller
  // itself runs inside a query or mutation is what convex-test's own
  // per-call context (nestedTxStorage, set around every query and mutation
  // invocation) says; an action then opens its own transaction, waiting
  // its turn like any mutation.
  const storageCheck = "    if (!getTransactionManager().isInTransaction()) {\n        return await withAuth().run(";
  if (!gated.includes(storageCheck) || !source.includes("const nestedTxStorage = new AsyncLocalStorage();")) {
    throw new Error("local/engineHooks.mjs: convex-test's writeToDatabase changed shape; update the storage transaction fix.");
  }
  const fixed = gated.replace(
    storageCheck,
    "    if ((nestedTxStorage.getStore() ?? null) === null) {\n        return await withAuth().run(",
  );
  return {
    ...result,
    source:
      `${fixed}\nexport { getConvexGlobal as __getConvexGlobal };\n` +
      `let __scheduledFunctionGate = null;\n` +
      `export function __setScheduledFunctionGate(gate) { __scheduledFunctionGate = gate; }\n`,
  };
}
